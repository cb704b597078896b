"""A new publisher is a new folder and nothing else: a copy of the project with a second BGS
source (ingest/sources/bgs_twin, bgs_wms's folder under another id and name) lists it,
loads a BGS file as it, and serves it in the marts beside bgs_wms."""

import os
import shutil
import subprocess
import sys

import duckdb
import pytest
import yaml
from helpers import PROJECT
from integration_helpers import BGS

pytestmark = pytest.mark.slow

def project_copy(dest):
    """The project's files (tracked, and new ones not ignored: no .venv, var/ or warehouse files) copied to dest."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = PROJECT / rel
        if not src.is_file() or rel.startswith((".venv/", "var/")) or (rel.startswith("warehouse/") and ".duckdb" in rel):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture
def twin_project(tmp_path):
    copy = project_copy(tmp_path / "project")
    sources = copy / "ingest" / "sources"
    shutil.copytree(sources / "bgs_wms", sources / "bgs_twin", ignore=shutil.ignore_patterns("__pycache__"))
    yml = sources / "bgs_twin" / "source.yml"
    lines = yml.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = []
    for i, line in enumerate(lines):
        if line.startswith("id: "):
            lines[i] = "id: bgs_twin\n"
            changed.append("id")
        elif line.startswith("name: "):
            lines[i] = "name: BGS World Mineral Statistics (twin)\n"
            changed.append("name")
    assert changed == ["id", "name"]
    yml.write_text("".join(lines), encoding="utf-8")
    doc = yaml.safe_load(yml.read_text(encoding="utf-8"))
    original = yaml.safe_load((sources / "bgs_wms" / "source.yml").read_text(encoding="utf-8"))
    assert {k for k in doc if doc[k] != original.get(k)} == {"id", "name"}
    return copy


def test_a_source_folder_is_all_a_new_publisher_needs(twin_project, tmp_path):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DAGSTER_HOME", "TUNGSTEN_SNAPSHOT_DIR", "TUNGSTEN_CURATED_DIR", "PYTHONPATH")}
    env.update({"TUNGSTEN_HOME": str(tmp_path / "home"), "TUNGSTEN_SERVING_PATH": str(tmp_path / "serving" / "tungsten.duckdb"),
                "PYTHONPATH": str(twin_project), "COLUMNS": "250"})

    def tungsten(*args, timeout=600):
        return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                              cwd=twin_project, env=env, capture_output=True, text=True, timeout=timeout)

    where = subprocess.run([sys.executable, "-c", "import warehouse, ingest.sources as s; print(warehouse.__file__); "
                            "print(sorted(s.all_sources()))"], cwd=twin_project, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(twin_project)), where.stdout  # the copy's code, not the checkout's
    assert "bgs_twin" in where.stdout

    r = tungsten("refresh")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    r = tungsten("ingest", "bgs_twin", str(BGS / "BGS_tungsten_production.csv"))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "published" in r.stdout
    r = tungsten("sources")
    assert r.returncode == 0, r.stderr
    assert "bgs_twin" in r.stdout and "bgs_wms" in r.stdout

    con = duckdb.connect(env["TUNGSTEN_SERVING_PATH"], read_only=True)
    try:
        counts = dict(con.execute("SELECT source_id, count(*) FROM marts.supply_share "
                                  "WHERE source_id IN ('bgs_wms', 'bgs_twin') GROUP BY 1").fetchall())
        assert counts.get("bgs_wms", 0) > 0 and counts.get("bgs_twin") == counts["bgs_wms"]
        pairs = con.execute("SELECT source_a, source_b, count(*) FROM marts.production_source_comparison "
                            "WHERE 'bgs_twin' IN (source_a, source_b) GROUP BY ALL").fetchall()
        assert pairs, "no comparison pairs involve bgs_twin"
        twins = [p for p in pairs if {p[0], p[1]} == {"bgs_wms", "bgs_twin"}]
        assert twins and twins[0][2] > 0
        diff = con.execute("SELECT max(abs(difference_t_w)) FROM marts.production_source_comparison "
                           "WHERE source_a IN ('bgs_wms', 'bgs_twin') AND source_b IN ('bgs_wms', 'bgs_twin')").fetchone()[0]
        assert diff == 0  # the same file under two ids: the same figures
        served = con.execute("SELECT name FROM meta.sources WHERE source_id = 'bgs_twin'").fetchall()
        assert served == [("BGS World Mineral Statistics (twin)",)]
    finally:
        con.close()
