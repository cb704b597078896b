"""The GX gate: valid frames pass; each broken rule is caught and reported by row."""

import polars as pl
import pytest
from integration_helpers import USGS

from ingest.registry import parse_file
from ingest.tidy import KEY_COLUMNS
from warehouse.validate import validate_frame


def parse_usgs(path):
    return parse_file("usgs", path)


def validate_world(frame, vintage="MCS2025"):
    """A USGS world frame through the suite of raw.figures (source usgs_mcs, dataset world)."""
    return validate_frame(frame, "figures", "usgs_mcs", vintage, "world")


@pytest.fixture(scope="module")
def world_2025():
    return parse_usgs(USGS / "MCS2025_World_Data.csv").frames["world"]


def failed(outcome) -> dict:
    return {(f.expectation, f.column): f for f in outcome.failures}


def test_real_frame_passes(world_2025):
    o = validate_world(world_2025)
    assert o.success, [f.describe() for f in o.failures]
    assert o.evaluated >= 20


def test_negative_value_is_caught_with_its_line(world_2025):
    bad = world_2025.with_columns(
        pl.when(pl.col("country_published") == "Spain").then(-pl.col("value")).otherwise(pl.col("value")).alias("value"))
    f = failed(validate_world(bad))
    hit = f[("expect_column_values_to_be_between", "value")]
    assert hit.unexpected_count == 3
    assert {e["country_published"] for e in hit.examples} == {"Spain"}
    assert all(e["source_line"] == 1182 for e in hit.examples)


def test_negative_stock_change_is_allowed():
    s = parse_usgs(USGS / "mcs2022-tungs_salient.csv").frames["salient"]
    s = s.with_columns(pl.when(pl.col("metric") == "us_stockpile_shipments_other_forms").then(-34.0)
                       .otherwise(pl.col("value")).alias("value"))
    assert validate_frame(s, "figures", "usgs_mcs", "MCS2022", "salient").success


def test_duplicate_rows_are_caught(world_2025):
    bad = pl.concat([world_2025, world_2025.head(2)])
    f = failed(validate_world(bad))
    assert ("expect_compound_columns_to_be_unique", ",".join(KEY_COLUMNS)) in f


def test_year_outside_the_edition_is_caught(world_2025):
    bad = world_2025.with_columns(pl.when(pl.col("country_published") == "China").then(2031).otherwise(pl.col("year")).alias("year"))
    f = failed(validate_world(bad))
    assert f[("expect_column_values_to_be_between", "year")].unexpected_count == 3


def test_unresolved_and_invalid_iso_are_caught(world_2025):
    bad = world_2025.with_columns(
        pl.when(pl.col("country_published") == "Austria").then(None)
        .when(pl.col("country_published") == "Spain").then(pl.lit("XXX"))
        .otherwise(pl.col("country_iso3")).alias("country_iso3"))
    f = failed(validate_world(bad))
    assert f[("expect_column_values_to_not_be_null", "country_iso3")].unexpected_count == 3
    assert f[("expect_column_values_to_be_in_set", "country_iso3")].unexpected_count == 3


def test_aggregate_with_iso_is_caught(world_2025):
    bad = world_2025.with_columns(pl.when(pl.col("is_aggregate")).then(pl.lit("WLD")).otherwise(pl.col("country_iso3")).alias("country_iso3"))
    f = failed(validate_world(bad))
    assert ("expect_column_values_to_be_null", "country_iso3") in f


def test_unit_outside_the_allowed_set_is_caught(world_2025):
    bad = world_2025.with_columns(pl.lit("usd_per_mtu_wo3").alias("unit_code"))
    f = failed(validate_world(bad))
    assert ("expect_column_values_to_be_in_set", "unit_code") in f


def test_countries_summing_over_world_total_are_caught(world_2025):
    # China 2024 +5,000 t: the parts (86,400) exceed the rounded world total (81,000 +/- 500).
    bad = world_2025.with_columns(
        pl.when((pl.col("country_published") == "China") & (pl.col("year") == 2024) & (pl.col("metric") == "mine_production"))
        .then(pl.col("value_t_w") + 5000).otherwise(pl.col("value_t_w")).alias("value_t_w"))
    f = failed(validate_world(bad))
    hit = f[("expect_column_values_to_be_between", "audit_parts_over_world_total")]
    assert hit.unexpected_count == 1
    assert hit.examples[0]["country_published"] == "World total (rounded)" and hit.examples[0]["year"] == 2024
