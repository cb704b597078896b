"""`tungsten sql`'s query path (warehouse/query.py): it reads the served tables and nothing
else; every way to write, attach, export, read other files, install or load extensions, or
unlock the settings is refused with a message, and the files are unchanged after each."""

import hashlib

import duckdb
import pytest

from warehouse.query import QueryRefused, run


@pytest.fixture
def serving(tmp_path):
    path = tmp_path / "serving" / "tungsten.duckdb"
    path.parent.mkdir()
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.t AS SELECT 1 AS a, ':x: [red]' AS b")
    con.close()
    other = tmp_path / "build.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE secret AS SELECT 42 AS x")
    con.close()
    (tmp_path / "private.csv").write_text("a,b\n1,2\n")
    return path, other, tmp_path


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_reads_the_served_tables(serving):
    path, _, _ = serving
    assert run(path, "SELECT a, b FROM marts.t") == (["a", "b"], [(1, ":x: [red]")])


@pytest.mark.parametrize("sql", [
    "COPY (SELECT 1) TO '{serving}' (FORMAT csv)",
    "COPY marts.t TO '{dir}/out.csv'",
    "EXPORT DATABASE '{dir}/export'",
    "ATTACH '{build}' AS b (READ_WRITE)",
    "ATTACH '{build}' AS b (READ_ONLY)",
    "SELECT * FROM read_csv('{dir}/private.csv')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '{dir}/private.csv'",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET memory_limit = '100GB'",
    "SET lock_configuration = false",
    "CREATE TABLE marts.x AS SELECT 1",
    "DELETE FROM marts.t",
])
def test_everything_but_reading_is_refused(serving, sql):
    path, build, folder = serving
    before = _sha(path), _sha(build)
    with pytest.raises(QueryRefused, match="refused|read-only|Permission|Cannot|not"):
        run(path, sql.format(serving=path, build=build, dir=folder))
    assert (_sha(path), _sha(build)) == before
    assert not (folder / "out.csv").exists() and not (folder / "export").exists()
