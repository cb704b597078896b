"""The Parquet folder beside the serving file: the same build, read back by polars and DuckDB,
swapped atomically (a reader never sees two builds mixed), nothing left by a failed publish;
and `tungsten export` for a user's own copy."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import polars as pl
import pytest
from helpers import warehouse_env

from warehouse import parquet_export
from warehouse.publish import leftovers, publish


def _serving(root: Path) -> Path:
    return Path(warehouse_env(root)["TUNGSTEN_SERVING_PATH"])


def _served_counts(serving: Path) -> dict[str, int]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT internal").fetchall()
        return {f"{s}.{t}": con.execute(f'SELECT count(*) FROM "{s}"."{t}"').fetchone()[0] for s, t in tables}
    finally:
        con.close()


def test_parquet_folder_read_back_by_polars_and_duckdb_equals_the_serving_file(built_warehouse):
    serving = _serving(built_warehouse)
    link = parquet_export.parquet_link(serving)
    assert link.is_symlink(), "tungsten.parquet is a link to one build's version folder"
    folder = Path(os.path.realpath(link))
    manifest = parquet_export.read_manifest(folder)
    served = _served_counts(serving)
    listed = {f"{t['schema']}.{t['table']}": t for t in manifest["tables"]}
    assert set(listed) == set(served), "every served table (raw, meta, ref, marts) is in the Parquet folder"
    assert any(k.startswith("marts.") for k in listed) and any(k.startswith("raw.") for k in listed)
    con = duckdb.connect()
    for name, entry in listed.items():
        path = folder / entry["path"]
        assert path.parent.name == entry["table"] and path.parent.parent.name == entry["schema"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"], name
        by_polars = pl.read_parquet(path).height
        by_duckdb = con.execute("SELECT count(*) FROM read_parquet(?)", [str(path)]).fetchone()[0]
        assert by_polars == by_duckdb == entry["rows"] == served[name], name
        assert [c["name"] for c in entry["columns"]] == pl.read_parquet_schema(path).names(), name
    # the build it came from: the serving file's own build id, also in each file's metadata
    sv = duckdb.connect(str(serving), read_only=True)
    build_id = sv.execute("SELECT build_id FROM meta.published").fetchone()[0]
    sv.close()
    assert manifest["build"]["build_id"] == build_id == folder.name
    kv = con.execute("SELECT DISTINCT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = 'tungsten_build_id'",
                     [str(folder / "*" / "*" / "*.parquet")]).fetchall()
    assert kv == [(build_id,)]
    # a folder of the dataset is read as a table (as Spark or pandas would)
    assert pl.scan_parquet(folder / "marts" / "supply_share").collect().height == served["marts.supply_share"]
    mart = listed["marts.supply_share"]
    assert next(c for c in mart["columns"] if c["name"] == "share_pct")["description"]


READER = textwrap.dedent("""
    import duckdb, json, os, sys, time
    link, stop_file = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    builds, mixed, errors, n = set(), [], [], 0
    while not os.path.exists(stop_file) and n < 5000:
        try:
            folder = os.path.realpath(link)            # resolve once, then read that build only
            manifest = json.load(open(os.path.join(folder, "manifest.json")))
            build = manifest["build"]["build_id"]
            for t in manifest["tables"]:
                path = os.path.join(folder, t["path"])
                got = con.execute("SELECT decode(value) FROM parquet_kv_metadata(?) WHERE decode(key) = 'tungsten_build_id'",
                                  [path]).fetchone()[0]
                rows = con.execute("SELECT count(*) FROM read_parquet(?)", [path]).fetchone()[0]
                if got != build or rows != t["rows"]:
                    mixed.append((build, got, t["table"], rows, t["rows"]))
            builds.add(build)
        except Exception as exc:
            errors.append(repr(exc))
        n += 1
    print(json.dumps({"reads": n, "builds": sorted(builds), "mixed": mixed[:5], "errors": errors[:5]}))
""")


@pytest.mark.slow
def test_a_reader_of_the_parquet_folder_never_sees_two_builds_mixed(warehouse, tmp_path):
    link = parquet_export.parquet_link(warehouse.serving)
    # the fixture's copy of the warehouse turned the link into a folder: publish once to have a link
    publish(warehouse.build, warehouse.serving, {"raw": "r", "dbt": "d"})
    assert link.is_symlink()
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(link), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    published = []
    try:
        for _ in range(4):
            publish(warehouse.build, warehouse.serving, {"raw": "r", "dbt": "d"})
            published.append(os.path.basename(os.path.realpath(link)))
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    result = json.loads(out)
    assert result["errors"] == [], result["errors"]
    assert result["mixed"] == []
    assert result["reads"] > 3
    assert len(set(published)) == 4
    assert len(result["builds"]) >= 2, "the reader read while builds were swapped"
    # the current version and the one before it are kept, older ones removed, nothing partial
    versions = sorted(p.name for p in parquet_export.versions_dir(warehouse.serving).iterdir())
    assert versions == sorted(published[-2:])
    assert leftovers(warehouse.serving) == []


def test_a_failed_parquet_write_publishes_nothing_and_leaves_nothing(warehouse, monkeypatch):
    link = parquet_export.parquet_link(warehouse.serving)
    before = (warehouse.serving.read_bytes(), os.readlink(link) if link.is_symlink() else None)
    real = parquet_export.write_tables

    def failing(con, catalog, tables, folder, build):
        real(con, catalog, list(tables)[:2], folder, build)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(parquet_export, "write_tables", failing)
    with pytest.raises(OSError):
        publish(warehouse.build, warehouse.serving, {"raw": "r", "dbt": "d"})
    after = (warehouse.serving.read_bytes(), os.readlink(link) if link.is_symlink() else None)
    assert after == before
    assert leftovers(warehouse.serving) == []
    assert not list(warehouse.serving.parent.glob(".tungsten.duckdb.*"))


def _cli(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=300)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "xlsx"])
def test_export_writes_the_chosen_tables(built_warehouse, tmp_path, fmt):
    env = warehouse_env(built_warehouse)
    r = _cli("export", fmt, str(tmp_path / "out"), "--tables", "marts.supply_share", "--tables", "reserves", env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    counts = _served_counts(_serving(built_warehouse))
    if fmt == "parquet":
        manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
        got = {f"{t['schema']}.{t['table']}": pl.read_parquet(tmp_path / "out" / t["path"]).height
               for t in manifest["tables"]}
    elif fmt == "csv":
        got = {p.name[:-4]: pl.read_csv(p, infer_schema_length=0).height for p in (tmp_path / "out").glob("*.csv")}
    else:
        got = {p.name[:-5]: pl.read_excel(p).height for p in (tmp_path / "out").glob("*.xlsx")}
    assert got == {"marts.supply_share": counts["marts.supply_share"], "marts.reserves": counts["marts.reserves"]}
    assert "marts.supply_share" in r.stdout


def test_export_refuses_an_unknown_table_by_name(built_warehouse, tmp_path):
    r = _cli("export", "csv", str(tmp_path / "out"), "--tables", "marts.nope", env=warehouse_env(built_warehouse))
    assert r.returncode == 1
    assert "marts.nope" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
