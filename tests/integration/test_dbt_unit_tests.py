"""dbt's unit tests (dbt/models/unit_tests/): the claim-judging and outlook models' logic on
fixed inputs. The daily build leaves them out (dagster_project.dbt_assets.DAILY_BUILD_ARGS), as
dbt recommends for production runs; they run here, on a copy of the session build's file (a
unit test needs its model's parents to exist)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

from warehouse.dbt_build import dbt_env, dbt_executable
from warehouse.paths import DBT_PROJECT_DIR, PROJECT_ROOT, Paths


def test_every_dbt_unit_test_passes(built_warehouse, tmp_path):
    from dagster_project.dbt_assets import DAILY_BUILD_ARGS

    assert DAILY_BUILD_ARGS == ("--exclude-resource-type", "unit_test")
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_warehouse / "home" / "build.duckdb", home / "build.duckdb")
    paths = Paths(home=home, serving=tmp_path / "serving" / "tungsten.duckdb", snapshot=PROJECT_ROOT / "data" / "snapshot")
    target = tmp_path / "target"
    done = subprocess.run([dbt_executable(), "test", "--select", "test_type:unit", "--project-dir", str(DBT_PROJECT_DIR),
                           "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target)],
                          env={**os.environ, **dbt_env(paths)}, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    results = [r for r in json.loads((target / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("unit_test.")]  # the project's on-run-start hooks run too
    manifest = json.loads((target / "manifest.json").read_text())
    declared = {uid for uid in manifest.get("unit_tests", {}) if uid.startswith("unit_test.tungsten.")}
    assert len(declared) >= 5
    assert {r["unique_id"] for r in results} == declared
    assert {r["status"] for r in results} == {"pass"}
