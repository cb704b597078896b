"""The Dagster instance's SQLite files: written without waiting for the disk during a CLI run,
and checked before the next one (a damaged history during a run:
tests/integration/test_instance_sqlite.py)."""

import sqlite3


def _db(path, rows=200):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (a INTEGER, b TEXT)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(i, "x" * 200) for i in range(rows)])
    con.commit()
    con.close()


def test_damaged_files_names_only_broken_databases(tmp_path):
    from tungsten_cli.instance_sqlite import damaged_files

    _db(tmp_path / "good.db")
    _db(tmp_path / "bad.db")
    data = bytearray((tmp_path / "bad.db").read_bytes())
    data[4096:8192] = b"\xff" * 4096  # a page of the table overwritten
    (tmp_path / "bad.db").write_bytes(bytes(data))
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert [p.name for p in damaged_files(tmp_path)] == ["bad.db", "junk.db"]


def test_files_checked_before_are_not_checked_again(tmp_path):
    import os

    from tungsten_cli.instance_sqlite import STAMP, damaged_files

    (tmp_path / "old.db").write_bytes(b"garbage" * 100)
    os.utime(tmp_path / "old.db", (1_000_000_000, 1_000_000_000))
    (tmp_path / STAMP).touch()
    assert damaged_files(tmp_path) == []


def test_unsynced_commits_only_for_the_instance(tmp_path):
    from sqlalchemy import create_engine, text

    from tungsten_cli.instance_sqlite import unsynced_commits_for

    home = tmp_path / "dagster"
    home.mkdir()
    unsynced_commits_for(home)
    inside = create_engine(f"sqlite:///{home / 'runs.db'}")
    outside = create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    with inside.connect() as c1, outside.connect() as c2:
        assert c1.execute(text("PRAGMA synchronous")).scalar() == 0  # OFF
        assert c2.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL, SQLite's default
