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
cell of its sheets or shared strings, or a member removed. Hostile classes: a number written
with a dot between thousands ("66.000"), terminal control sequences in a cell, nested YAML
aliases ("billion laughs"), a gzip that inflates a thousandfold, and a packaged SQLite file
whose table is a view over a never-ending query, or that carries a trigger.

The runs are deterministic (derandomize: the same examples on every run) and bounded; set
TUNGSTEN_FUZZ_SCALE=10 (more examples per file) and TUNGSTEN_FUZZ_SEED=N (random examples
from seed N) to search further by hand.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from fuzz_mutations import CASE, CASES, ORIGINAL, Case, Mutated, fuzz_settings, mutations
from hypothesis import HealthCheck, given, note
from hypothesis import strategies as st
from integration_helpers import digest

from ingest.chunks import FrameChunks
from ingest.errors import ParseError
from ingest.registry import parse_file

pytestmark = pytest.mark.slow

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
    # a packaged database's reader names the table (and row) inside the file: "x.db (table 'T', row 3)"
    assert name in str(exc) and (exc.file == name or exc.file.startswith(f"{name} (")), \
        f"the refusal does not name {name}: {exc}"
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
