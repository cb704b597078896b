"""The loads of the daily job: one asset per registered source (raw/<source_id>), and the
reference tables, all materialized by one step so that the build file has one writer.

Files a user gives (`tungsten ingest SOURCE FILE`, `tungsten fetch`) come in as the step's run
configuration (LoadConfig) and go through the same gate, before the snapshot and curated files:
a user's file appears in Dagster as its source's materialization with its GX check.

Each source asset carries two checks. gx_suite is blocking and reports the suite's real
outcome for each file loaded (failed expectations and example rows in its metadata); a
refused file fails the step, so no mart is built and nothing is published. freshness warns
when a source is older than its source.yml allows. A source with nothing new is not
materialized again: an observation says it was skipped, and its gx_suite check gives the
outcome of the validations that let in the rows it serves (when, and what).
"""


from pathlib import Path

import duckdb
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    AssetSpec,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from dagster_project.resources import WarehouseResource
from ingest.sources import all_sources
from warehouse.build_file import damage_message, is_damage, set_aside
from warehouse.reference_tables import REFERENCE_TABLES

REFERENCE_KEYS = [AssetKey(name.split(".")) for name in REFERENCE_TABLES]
SOURCE_FILES_KEY = AssetKey(["meta", "source_files"])


def source_key(source_id: str) -> AssetKey:
    return AssetKey(["raw", source_id])


def _family_tables() -> dict[str, list[str]]:
    """Raw table -> the sources that land in it (the curated source feeds several tables)."""
    from ingest.families import raw_table

    out: dict[str, list[str]] = {}
    for s in all_sources().values():
        for dataset in s.datasets:
            out.setdefault(raw_table(s.family, dataset), []).append(s.id)
    return out


def table_key(table: str) -> AssetKey:
    """The asset of a raw table as dbt's sources name it (raw.<table>)."""
    return AssetKey(["raw", table])


def _specs() -> list[AssetSpec]:
    specs = [AssetSpec(key, group_name="reference",
                       description=f"{'.'.join(key.path)}: reference data from ingest/reference and the source folders.")
             for key in REFERENCE_KEYS]
    specs.append(AssetSpec(SOURCE_FILES_KEY, group_name="raw", skippable=True,
                           description="meta.source_files: each loaded file's provenance (original, sha256, DOI, licence)."))
    for s in all_sources().values():
        specs.append(AssetSpec(
            source_key(s.id), group_name="raw", skippable=True, kinds={"duckdb"},
            description=f"{s.name} ({s.publisher}) into raw.{s.family if s.family != 'curated' else '<curated tables>'}: "
                        f"validated by its GX suite, every edition kept. Licence: {s.licence}.",
            metadata={"source_id": s.id, "family": s.family, "licence": s.licence, "url": s.url or ""},
        ))
    for table, sources in _family_tables().items():
        specs.append(AssetSpec(table_key(table), group_name="raw", kinds={"duckdb"},
                               deps=[source_key(sid) for sid in sources],
                               description=f"raw.{table}: the rows of {', '.join(sources)} (one table per family)."))
    return specs


def _check_specs() -> list[AssetCheckSpec]:
    out = []
    for s in all_sources().values():
        out.append(AssetCheckSpec("gx_suite", asset=source_key(s.id), blocking=True,
                                  description="The raw table's Great Expectations suite on each file of this source loaded "
                                              "by the run: passes only if every expectation of every file does."))
        out.append(AssetCheckSpec("freshness", asset=source_key(s.id),
                                  description="The newest edition (or last load) is as recent as source.yml expects."))
    return out


class UserFile(Config):
    """A file a user gives, in a source's format (a source id or command name); vintage, reporter
    and hs as `tungsten ingest` takes them."""
    source: str
    path: str
    vintage: str | None = None
    reporter: str | None = None
    hs: str | None = None
    replace_edition: bool = False  # this file's rows become the edition, even where it covers less
    accept_outliers: bool = False  # figures far from the warehouse's are right, as the user says


class LoadConfig(Config):
    """The user's files this run loads before the snapshot and curated files (none for the daily run)."""
    files: list[UserFile] = []


def _gx_check(source_id: str, results) -> AssetCheckResult:
    validated = [r for r in results if r.status in ("passed", "failed")]
    failed = [r for r in validated if r.status == "failed"]
    metadata = {
        "files_validated": len(validated),
        "expectations_evaluated": sum(r.expectations_evaluated for r in validated),
        "expectations_failed": sum(r.expectations_failed for r in validated),
        "files": MetadataValue.md("\n".join(f"- {r.file_name} ({r.vintage}): **{r.status}**, "
                                            f"{r.expectations_evaluated} expectations" for r in validated)),
    }
    if failed:
        metadata["failures"] = MetadataValue.text("\n\n".join(f"{r.file_name}: {r.message}" for r in failed))
        reports = [r.report_path for r in failed if r.report_path]
        if reports:
            metadata["reports"] = MetadataValue.text("\n".join(reports))
    return AssetCheckResult(asset_key=source_key(source_id), check_name="gx_suite", passed=not failed, metadata=metadata)


@multi_asset(name="load_sources", specs=_specs(), check_specs=_check_specs(), can_subset=True,
             description="Load each source's changed files through the write-audit-publish gate, and the reference tables.")
def load_sources(context: AssetExecutionContext, config: LoadConfig, warehouse: WarehouseResource):
    from warehouse.interrupts import checkpoints
    from warehouse.refresh import connect_build, writer_lock

    paths = warehouse.paths()
    errors: list[str] = []
    materialized: set[AssetKey] = set()
    # One writer lock and one connection for the whole step (opening the build file and
    # checking its schema per source cost about 50 ms each). Ctrl-C stops it between sources,
    # files and chunks (warehouse.interrupts says why not wherever it lands); so the events are
    # gathered and yielded after: at a yield, Dagster's own handler would be back.
    with checkpoints(), writer_lock(paths, context.log.warning):
        con = connect_build(paths, context.log.warning)
        try:
            events = [*_load_all(context, paths, con, config.files, errors, materialized),
                      *_report_tables(context, con, materialized)]
        except duckdb.Error as exc:
            if not is_damage(exc):
                raise
            con.close()  # found damaged past its opening: set aside now, made again by the next run
            set_aside(paths.build)
            raise Failure(description=damage_message(paths.build, exc)) from None
        finally:
            con.close()
    yield from events
    if errors:
        raise Failure(description="Refused (nothing of these files was loaded; the serving file is unchanged):\n\n"
                      + "\n\n".join(errors))


def _load_user_files(context: AssetExecutionContext, paths, con, files: list[UserFile], errors: list[str]) -> dict:
    """The user's files through the gate: their results by source id (a refused or unreadable
    file's reason goes into errors)."""
    from ingest.errors import ParseError
    from ingest.sources import resolve_command_name
    from warehouse.interrupts import stop_if_interrupted
    from warehouse.load import LoadRefused
    from warehouse.refresh import load_one_file

    by_source: dict[str, list] = {}
    for f in files:
        stop_if_interrupted()
        try:
            src, _input = resolve_command_name(f.source)
        except KeyError as exc:
            errors.append(str(exc).strip('"'))
            continue
        try:
            by_source.setdefault(src.id, []).extend(load_one_file(
                paths, con, f.source, Path(f.path), context.log.info, vintage=f.vintage, origin="user",
                options={"reporter": f.reporter, "hs": f.hs}, replace_edition=f.replace_edition,
                accept_outliers=f.accept_outliers))
        except LoadRefused as exc:
            by_source.setdefault(src.id, []).extend(exc.results)
            errors.append(str(exc))
        except (ParseError, OSError, ValueError) as exc:
            errors.append(str(exc).strip('"'))
    return by_source


def _load_all(context: AssetExecutionContext, paths, con, files: list[UserFile], errors: list[str],
              materialized: set[AssetKey]):
    """The reference tables, the user's files, then each selected source's changed files, with their events."""
    from warehouse import reference_tables
    from warehouse.interrupts import stop_if_interrupted
    from warehouse.refresh import load_source

    selected = context.selected_asset_keys
    if any(k in selected for k in REFERENCE_KEYS):
        reference_tables.write(con)
        for key in REFERENCE_KEYS:
            if key in selected:
                yield MaterializeResult(asset_key=key)
    user = _load_user_files(context, paths, con, files, errors)
    for src in all_sources().values():
        key = source_key(src.id)
        if key not in selected:
            continue
        stop_if_interrupted()  # between sources: a Ctrl-C a library swallowed stops the load here
        results, errs = load_source(paths, con, src, context.log.info)
        results = user.get(src.id, []) + results
        errors += errs
        loaded = [r for r in results if r.status == "passed"]
        if loaded:
            materialized.add(key)
            yield MaterializeResult(asset_key=key, metadata={
                "files_loaded": len(loaded), "rows_loaded": sum(r.rows for r in loaded),
                "editions": ", ".join(sorted({r.vintage for r in loaded})),
                "files_skipped_unchanged": sum(r.status == "skipped" for r in results)})
        if errs and not any(r.status == "failed" for r in results):
            # refused before validation (unreadable file, snapshot edited by hand): the check fails with the reason
            yield AssetCheckResult(asset_key=key, check_name="gx_suite", passed=False,
                                   metadata={"failures": MetadataValue.text("\n\n".join(errs)), "expectations_evaluated": 0})
        elif loaded or errs:
            yield _gx_check(src.id, results)
        if not loaded and not errs and not any(r.status == "failed" for r in results):
            context.log.info(f"{src.id}: nothing new (every file unchanged since it was validated)")
            yield AssetObservation(asset_key=key, metadata={"status": "skipped: unchanged",
                                                            "files_unchanged": len(results)})
            if (check := _served_check(con, src.id)) is not None:
                yield check


def _served_check(con, source_id: str) -> AssetCheckResult | None:
    """gx_suite for a source with nothing new: the outcome of the validations that let in the rows
    it serves (each file's, with when), so the check does not show only "skipped". None when the
    build holds no rows of the source (nothing was validated)."""
    from warehouse.status import served_validations

    served = served_validations(con, source_id)
    if not served:
        return None
    return AssetCheckResult(asset_key=source_key(source_id), check_name="gx_suite",
                            passed=all(v.expectations_failed == 0 for v in served), metadata={
        "validated_in_this_run": False,
        "files_served": len(served),
        "expectations_evaluated": sum(v.expectations_evaluated for v in served),
        "expectations_failed": sum(v.expectations_failed for v in served),
        "files": MetadataValue.md("\n".join(f"- {v.file_name} ({v.vintage}, raw.{v.raw_table}): validated "
                                             f"{v.validated_at:%Y-%m-%d %H:%M} UTC, {v.expectations_evaluated} "
                                             f"expectations, {v.expectations_failed} failed" for v in served))})


def _report_tables(context: AssetExecutionContext, con, materialized: set[AssetKey]):
    """Every raw table (with whether it changed), the source-files table, the freshness checks."""
    from warehouse.status import freshness, source_states

    selected = context.selected_asset_keys
    # Each raw table is reported every run, with whether it changed: dbt's step depends on all of
    # them, and Dagster would skip it if any were left out. dbt then decides from fingerprints.
    for table, sources in _family_tables().items():
        if table_key(table) in selected:
            changed = any(source_key(sid) in materialized for sid in sources)
            yield MaterializeResult(asset_key=table_key(table), metadata={"changed_in_this_run": changed})
    if materialized and SOURCE_FILES_KEY in selected:
        yield MaterializeResult(asset_key=SOURCE_FILES_KEY)
    states = {s.source.id: s for s in source_states(con)}
    for src in all_sources().values():
        if source_key(src.id) not in selected:
            continue
        state = states[src.id]
        f = freshness(state)
        yield AssetCheckResult(asset_key=source_key(src.id), check_name="freshness", passed=f.fresh,
                               severity=AssetCheckSeverity.WARN,
                               metadata={"reason": f.reason, "latest_edition": state.latest_edition or "",
                                         "last_validation": f"{state.last_status or '-'} at {state.last_loaded_at}"})
