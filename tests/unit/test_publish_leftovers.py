"""A publish killed half-way leaves a temporary copy beside the serving file; the next publish
removes it (and its WAL), and publishes as usual."""

import duckdb

from warehouse.publish import publish


def test_next_publish_removes_what_a_killed_one_left(tmp_path):
    build = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA meta; CREATE TABLE marts.t AS SELECT 1 AS a; "
                "CREATE TABLE meta.loads AS SELECT 1 AS n")
    con.close()
    serving = tmp_path / "serving" / "tungsten.duckdb"
    serving.parent.mkdir()
    leftovers = [serving.parent / ".tungsten.duckdb.1a2b3c4d.tmp", serving.parent / ".tungsten.duckdb.1a2b3c4d.tmp.wal"]
    for p in leftovers:
        p.write_bytes(b"\0" * 4096)
    partial_parquet = serving.parent / ".tungsten.parquet.versions" / "20260101T000000000000Z-1a2b3c4d.partial"
    (partial_parquet / "marts" / "t").mkdir(parents=True)
    (partial_parquet / "marts" / "t" / "data.parquet").write_bytes(b"PAR1")
    other = serving.parent / "notes.txt"
    other.write_text("kept")
    counts = publish(build, serving)
    assert counts["marts.t"] == 1
    assert not any(p.exists() for p in leftovers) and other.exists()
    assert not partial_parquet.exists()
    assert sorted(p.name for p in serving.parent.iterdir()) == [".tungsten.parquet.versions", "notes.txt",
                                                                "tungsten.duckdb", "tungsten.parquet"]
