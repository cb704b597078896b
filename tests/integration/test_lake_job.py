"""The lake through the daily Dagster job: the first run leaves a lake with one snapshot; a team
lake on loopback Postgres and S3 gets a snapshot per build, `tungsten changes` names exactly the
rows a changed input changed, the credentials appear in no message, log, Dagster metadata or
report, and a lake that cannot be reached fails its asset alone (the serving file is published)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import duckdb
import pytest
from helpers import PROJECT
from integration_helpers import BGS
from lake_services import free_port, moto_s3, postgres, team_lake_env

from warehouse.refresh import ingest_file


def _snapshots(cfg) -> list[tuple[int, str]]:
    from warehouse.lake.changes import builds
    from warehouse.lake.connect import connect

    con = connect(cfg, read_only=True)
    try:
        return [(b.snapshot_id, b.build_id) for b in builds(con)]
    finally:
        con.close()


def _build_id(serving) -> str:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        return con.execute("SELECT build_id FROM meta.published").fetchone()[0]
    finally:
        con.close()


def test_first_refresh_leaves_a_local_lake_with_one_snapshot(built_warehouse, monkeypatch):
    from warehouse.lake import config

    serving = built_warehouse / "serving" / "tungsten.duckdb"
    cfg = config.from_env(serving)
    assert cfg.catalog == f"sqlite:{serving.parent / 'tungsten.lake' / 'catalog.sqlite'}"
    assert [b for _s, b in _snapshots(cfg)] == [_build_id(serving)]


def _cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                          capture_output=True, text=True, cwd=PROJECT, env={**os.environ, "COLUMNS": "250"}, timeout=timeout)


def _refresh(*args: str) -> tuple[subprocess.CompletedProcess, str | None]:
    """`tungsten refresh` in a process of its own, as a user runs it (the lake's extensions,
    Postgres client and S3 client live and die with it); with the Dagster run id it prints."""
    r = _cli("refresh", *args, timeout=900)
    found = re.search(r"Dagster run ([0-9a-f-]{36})", r.stdout)
    return r, found.group(1) if found else None


def _everything_said(paths, run_ids: list[str]) -> str:
    """Every event message and metadata value of the runs, the CLI's logs and the report."""
    from dagster import DagsterInstance

    texts = []
    os.environ["DAGSTER_HOME"] = str(paths.home / "dagster")
    try:
        with DagsterInstance.get() as instance:
            for run_id in run_ids:
                for entry in instance.all_logs(run_id):
                    texts.append(entry.user_message or "")
                    event = entry.dagster_event
                    if event is not None:
                        texts.append(repr(event.event_specific_data))
    finally:
        os.environ.pop("DAGSTER_HOME", None)
    for log in (paths.home / "logs").glob("*"):
        texts.append(log.read_text(errors="replace"))
    report = paths.serving.with_name("tungsten-report.html")
    if report.exists():
        texts.append(report.read_text(errors="replace"))
    return "\n".join(texts)


@pytest.mark.slow
def test_team_lake_through_the_daily_job(warehouse, tmp_path, monkeypatch):
    from warehouse.lake import config

    with postgres(tmp_path / "pg") as pg, moto_s3(tmp_path / "s3") as s3:
        env = team_lake_env(pg, s3, "teamlake")
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        cfg = config.from_env(warehouse.serving)
        first, first_run = _refresh("--force")
        assert first.returncode == 0, first.stdout + first.stderr
        assert [b for _s, b in _snapshots(cfg)] == [_build_id(warehouse.serving)]
        before = tmp_path / "before.duckdb"
        shutil.copy(warehouse.serving, before)
        # a changed input: BGS's 2023 figure for China, 66,000 -> 65,000 t (every BGS row of the
        # marts changes too: its file name is the new file's, and the 2023 shares move)
        text = (BGS / "BGS_tungsten_production.csv").read_text(encoding="utf-8-sig")
        changed = tmp_path / "bgs_corrected.csv"
        changed.write_text(text.replace(",66000,Mine production of tungsten", ",65000,Mine production of tungsten", 1))
        assert ingest_file(warehouse, "bgs", changed).ok
        second, second_run = _refresh()
        assert second.returncode == 0 and "published" in second.stdout, second.stdout + second.stderr
        snapshots = _snapshots(cfg)
        assert [b for _s, b in snapshots] == [_build_id(before), _build_id(warehouse.serving)]
        # the rows of marts.supply_share that differ between the two serving files ...
        con = duckdb.connect()
        con.execute(f"ATTACH '{before}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{warehouse.serving}' AS b (READ_ONLY)")
        expected = {r for r in con.execute(
            "SELECT source_id || ' | ' || country_iso3 || ' | ' || year FROM "
            "(SELECT * FROM b.marts.supply_share EXCEPT SELECT * FROM a.marts.supply_share)").fetchall()}
        con.close()
        assert ("bgs_wms | CHN | 2023",) in expected
        # ... are exactly the ones `tungsten changes` prints as changed
        out = _cli("changes", "--table", "marts.supply_share", "--max-rows", "100000")
        assert out.returncode == 0, out.stderr
        printed = {(line.split(": ")[0].removeprefix("changed "),) for line in out.stdout.splitlines()
                   if line.startswith(("changed ", "added ", "removed "))}
        assert printed == expected
        assert "changed bgs_wms | CHN | 2023: production_t_w: 66,000 -> 65,000" in out.stdout
        # the report opens with the same change
        report = warehouse.serving.with_name("tungsten-report.html").read_text()
        opening = report[report.index('<section id="what-changed">'):]
        opening = opening[:opening.index("</section>")]
        assert report.index('<section id="what-changed">') < report.index('<section id="section-0">')
        rows = duckdb.connect(str(warehouse.serving), read_only=True).execute("SELECT count(*) FROM marts.supply_share").fetchone()[0]
        assert f"<td>marts.supply_share</td><td>{rows:,}</td><td>0</td><td>0</td><td>{len(expected):,}</td>" in opening
        assert _build_id(before) in opening
        # the lake's answer at the first build is the first build's
        old = _cli("sql", "--as-of", _build_id(before), "--format", "csv",
                   "SELECT production_t_w FROM marts.supply_share WHERE source_id = 'bgs_wms' AND country_iso3 = 'CHN' AND year = 2023")
        assert old.returncode == 0 and old.stdout.split() == ["production_t_w", "66000.0"], old.stderr
        # a lake that cannot be reached fails its asset alone; the serving file is published
        monkeypatch.setenv("TUNGSTEN_LAKE_CATALOG", f"postgres:host=127.0.0.1 port={free_port()} user=tungsten dbname=x")
        published_before = _build_id(warehouse.serving)
        third, third_run = _refresh("--force")
        assert third.returncode == 1, third.stdout + third.stderr
        assert "lake not published (the serving file is)" in third.stderr, third.stderr
        assert _build_id(warehouse.serving) != published_before
        assert first_run and second_run and third_run, "each run names its Dagster run"
        said = _everything_said(warehouse, [first_run, second_run, third_run])
        said += "".join(r.stdout + r.stderr for r in (first, second, third, out))
        assert "lake_snapshot" in said or "snapshot" in said
        for secret in (pg.password, s3.secret, s3.key_id):
            assert secret not in said
