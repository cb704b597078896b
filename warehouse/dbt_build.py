"""Run dbt on the build file, in this process: `dbt parse` for the manifest, `dbt build`
(models and their tests) with that manifest.

dbt's anonymous usage stats are off (dbt_project.yml flags) and the target and log paths
are under TUNGSTEN_HOME, so concurrent checkouts and test runs do not share dbt state.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.paths import DBT_PROJECT_DIR, Paths

DBT_FILE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}
MANIFEST_DIR = DBT_PROJECT_DIR / "target"  # the parsed project (dagster_project.manifest keeps it current)
# two: DuckDB runs one model's SQL while dbt renders the next (0.3-0.5 s of a 5 s build)
BUILD_THREADS = 2
RESULT_EVENTS = frozenset({"LogModelResult", "LogTestResult", "LogSeedResult", "LogSnapshotResult"})


@dataclass
class BuildSummary:
    """What a dbt build came to, in plain values (it crosses from the worker process)."""
    success: bool
    failures: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)


def dbt_env(paths: Paths) -> dict[str, str]:
    return {
        "TUNGSTEN_BUILD_PATH": str(paths.build),
        "DBT_TARGET_PATH": str(paths.dbt_target),
        "DBT_LOG_PATH": str(paths.home / "dbt_logs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
    }


def fingerprint() -> str:
    """Hash of the dbt project's files: a change to a model means the marts must be rebuilt."""
    h = hashlib.sha256()
    for path in sorted(DBT_PROJECT_DIR.rglob("*")):
        rel = path.relative_to(DBT_PROJECT_DIR)
        if path.is_file() and path.suffix in DBT_FILE_SUFFIXES and rel.parts[0] not in ("target", "logs"):
            h.update(str(rel).encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def parsed_manifest(target: Path):
    """The parsed dbt project, read back from the partial-parse file that `dbt parse` wrote
    beside manifest.json (dagster_project.manifest keeps both current). A build handed this
    object skips parsing: about 3.5 s of a cold run, because the per-home build path changes
    dbt's profile hash and so defeats its own partial parsing in every new home."""
    from dbt.contracts.graph.manifest import Manifest
    from dbt.parser.manifest import extended_mashumuro_decoder

    manifest = Manifest.from_msgpack((target / "partial_parse.msgpack").read_bytes(), decoder=extended_mashumuro_decoder)
    # what dbt's own loader does with a saved manifest when no file changed
    manifest.build_parent_and_child_maps()
    manifest.build_flat_graph()
    return manifest


_PARSED: dict[tuple, object] = {}


def parsed_project():
    """parsed_manifest(MANIFEST_DIR), kept while its files are unchanged (a worker reads it ahead
    of the build; a project re-parsed since is read again)."""
    stamp = MANIFEST_DIR / "partial_parse.msgpack"
    key = (stamp.stat().st_mtime_ns, stamp.stat().st_size)
    if key not in _PARSED:
        _PARSED.clear()
        _PARSED[key] = parsed_manifest(MANIFEST_DIR)
    return _PARSED[key]


def warm_up() -> None:
    """Do what dbt's first command in a process spends ~0.7 s on and a later one reuses (the
    JSON schemas of its config classes, the profile): a build that selects nothing, in a
    throwaway folder, never opening the build file. The dbt worker does it while the loads run."""
    import tempfile

    from dbt.cli.main import dbtRunner

    saved = os.environ.get("TUNGSTEN_BUILD_PATH")
    with tempfile.TemporaryDirectory(prefix="tungsten-dbt-warm-up-") as tmp:
        os.environ["TUNGSTEN_BUILD_PATH"] = str(Path(tmp) / "unused.duckdb")
        try:
            dbtRunner(manifest=parsed_project()).invoke(
                ["build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                 "--target-path", str(Path(tmp) / "target"), "--log-path", str(Path(tmp) / "logs"), "--quiet",
                 "--select", "tag:tungsten_warm_up_selects_nothing", "--threads", str(BUILD_THREADS)])
        finally:
            release_build_file()
            if saved is None:
                os.environ.pop("TUNGSTEN_BUILD_PATH", None)
            else:
                os.environ["TUNGSTEN_BUILD_PATH"] = saved


def build(paths: Paths, on_event: Callable[[dict], None]) -> BuildSummary:
    """`dbt build` of the parsed project on the build file; each result event goes to on_event.
    A failed build's summary names the failing nodes and example rows of failing tests."""
    result = run_build(paths, parsed_project(), on_event, RESULT_EVENTS)
    if result.success:
        return BuildSummary(True)
    return BuildSummary(False, failed_nodes(result), failing_examples(paths, result))


def run_build(paths: Paths, manifest, on_event: Callable[[dict], None], events: frozenset[str]):
    """`dbt build` in this process on the build file, with the pre-parsed manifest. Each of
    dbt's structured events named in `events` goes to on_event as the dict of dbt's JSON log
    line (what dagster-dbt reads from a dbt subprocess); the others (thousands of debug
    events) are not converted. Returns dbt's dbtRunnerResult. DuckDB's handle on the build
    file is released afterwards, so the file can be copied and reopened."""
    os.environ.update(dbt_env(paths))
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    def callback(msg) -> None:
        if msg.info.name in events:
            on_event(msg_to_dict(msg))

    runner = dbtRunner(manifest=manifest, callbacks=[callback])
    try:
        return runner.invoke(["build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                              "--target-path", str(paths.dbt_target), "--log-path", str(paths.home / "dbt_logs"),
                              "--quiet", "--log-level-file", "info", "--threads", str(BUILD_THREADS)])
    finally:
        release_build_file()


def release_build_file() -> None:
    """Close dbt-duckdb's process-wide DuckDB instance (it keeps the file open between runs)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def failing_examples(paths: Paths, result, limit: int = 3) -> list[str]:
    """For each failed test, up to `limit` of the rows it found, from its compiled SQL run again
    on the build ('test: {row}, {row}'), so a dbt refusal shows rows as a GX one does."""
    import json

    import duckdb

    out = []
    failed = [r for r in getattr(getattr(result, "result", None), "results", None) or []
              if str(r.status) == "fail" and getattr(r.node, "compiled_code", None)]
    if not failed:
        return out
    con = duckdb.connect(str(paths.build), read_only=True)
    try:
        for r in failed:
            try:
                cur = con.execute(f"SELECT * FROM ({r.node.compiled_code}) LIMIT {limit}")
                cols = [d[0] for d in cur.description]
                rows = [json.dumps(dict(zip(cols, row, strict=True)), default=str) for row in cur.fetchall()]
                out.append(f"{r.node.name}: e.g. " + ", ".join(rows))
            except duckdb.Error:
                continue
    finally:
        con.close()
    return out


def failed_nodes(result) -> list[str]:
    """'name: status message' for each model or test that failed or errored, and dbt's own
    exception when it failed before running anything."""
    failures = []
    for r in getattr(getattr(result, "result", None), "results", None) or []:
        if str(r.status) in ("error", "fail", "runtime error"):
            failures.append(f"{r.node.name}: {r.status} {(r.message or '').strip()}".strip())
    if getattr(result, "exception", None) is not None:
        failures.append(f"dbt error: {result.exception}")
    return failures


def parse(paths: Paths, target_path: Path | None = None) -> Path:
    """Write the manifest (dbt parse) that Dagster loads its dbt assets from."""
    target = target_path or paths.dbt_target
    os.environ.update(dbt_env(paths))
    from dbt.cli.main import dbtRunner

    res = dbtRunner().invoke(["parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                              "--target-path", str(target), "--quiet", "--log-level-file", "info"])
    if not res.success:
        raise RuntimeError(f"dbt parse failed: {res.exception}")
    return target / "manifest.json"


def generate_docs(paths: Paths, out_dir: Path) -> Path:
    """dbt's docs site for the build file, written to out_dir (outside the source tree):
    `dbt docs generate` with the build file as the target, so the catalog holds every model and
    source with its columns and types; the raw, meta and ref sources' descriptions
    (warehouse/column_docs.yml, not dbt yml) are added to the site's manifest. Writes index.html
    with manifest.json and catalog.json (for `tungsten docs --serve`) and static_index.html, one
    self-contained page that opens offline from the file. Returns static_index.html.
    The caller holds the writer lock: dbt-duckdb opens the build file for writing."""
    import json

    os.environ.update(dbt_env(paths))
    from dbt.cli.main import dbtRunner

    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        res = dbtRunner().invoke(["docs", "generate", "--project-dir", str(DBT_PROJECT_DIR),
                                  "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(out_dir),
                                  "--log-path", str(paths.home / "dbt_logs"), "--quiet", "--log-level-file", "info"])
    finally:
        release_build_file()
    if not res.success:
        raise RuntimeError(f"dbt docs generate failed: {res.exception or 'see ' + str(paths.home / 'dbt_logs')}")
    manifest_path = out_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    catalog = json.loads((out_dir / "catalog.json").read_text())
    _describe_sources(manifest, catalog)
    manifest_text = json.dumps(manifest)
    manifest_path.write_text(manifest_text)
    # one self-contained page (what `dbt docs generate --static` writes), with the described manifest
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    page = Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")
    page = page.replace('"MANIFEST.JSON INLINE DATA"', manifest_text)
    page = page.replace('"CATALOG.JSON INLINE DATA"', (out_dir / "catalog.json").read_text(encoding="utf-8"))
    static = out_dir / "static_index.html"
    static.write_text(page, encoding="utf-8")
    return static


def _describe_sources(manifest: dict, catalog: dict) -> None:
    from warehouse import dictionary

    for uid, node in manifest.get("sources", {}).items():
        schema, table = node.get("schema"), node.get("name")
        if schema not in ("raw", "meta", "ref"):
            continue
        if not node.get("description"):
            node["description"] = dictionary.table_description(schema, table)
        grain = dictionary.table_grain(schema, table)
        if grain:
            node.setdefault("meta", {})["grain"] = grain
        columns = list(catalog.get("sources", {}).get(uid, {}).get("columns", {}))
        for column, text in dictionary.column_comments(schema, table, columns).items():
            entry = node.setdefault("columns", {}).setdefault(column, {"name": column, "meta": {}, "data_type": None,
                                                                       "constraints": [], "quote": None, "tags": []})
            if not entry.get("description"):
                entry["description"] = text
