"""The lake with its real parts: three builds published to a local default lake (SQLite catalog
and folder beside the serving file) and to a team lake (Debian's PostgreSQL as the catalog, moto's
S3 server for the files, both on loopback), read back from other processes at each snapshot,
time-travelled and diffed; readers during publishes never see two builds mixed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from helpers import PROJECT
from lake_services import moto_s3, postgres, team_lake_env

READER = Path(__file__).with_name("lake_reader.py")
RUSSIA = "source_id = 'usgs_mcs' AND country_iso3 = 'RUS' AND year = 2024"


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    root = tmp_path_factory.mktemp("services")
    with postgres(root / "pg") as pg, moto_s3(root / "s3") as s3:
        yield pg, s3


@pytest.fixture(params=["local", "team"])
def lake_env(request, tmp_path, monkeypatch):
    """The environment of a fresh lake: the local default beside a serving path in tmp_path (no
    TUNGSTEN_LAKE_* set), or a team lake on the loopback Postgres and S3 servers."""
    for k in ("TUNGSTEN_LAKE_CATALOG", "TUNGSTEN_LAKE_DATA", "TUNGSTEN_LAKE_KEEP"):
        monkeypatch.delenv(k, raising=False)
    env = {"TUNGSTEN_SERVING_PATH": str(tmp_path / "serving" / "tungsten.duckdb"), "TUNGSTEN_HOME": str(tmp_path / "home")}
    if request.param == "team":
        pg, s3 = request.getfixturevalue("services")
        env |= team_lake_env(pg, s3, "lake" + os.urandom(4).hex())
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


def lake_config():
    from warehouse.lake import config
    from warehouse.paths import current

    return config.from_env(current().serving)


def make_build(source: Path, target: Path, build_id: str, russia: float, drop_reserve: bool = False) -> Path:
    """A copy of a served build with its own build id and Russia's 2024 USGS production changed
    (and, if asked, one row of marts.reserves gone)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    con.execute("UPDATE meta.published SET build_id = ?, published_at = now()", [build_id])
    con.execute(f"UPDATE marts.supply_share SET production_t_w = ? WHERE {RUSSIA}", [russia])
    if drop_reserve:
        con.execute("DELETE FROM marts.reserves WHERE vintage = 'MCS2023' AND country_name = 'Austria'")
    con.close()
    return target


def read_at(env: dict, snapshot: int) -> list:
    out = subprocess.run([sys.executable, str(READER), "at", str(snapshot)], capture_output=True, text=True,
                         env={**os.environ, **env}, cwd=PROJECT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def three_builds(built_warehouse: Path, root: Path) -> list[tuple[Path, str, float, int]]:
    served = built_warehouse / "serving" / "tungsten.duckdb"
    reserves = duckdb.connect(str(served), read_only=True).execute("SELECT count(*) FROM marts.reserves").fetchone()[0]
    return [(make_build(served, root / f"b{k}.duckdb", f"b{k}", 1000.0 + k, drop_reserve=k == 2), f"b{k}", 1000.0 + k,
             reserves - (k == 2)) for k in (1, 2, 3)]


def test_three_builds_read_back_time_travel_and_diff(lake_env, built_warehouse, tmp_path):
    from warehouse.lake.changes import build_changes
    from warehouse.lake.publish import publish, serving_counts

    cfg = lake_config()
    snapshots = {}
    for path, build_id, russia, reserves in three_builds(built_warehouse, tmp_path / "builds"):
        result = publish(path, cfg)
        assert result.published and result.build_id == build_id
        assert result.counts == serving_counts(path)  # the snapshot holds every table, every row
        snapshots[build_id] = result.snapshot_id
        assert read_at(lake_env, result.snapshot_id) == [build_id, russia, reserves]  # another process reads it
    # time travel: each earlier snapshot still answers as its build did
    assert read_at(lake_env, snapshots["b1"]) == ["b1", 1001.0, read_at(lake_env, snapshots["b3"])[2]]
    assert read_at(lake_env, snapshots["b2"])[:2] == ["b2", 1002.0]
    # a build already published is not committed again
    again = publish(tmp_path / "builds" / "b3.duckdb", cfg)
    assert not again.published and again.snapshot_id == snapshots["b3"]
    # what changed from b1 to b2: exactly Russia's row of supply_share, one reserves row, meta.published
    changes = build_changes(cfg, since="b1", table="marts.supply_share")
    assert [(c[0], c[1], c[3], c[4], c[5]) for c in changes.tables] == [("b2", "marts.supply_share", 0, 0, 1),
                                                                        ("b3", "marts.supply_share", 0, 0, 1)]
    assert changes.tables[0][6] == ["usgs_mcs | RUS | 2024"] and changes.tables[0][7] == ["production_t_w"]
    assert [(r.kind, r.key, r.changed_columns(), r.before["production_t_w"], r.after["production_t_w"])
            for r in changes.rows] == [("changed", "usgs_mcs | RUS | 2024", ["production_t_w"], 1001.0, 1003.0)]
    b2 = build_changes(cfg, since="b1")
    by_table = {c[1]: c for c in b2.tables if c[0] == "b2"}
    assert set(by_table) == {"marts.supply_share", "marts.reserves", "meta.published"}
    assert (by_table["marts.reserves"][3], by_table["marts.reserves"][4]) == (0, 1)  # one row removed
    # meta.build_changes agrees with DuckLake's own change feed of the same snapshot
    from warehouse.lake.connect import connect

    con = connect(cfg, read_only=True)
    feed = con.execute("SELECT change_type, count(*) FROM ducklake_table_changes('lake', 'marts', 'reserves', ?, ?) "
                       "GROUP BY ALL", [snapshots["b2"], snapshots["b2"]]).fetchall()
    con.close()
    assert feed == [("delete", 1)]


def test_unchanged_tables_get_no_new_files(lake_env, built_warehouse, tmp_path):
    from warehouse.lake.connect import connect
    from warehouse.lake.publish import publish

    cfg = lake_config()
    builds = three_builds(built_warehouse, tmp_path / "builds")
    publish(builds[0][0], cfg)
    con = connect(cfg, read_only=True)
    files = lambda: dict(con.execute(  # table -> the ids of its current data files, from the catalog
        "SELECT s.schema_name || '.' || t.table_name, list(f.data_file_id ORDER BY f.data_file_id) "
        "FROM __ducklake_metadata_lake.ducklake_data_file f "
        "JOIN __ducklake_metadata_lake.ducklake_table t USING (table_id) "
        "JOIN __ducklake_metadata_lake.ducklake_schema s USING (schema_id) "
        "WHERE f.end_snapshot IS NULL AND t.end_snapshot IS NULL GROUP BY ALL").fetchall())
    before = files()
    con.close()
    publish(builds[2][0], cfg)  # b3 differs from b1 in supply_share and meta.published only
    con = connect(cfg, read_only=True)
    after = files()
    con.close()
    grew = {t for t in after if after[t] != before.get(t)}
    assert grew == {"marts.supply_share", "meta.published", "meta.build_changes"}


def test_keep_expires_old_builds_and_their_files(lake_env, built_warehouse, tmp_path, monkeypatch):
    from warehouse.lake.connect import LakeUnreachable, connect
    from warehouse.lake.publish import publish
    from warehouse.lake.query import resolve_as_of

    monkeypatch.setenv("TUNGSTEN_LAKE_KEEP", "2 builds")
    cfg = lake_config()
    results = [publish(path, cfg) for path, *_ in three_builds(built_warehouse, tmp_path / "builds")]
    assert results[-1].expired >= 1
    with pytest.raises(LakeUnreachable, match="not a build id"):
        resolve_as_of(cfg, "b1")
    assert read_at(lake_env, resolve_as_of(cfg, "b2"))[:2] == ["b2", 1002.0]
    con = connect(cfg, read_only=True)
    scheduled = con.execute("SELECT count(*) FROM __ducklake_metadata_lake.ducklake_files_scheduled_for_deletion").fetchone()[0]
    con.close()
    assert scheduled == 0  # cleaned up, not only scheduled


def test_readers_during_publishes_never_see_a_mix(lake_env, built_warehouse, tmp_path):
    """20 reader processes attached read-only query the newest snapshot while three builds are
    published: no error, and every answer is one build's (build id, Russia, reserves rows)."""
    pytest.importorskip("duckdb")
    from warehouse.lake.publish import publish

    cfg = lake_config()
    builds = three_builds(built_warehouse, tmp_path / "builds")
    publish(builds[0][0], cfg)  # readers start on b1
    stop = tmp_path / "stop"
    readers = [subprocess.Popen([sys.executable, str(READER), "loop", str(stop)], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env={**os.environ, **lake_env}, cwd=PROJECT)
               for _ in range(20)]
    try:
        for r in readers:
            assert r.stdout.readline().strip() == "ready", r.stderr.read()[-2000:]
        for path, *_ in builds[1:]:
            publish(path, cfg)
        publish(builds[0][0].with_name("b1.duckdb"), cfg)  # already there: no commit
    finally:
        stop.touch()
        outputs = [r.communicate(timeout=120) for r in readers]
    valid = {(build_id, russia, reserves) for _p, build_id, russia, reserves in builds}
    reports = [json.loads(o.strip().splitlines()[-1]) for o, _e in outputs]
    assert [e for r in reports for e in r["errors"]] == []
    seen = {tuple(s) for r in reports for s in r["seen"]}
    assert seen <= valid, f"mixed answers: {seen - valid}"
    assert all(r["queries"] > 0 for r in reports)
    assert ("b3", 1003.0, builds[2][3]) in seen  # the readers saw the last build arrive


test_readers_during_publishes_never_see_a_mix = pytest.mark.slow(test_readers_during_publishes_never_see_a_mix)
