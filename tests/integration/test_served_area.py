"""The served folder is the warehouse's alone: no export, `sql --output` or report writes into the
serving file, its Parquet folder or the build home; and a Parquet folder that is not the serving
file's build (a kill between the two switches, a file written into it) is seen by `status` and by
the no-op check, and written again by the next refresh."""

import json
import os
import subprocess
import sys

import pytest

from warehouse import parquet_export

pytestmark = pytest.mark.slow


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=900)


def test_nothing_writes_into_the_served_area(warehouse):
    link = parquet_export.parquet_link(warehouse.serving)
    before = {p: p.stat().st_mtime_ns for p in link.rglob("*")}
    attempts = {
        "export into the Parquet folder": ("export", "parquet", str(link), "--tables", "marts.reserves"),
        "sql --output into a table's folder": ("sql", "SELECT 1 AS x", "--output", str(link / "marts/reserves/x.parquet")),
        "export into the build home": ("export", "csv", str(warehouse.home / "mine")),
        "report over the serving file": ("report", "--output", str(warehouse.serving)),
    }
    for what, args in attempts.items():
        r = _cli(*args)
        assert r.returncode == 1, (what, r.stdout, r.stderr)
        assert "only publishing writes" in r.stderr or "is the serving file" in r.stderr, (what, r.stderr)
        assert "Traceback" not in r.stderr
    assert {p: p.stat().st_mtime_ns for p in link.rglob("*")} == before
    assert parquet_export.problem(warehouse.serving) is None


def _a_build_behind(serving) -> None:
    """The state a kill between the serving file's rename and the Parquet switch leaves: the
    folder's manifest names another build."""
    version = parquet_export.current_version(serving)
    manifest = json.loads((version / parquet_export.MANIFEST).read_text())
    manifest["build"]["build_id"] = "20200101T000000000000Z-0badc0de"
    (version / parquet_export.MANIFEST).write_text(json.dumps(manifest))


def _a_file_added(serving) -> None:
    version = parquet_export.current_version(serving)
    data = version / "marts" / "reserves" / parquet_export.DATA_FILE
    (data.parent / "x.parquet").write_bytes(data.read_bytes())


@pytest.mark.parametrize("damage", [_a_build_behind, _a_file_added])
def test_a_parquet_folder_that_is_not_the_served_build_is_written_again(warehouse, damage):
    from warehouse.plan import up_to_date

    damage(warehouse.serving)
    why = parquet_export.problem(warehouse.serving)
    assert why is not None
    assert not up_to_date(warehouse), "a refresh must not say nothing changed"
    status = _cli("status")
    assert "Parquet folder:" in status.stdout and "writes it again" in status.stdout, status.stdout
    r = _cli("refresh")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the Parquet folder was not the serving file's build" in r.stderr, r.stderr
    assert parquet_export.problem(warehouse.serving) is None
    assert up_to_date(warehouse)
    assert not list(parquet_export.current_version(warehouse.serving).rglob("x.parquet"))
