"""ref.* and meta.sources: the reference data marts join to, written from ingest/reference and
the source folders (ingest/sources/*/source.yml, and the curated source's cited sources).

Rewritten on every run (they are small); the fingerprint of what the marts depend on is
taken from their content, so an unchanged reference does not force a rebuild.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ingest.countries import country_name, valid_iso3
from ingest.reference import table
from ingest.sources import meta_rows

# The tables written here (schema.table), in the order frames() gives them.
REFERENCE_TABLES = ("ref.countries", "ref.unit_factors", "ref.metrics", "ref.sponsor_blocs", "ref.hs_codes",
                    "ref.trade_areas", "ref.supply_risk_inputs", "meta.sources")


def frames() -> dict[str, pl.DataFrame]:
    iso = sorted(valid_iso3())
    countries = pl.DataFrame({
        "country_iso3": iso,
        "country_name": [country_name(c) for c in iso],
        "is_former": [c not in _current() for c in iso],
    })
    units = pl.DataFrame(list(table("unit_factors"))).with_columns(
        pl.col("to_t_w").replace("", None).cast(pl.Float64)
    )
    metrics = pl.DataFrame(list(table("metrics"))).with_columns(pl.col("allow_negative") == "true")
    sources = pl.DataFrame(meta_rows(), infer_schema_length=None)
    blocs = pl.DataFrame(list(table("sponsor_blocs")))
    return {"ref.countries": countries, "ref.unit_factors": units, "ref.metrics": metrics, "ref.sponsor_blocs": blocs,
            "ref.hs_codes": _hs_codes(), "ref.trade_areas": _trade_areas(),
            "ref.supply_risk_inputs": pl.DataFrame(list(table("supply_risk_inputs"))).with_columns(
                pl.col("value").replace("", None).cast(pl.Float64)),
            "meta.sources": sources}


def _hs_codes() -> pl.DataFrame:
    """HS codes with their group label and the unit-value bounds of the group."""
    groups = pl.DataFrame(list(table("hs_groups"))).select(
        "hs_group", pl.col("label").alias("hs_group_label"),
        pl.col("min_usd_per_kg").replace("", None).cast(pl.Float64), pl.col("max_usd_per_kg").replace("", None).cast(pl.Float64))
    return (pl.DataFrame(list(table("hs_codes")))
            .with_columns(pl.col("level").cast(pl.Int32), pl.col("tungsten_specific") == "true")
            .join(groups, on="hs_group", how="left").rename({"description": "hs_description"}))


def _trade_areas() -> pl.DataFrame:
    """The trade partners that are not countries (World, EU, nes areas) and Comtrade's own country codes."""
    return pl.DataFrame(list(table("trade_areas"))).select(
        pl.col("code").alias("area_code"), "m49", pl.col("name").alias("area_name"), "kind",
        (~pl.col("kind").is_in(["country", "former"])).alias("is_area"), "note")


def _current() -> set[str]:
    import pycountry

    return {c.alpha_3 for c in pycountry.countries}


def write(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN")
    for name, frame in frames().items():
        con.register("ref_frame", frame)
        con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM ref_frame")
        con.unregister("ref_frame")
    con.execute("COMMIT")
