"""Dagster definitions: the same daily job as `tungsten refresh`, as assets and checks.

- raw/<table>: one asset per raw table; loads that table's changed snapshot files through
  the write-audit-publish gate; the GX suite result is a blocking asset check (a refused
  file fails the asset, so nothing downstream runs on it).
- ref/*: reference tables the marts join to.
- dbt models (from the manifest), with dbt tests as asset checks.
- serving_file: publishes the serving DuckDB file after the marts and their tests pass.
- daily_refresh job and a 06:00 UTC schedule.
"""


import os
import sys
from pathlib import Path

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AssetSpec,
    Definitions,
    Failure,
    MaterializeResult,
    ScheduleDefinition,
    asset,
    define_asset_job,
    multi_asset,
)
from dagster_dbt import DbtCliResource, dbt_assets

from dagster_project.manifest import ensure_manifest
from ingest import curated
from warehouse import reference_tables, tables
from warehouse.refresh import CURATED_FILES
from warehouse.dbt_build import dbt_env
from warehouse.paths import DBT_PROJECT_DIR, current

DBT_MANIFEST = ensure_manifest()
REF_TABLES = ["countries", "unit_factors", "metrics", "sponsor_blocs", "hs_codes", "trade_areas"]


def _raw_asset(table: str):
    key = AssetKey(["raw", table])

    @asset(
        key=key,
        group_name="raw",
        description=f"raw.{table}: validated figures from the embedded snapshot, every edition kept.",
        check_specs=[AssetCheckSpec("gx_suite", asset=key, blocking=True,
                                    description="The table's Great Expectations suite on each file loaded.")],
    )
    def _load(context: AssetExecutionContext):
        from warehouse.refresh import connect_build, load_snapshot, writer_lock

        paths = current().ensure()
        with writer_lock(paths):
            con = connect_build(paths)
            try:
                results, errors = load_snapshot(paths, con, context.log.info, tables={table})
            finally:
                con.close()
        if errors:
            raise Failure(description="\n\n".join(errors))
        loaded = [r for r in results if r.status == "passed"]
        return MaterializeResult(
            metadata={
                "files_loaded": len(loaded),
                "files_skipped_unchanged": sum(r.status == "skipped" for r in results),
                "rows_loaded": sum(r.rows for r in loaded),
            },
            check_results=[AssetCheckResult(
                check_name="gx_suite", passed=True,
                metadata={"expectations_evaluated": sum(r.expectations_evaluated for r in loaded),
                          "files_validated": len(loaded)},
            )],
        )

    return _load


raw_assets = [_raw_asset(t) for t in tables.REGISTRY if t not in curated.table_schemas()]


def _curated_asset(source: str):
    keys = [AssetKey(["raw", t]) for t in curated.curated_tables_of(source)]

    @multi_asset(
        name=f"curated_{source}",
        specs=[AssetSpec(k, group_name="raw", description=f"{k.path[-1]}: from data/curated/{CURATED_FILES[source]}")
               for k in keys],
        check_specs=[AssetCheckSpec("gx_suite", asset=k, blocking=True) for k in keys],
    )
    def _load(context: AssetExecutionContext):
        from warehouse.refresh import connect_build, load_one_file, writer_lock
        from warehouse.load import LoadRefused

        paths = current().ensure()
        with writer_lock(paths):
            con = connect_build(paths)
            try:
                results = load_one_file(paths, con, source, paths.curated / CURATED_FILES[source], context.log.info,
                                        origin="curated")
            except LoadRefused as exc:
                raise Failure(description=str(exc)) from None
            finally:
                con.close()
        by_table = {r.raw_table: r for r in results}
        for k in keys:
            r = by_table[k.path[-1]]
            yield MaterializeResult(asset_key=k, metadata={"status": r.status, "rows": r.rows})
            yield AssetCheckResult(asset_key=k, check_name="gx_suite", passed=True,
                                   metadata={"expectations_evaluated": r.expectations_evaluated})

    return _load


curated_assets = [_curated_asset(s) for s in CURATED_FILES]


@multi_asset(specs=[AssetSpec(AssetKey(["ref", t]), group_name="reference") for t in REF_TABLES] +
             [AssetSpec(AssetKey(["meta", "sources"]), group_name="reference")])
def reference(context: AssetExecutionContext):
    """Reference tables (countries, unit factors, metrics) and meta.sources, from ingest/reference."""
    from warehouse.refresh import connect_build, writer_lock

    paths = current().ensure()
    with writer_lock(paths):
        con = connect_build(paths)
        try:
            reference_tables.write(con)
        finally:
            con.close()
    for t in REF_TABLES:
        yield MaterializeResult(asset_key=AssetKey(["ref", t]))
    yield MaterializeResult(asset_key=AssetKey(["meta", "sources"]))


def _dbt_executable() -> str:
    exe = Path(sys.executable).with_name("dbt")
    return str(exe) if exe.exists() else "dbt"


@dbt_assets(manifest=DBT_MANIFEST)
def tungsten_dbt(context: AssetExecutionContext, dbt: DbtCliResource):
    """dbt build on the build file: staging, intermediate and marts, with their tests."""
    os.environ.update(dbt_env(current().ensure()))
    yield from dbt.cli(["build"], context=context).stream()


@asset(
    key=AssetKey(["serving_file"]),
    deps=[tungsten_dbt],
    group_name="serving",
    description="The serving DuckDB file (read-only for SQL users and BI), replaced atomically.",
)
def serving_file(context: AssetExecutionContext) -> MaterializeResult:
    from warehouse.refresh import publish_build

    paths = current().ensure()
    counts = publish_build(paths)
    return MaterializeResult(metadata={"path": str(paths.serving), "tables": len(counts),
                                       "mart_rows": sum(v for k, v in counts.items() if k.startswith("marts."))})


daily_refresh = define_asset_job("daily_refresh", selection=AssetSelection.all(),
                                 description="The daily job: load, validate, build marts, publish.")

defs = Definitions(
    assets=[*raw_assets, *curated_assets, reference, tungsten_dbt, serving_file],
    jobs=[daily_refresh],
    schedules=[ScheduleDefinition(name="daily_refresh_0600_utc", job=daily_refresh, cron_schedule="0 6 * * *",
                                  execution_timezone="UTC")],
    resources={"dbt": DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                                     dbt_executable=_dbt_executable())},
)
