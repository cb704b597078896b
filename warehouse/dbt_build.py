"""Run `dbt build` (models and their tests) on the build file, in-process.

dbt's anonymous usage stats are off (dbt_project.yml flags) and the target and log paths
are under TUNGSTEN_HOME, so concurrent checkouts and test runs do not share dbt state.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from warehouse.paths import DBT_PROJECT_DIR, Paths

DBT_FILE_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


@dataclass
class DbtOutcome:
    success: bool
    models: int
    tests: int
    failures: list[str]


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


def run_dbt(paths: Paths, args: list[str]):
    os.environ.update(dbt_env(paths))
    from dbt.cli.main import dbtRunner

    return dbtRunner().invoke([*args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                               "--target-path", str(paths.dbt_target), "--log-path", str(paths.home / "dbt_logs"),
                               "--quiet"])


def build(paths: Paths) -> DbtOutcome:
    res = run_dbt(paths, ["build"])
    models = tests = 0
    failures = []
    if res.result is not None and hasattr(res.result, "results"):
        for r in res.result.results:
            kind = r.node.resource_type
            if str(kind).endswith("model"):
                models += 1
            elif str(kind).endswith("test"):
                tests += 1
            if str(r.status) not in ("success", "pass", "RunStatus.Success", "TestStatus.Pass"):
                failures.append(f"{r.node.name}: {r.status} {r.message or ''}".strip())
    if res.exception is not None:
        failures.append(f"dbt error: {res.exception}")
    return DbtOutcome(bool(res.success) and not failures, models, tests, failures)


def parse(paths: Paths, target_path: Path | None = None) -> Path:
    """Write the manifest (dbt parse) that Dagster loads its dbt assets from."""
    target = target_path or paths.dbt_target
    os.environ.update(dbt_env(paths))
    from dbt.cli.main import dbtRunner

    res = dbtRunner().invoke(["parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
                              "--target-path", str(target), "--quiet"])
    if not res.success:
        raise RuntimeError(f"dbt parse failed: {res.exception}")
    return target / "manifest.json"
