"""Hostile input: each real publisher file (and each curated file), mutated by Hypothesis, is
either read or refused with a ParseError naming the file, never a traceback; through the
gate, a refused mutation leaves the served file's bytes and the raw tables as they were.

Mutations: bytes flipped, inserted or deleted; the file truncated; a line duplicated,
repeated hundreds of times, dropped or swapped; a cell replaced (by '', 'NaN', 'inf',
'-1e308', '1e30', a year far off, a 1 MB string, non-UTF-8 bytes, a quote, a delimiter, a
line break, a NUL ...); a JSON value replaced or removed; a YAML value replaced (tags,
anchors, impossible dates); the text re-encoded (UTF-16/32, latin-1, cp1252, ASCII); a
byte-order mark added; line endings changed; the file emptied or cut to its header. For the
xlsx workbook: its bytes, and the XML of a member (re-zipped so the archive is sound), a
cell of its sheets or shared strings, or a member removed.

The runs are deterministic (derandomize: the same examples on every run) and bounded; set
TUNGSTEN_FUZZ_SCALE=10 (more examples per file) and TUNGSTEN_FUZZ_SEED=N (random examples
from seed N) to search further by hand.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import os
import re
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, seed, settings
from hypothesis import strategies as st
from integration_helpers import BGS, REAL, USGS, digest

from ingest.chunks import FrameChunks
from ingest.errors import ParseError
from ingest.locations import CURATED_DIR
from ingest.registry import parse_file

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
    kinds = BYTE_MUTATIONS + (LINE_MUTATIONS if case.kind in TEXT_KINDS else [])
    kinds += ZIP_MUTATIONS * 2 if case.kind == "xlsx" else []
    how = draw(st.sampled_from(kinds))
    if case.kind == "gz" and draw(st.booleans()):  # the text inside, gzipped again
        inner = draw(mutations(next(c for c in CASES if c.path.name == "cobalt_trade_data.csv")))
        return Mutated(gzip.compress(inner.data, mtime=0), f"gzipped: {inner.what}", f"gzipped {inner.how}")
    if how in BYTE_MUTATIONS:
        return Mutated(*_byte_mutation(draw, data, how), how)
    if how in ZIP_MUTATIONS:
        return Mutated(*_zip_mutation(draw, data, how), how)
    return Mutated(*_text_mutation(draw, data, case.kind, how), how)


# --- outcomes --------------------------------------------------------------------------------

def read_through(parsed) -> int:
    """Rows of every frame, reading a chunked frame to its end (a later chunk may refuse)."""
    n = 0
    for frame in parsed.frames.values():
        if isinstance(frame, FrameChunks):
            n += sum(chunk.height for chunk in frame)
        else:
            n += frame.height
    return n


def assert_names_file(exc: ParseError, name: str) -> None:
    assert name in str(exc) and exc.file == name, f"the refusal does not name {name}: {exc}"
    assert exc.reason.strip(), f"a refusal without a reason: {exc}"


def parse_outcome(case: Case, data: bytes) -> str:
    """'parsed' or 'refused' (a ParseError naming the file); any other exception propagates as the defect."""
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        path = Path(tmp) / case.path.name
        path.write_bytes(data)
        try:
            parsed = parse_file(case.source, path, data=data, **case.options)
            read_through(parsed)
        except ParseError as exc:
            note(f"refused: {str(exc)[:300]}")
            assert_names_file(exc, path.name)
            return "refused"
        return "parsed"


# --- a. parser level: many examples per file -------------------------------------------------

PARSER_EXAMPLES = 60


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_mutated_file_is_read_or_refused_naming_it(case):
    @fuzz_settings(int(PARSER_EXAMPLES * case.weight))
    @given(mutated=mutations(case))
    def run(mutated):
        note(f"{case.id}: {mutated.what}")
        outcome = parse_outcome(case, mutated.data)
        outcomes[f"{mutated.how} {outcome}"] += 1

    outcomes: Counter[str] = Counter()
    run()
    print(f"{case.id}: {sum(outcomes.values())} examples:", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))


def test_unmutated_files_parse():
    """The seeds themselves parse: a mutation's refusal is the mutation's doing."""
    for case in CASES:
        assert parse_outcome(case, ORIGINAL[case.id]) == "parsed", case.id


def _lone_surrogate_api_json() -> bytes:
    from trade_files import record

    r = record(842, 156, "M", "261100", 2022, 6_000_000.0, 300_000.0, reporterDesc="\ud800")
    return json.dumps({"count": 1, "data": [r], "error": ""}).encode()


@pytest.mark.parametrize("name, data", [
    ("comtrade_cr.csv", b"typeCode,refYear\r1,2\r"),  # csv.Error from the header line read with its CRs
    ("comtrade_2611_2022.json", _lone_surrogate_api_json()),  # UnicodeEncodeError from polars
], ids=["cr-line-endings", "lone-surrogate"])
def test_found_defect_is_refused(name, data):
    """The smallest inputs of two crashes this fuzzing found in the Comtrade reader (a csv.Error
    from bare-CR line endings, a UnicodeEncodeError from a lone surrogate): now refused by name."""
    case = Case("comtrade", Path(name), "csv")
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        with pytest.raises(ParseError) as info:
            parse_file(case.source, path, data=data)
        assert_names_file(info.value, name)


# --- b. gate level: a few examples through ingest_file into a warehouse copy -----------------

GATE_CASES = [c for c in CASES if c.path.name in {
    "mcs2024-tungs_world.csv", "MCS2025_World_Data.csv", "mcs2025-tungs_salient.csv", "BGS_tungsten_production.csv",
    "semiconductor_trade.csv", "Trade_Map_-_List_of_products_exported_by_China.txt",
    "critical-minerals-replication_docs_data_tungsten.json", "claims.csv", "projects.yml",
}]
GATE_EXAMPLES = 20


def raw_state(path: Path) -> dict[str, tuple]:
    """Rows and a content hash of each raw table, and the files meta.source_files records."""
    import duckdb

    con = duckdb.connect(str(path))
    try:
        tables = [t for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw' ORDER BY 1").fetchall()]
        state = {t: con.execute(f"SELECT count(*), bit_xor(hash(t)) FROM raw.{t} t").fetchone() for t in tables}
        state["meta.source_files"] = tuple(con.execute("SELECT raw_table, source_id, vintage, dataset, sha256 "
                                                       "FROM meta.source_files ORDER BY ALL").fetchall())
        return state
    finally:
        con.close()


@st.composite
def gate_inputs(draw) -> tuple[str, Mutated]:
    case_id = draw(st.sampled_from([c.id for c in GATE_CASES]))  # shown by its id in a failing example
    return case_id, draw(mutations(CASE[case_id]))


def test_mutated_file_through_the_gate_is_loaded_or_refused(warehouse):
    from warehouse.refresh import ingest_file

    served = digest(warehouse.serving)
    outcomes: Counter[str] = Counter()

    @fuzz_settings(GATE_EXAMPLES, suppress=[HealthCheck.function_scoped_fixture])
    @given(inputs=gate_inputs())
    def run(inputs):
        case_id, mutated = inputs
        case, data = CASE[case_id], mutated.data
        note(f"{case.id}: {mutated.what}")
        before = raw_state(warehouse.build)
        with tempfile.TemporaryDirectory(prefix="fuzz-gate-") as tmp:
            path = Path(tmp) / case.path.name
            path.write_bytes(data)
            try:
                summary = ingest_file(warehouse, case.source, path, options=case.options or None)
            except ParseError as exc:
                note(f"refused by the parser: {str(exc)[:300]}")
                assert_names_file(exc, path.name)
                refused, outcome = True, "refused by the parser"
            else:
                refused = not summary.ok
                outcome = "refused by the gate" if refused else "loaded"
                if refused:
                    note(f"refused by the gate: {summary.errors[0][:300]}")
                    assert all(path.name in e for e in summary.errors), summary.errors
                    assert {r.status for r in summary.loads} <= {"failed"}, summary.loads
                else:
                    assert {r.status for r in summary.loads} <= {"passed", "skipped"}, summary.loads
        assert digest(warehouse.serving) == served, "ingest_file changed the served file"
        if refused:
            assert raw_state(warehouse.build) == before, "a refused file changed the raw tables"
        outcomes[f"{case.source} {mutated.how} {outcome}"] += 1

    run()
    print(f"gate: {sum(outcomes.values())} examples:", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
