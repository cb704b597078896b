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
# the parsed project dagster-dbt loads (dagster_project.dbt_project keeps it current), and the
# fingerprint of the project's files it was made from
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"
MANIFEST_STAMP = DBT_PROJECT_DIR / "target" / "manifest.fingerprint"


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
    `dbt docs generate --static` with the build file as the target, so the catalog holds every
    model, seed and source with its columns, types and the descriptions of the dbt yml. Writes
    index.html with manifest.json and catalog.json (for `tungsten docs --serve`) and
    static_index.html, one self-contained page that opens offline from the file. Returns
    static_index.html. The caller holds the writer lock: dbt-duckdb opens the build file for writing."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([dbt_executable(), "docs", "generate", "--static", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(out_dir),
                           "--log-path", str(paths.home / "dbt_logs"), "--quiet", "--log-level-file", "info"],
                          env={**os.environ, **dbt_env(paths)}, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        said = (done.stdout + done.stderr).strip()[-2000:]
        raise RuntimeError(f"dbt docs generate failed: {said or 'see ' + str(paths.home / 'dbt_logs')}")
    return out_dir / "static_index.html"
