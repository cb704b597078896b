"""dbt beside the Dagster assets: the project's fingerprint (a change to a model means the marts
must be rebuilt), the venv's dbt executable, a failed build's failures and example rows read from
dbt's run_results.json, and dbt's docs site for `tungsten docs` (dbt as a subprocess, as
dagster-dbt runs it).

dbt's anonymous usage stats are off (dbt_project.yml flags) and its target and log paths are
under TUNGSTEN_HOME, so concurrent checkouts and test runs do not share dbt state.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from warehouse.paths import DBT_PROJECT_DIR, Paths

DBT_FILE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


def dbt_executable() -> str:
    """The dbt of this Python environment (sys.prefix: the venv, whichever path started Python)."""
    return str(Path(sys.prefix) / "bin" / "dbt")


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


def _node_name(unique_id: str) -> str:
    """A node's name from its unique id (`test.tungsten.<name>.<hash>`, `model.tungsten.<name>`)."""
    return unique_id.split(".")[2] if unique_id.count(".") >= 2 else unique_id


def failures(run_results: Mapping[str, Any] | None) -> list[str]:
    """'name: status message' for each model or test that failed or errored in dbt's run_results.json."""
    out = []
    for r in (run_results or {}).get("results", []):
        if r.get("status") in ("error", "fail", "runtime error"):
            out.append(f"{_node_name(r['unique_id'])}: {r['status']} {(r.get('message') or '').strip()}".strip())
    return out


def failing_examples(paths: Paths, run_results: Mapping[str, Any] | None, limit: int = 3) -> list[str]:
    """For each failed test, up to `limit` of the rows it found, from its compiled SQL run again
    on the build ('test: {row}, {row}'), so a dbt refusal shows rows as a GX one does."""
    import duckdb

    failed = [r for r in (run_results or {}).get("results", []) if r.get("status") == "fail" and r.get("compiled_code")]
    if not failed:
        return []
    out = []
    con = duckdb.connect(str(paths.build), read_only=True)
    try:
        for r in failed:
            try:
                cur = con.execute(f"SELECT * FROM ({r['compiled_code']}) LIMIT {int(limit)}")
                cols = [d[0] for d in cur.description]
                rows = [json.dumps(dict(zip(cols, row, strict=True)), default=str) for row in cur.fetchall()]
                out.append(f"{_node_name(r['unique_id'])}: e.g. " + ", ".join(rows))
            except duckdb.Error:
                continue
    finally:
        con.close()
    return out


def generate_docs(paths: Paths, out_dir: Path) -> Path:
    """dbt's docs site for the build file, written to out_dir (outside the source tree):
    `dbt docs generate` with the build file as the target, so the catalog holds every model and
    source with its columns and types; the raw, meta and ref sources' descriptions
    (warehouse/column_docs.yml, not dbt yml) are added to the site's manifest. Writes index.html
    with manifest.json and catalog.json (for `tungsten docs --serve`) and static_index.html, one
    self-contained page that opens offline from the file. Returns static_index.html.
    The caller holds the writer lock: dbt-duckdb opens the build file for writing."""
    import json

    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([dbt_executable(), "docs", "generate", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(out_dir),
                           "--log-path", str(paths.home / "dbt_logs"), "--quiet", "--log-level-file", "info"],
                          env={**os.environ, **dbt_env(paths)}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = (done.stdout + done.stderr).strip()[-2000:]
        raise RuntimeError(f"dbt docs generate failed: {said or 'see ' + str(paths.home / 'dbt_logs')}")
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
