"""The one declarative form of the GX suites (warehouse/gx_suites/*.yml): every raw table has a
suite that builds for every source of its family; rules expand as documented; mistakes are
named with the file and the rule; and the rules of every table (finite numbers) and the value
bounds refuse what they should, on the embedded snapshot's own frames."""

import dataclasses

import polars as pl
import pytest

from ingest.families import table_schemas
from ingest.sources import all_sources
from warehouse import gx_suite, tables
from warehouse.gx_suite import SuiteDefinitionError, expand


def _values(**kw):
    return {k: (lambda v=v: v) for k, v in kw.items()}


def test_every_raw_table_has_a_suite_that_builds_for_its_sources():
    for table in table_schemas():
        spec = gx_suite.suite_spec(table)
        assert spec.rules and spec.examples, table
        family = "curated" if table not in ("figures", "trade_flows", "sites") else table
        sources = [s for s in all_sources().values() if s.family == family]
        assert sources, table
        for source in sources:
            specs = tables.get(table).expectations(source, source.edition_example or "X", source.datasets[0])
            assert specs and all(cls.startswith("Expect") for cls, _ in specs), (table, source.id)
            # the rule of every table comes first: no NaN or infinity
            assert ("ExpectColumnValuesToBeNull", {"column": "audit_non_finite"}) in specs


def test_rules_expand_with_parameters_spliced_and_written_into_conditions():
    values = _values(key=["a", "b"], year_max=2025, signed=["x", "y"], sid="usgs")
    assert expand({"not_null": ["$key", "c"]}, values, "f") == [
        ("ExpectColumnValuesToNotBeNull", {"column": c}) for c in ("a", "b", "c")]
    assert expand({"unique_together": "$key"}, values, "f") == [("ExpectCompoundColumnsToBeUnique", {"column_list": ["a", "b"]})]
    assert expand({"between": {"column": "v", "min": 0, "max": "$year_max", "where": "m not in $signed"}}, values, "f") == [
        ("ExpectColumnValuesToBeBetween", {"column": "v", "min_value": 0, "max_value": 2025,
                                           "row_condition": "m not in ['x', 'y']", "condition_parser": "pandas"})]
    assert expand({"in_set": {"column": "s", "values": ["$sid"], "mostly": 0.9}}, values, "f") == [
        ("ExpectColumnValuesToBeInSet", {"column": "s", "value_set": ["usgs"], "mostly": 0.9})]
    assert expand({"is_true": ["p", "q"]}, values, "f") == [
        ("ExpectColumnValuesToBeInSet", {"column": c, "value_set": [True]}) for c in ("p", "q")]


@pytest.mark.parametrize("rule, message", [
    ({"nul": "a"}, "unknown rule 'nul'"),
    ({"between": {"column": "a", "maximum": 3}}, "has no argument 'maximum'"),
    ({"in_set": {"column": "a", "values": "$nowhere"}}, "unknown value $nowhere"),
    ({"not_null": "a", "unique": "b"}, "one `name: argument` entry"),
    ({"between": {"min": 0}}, "names no column"),
])
def test_mistakes_in_a_suite_name_the_file_and_the_rule(rule, message):
    with pytest.raises(SuiteDefinitionError, match="figures.yml: rule 7") as info:
        expand(rule, _values(), "figures.yml: rule 7")
    assert message in str(info.value)


def test_a_source_adds_its_own_rules_from_source_yml():
    bgs = all_sources()["bgs_wms"]
    base = gx_suite.expectations("figures", dataclasses.replace(bgs, checks={}), "BGS2023", "production")
    own = tables.get("figures").expectations(bgs, "BGS2023", "production")
    assert len(own) == len(base) + len(bgs.checks["figures"])
    extra = dataclasses.replace(bgs, checks={"figures": [{"between": {"column": "value", "max": 1}}]})
    assert gx_suite.expectations("figures", extra, "BGS2023", "production")[-1] == (
        "ExpectColumnValuesToBeBetween", {"column": "value", "max_value": 1})


def _bgs_frame() -> tuple[pl.DataFrame, object]:
    from ingest.snapshot import load_manifest

    snap = next(s for s in load_manifest() if s.source_id == "bgs_wms")
    return snap.read(), snap


def _validate(frame, snap):
    from warehouse.validate import validate_frame

    return validate_frame(frame, snap.table, snap.source_id, snap.vintage, snap.dataset)


def test_the_embedded_bgs_frame_passes():
    frame, snap = _bgs_frame()
    assert _validate(frame, snap).success


@pytest.mark.parametrize("value, expectation, column", [
    (float("nan"), "expect_column_values_to_be_null", "audit_non_finite"),
    (float("inf"), "expect_column_values_to_be_null", "audit_non_finite"),
    (1e30, "expect_column_values_to_be_between", "value_t_w"),     # value_bounds.csv
    (-5.0, "expect_column_values_to_be_between", "value_t_w"),     # production is not negative
])
def test_non_finite_and_absurd_values_are_refused_with_the_row(value, expectation, column):
    frame, snap = _bgs_frame()
    row = frame.with_row_index("i").filter(pl.col("value_t_w") > 100).row(0, named=True)
    bad = frame.with_columns(
        pl.when(pl.col("source_line") == row["source_line"]).then(value).otherwise(pl.col(c)).alias(c)
        for c in ("value", "value_t_w"))
    outcome = _validate(bad, snap)
    assert not outcome.success
    failures = [f for f in outcome.failures if f.expectation == expectation and f.column == column]
    assert failures, outcome.failures
    assert failures[0].examples[0]["source_line"] == row["source_line"]
