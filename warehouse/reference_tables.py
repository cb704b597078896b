"""ref.* and meta.sources: the reference data marts join to, written from ingest/reference and
the source folders (ingest/sources/*/source.yml, and the curated source's cited sources).

Rewritten on every run (they are small); the fingerprint of what the marts depend on is
taken from their content, so an unchanged reference does not force a rebuild. The parameters
the models read (the outlook's assumptions, how claims are judged) are not written here: they
are dbt seeds (dbt/seeds/*.csv), loaded into ref.* by `dbt build`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ingest.countries import country_name, valid_iso3
from ingest.reference import table
from ingest.sources import all_sources, meta_rows

# The tables written here (schema.table), in the order frames() gives them.
REFERENCE_TABLES = ("ref.countries", "ref.unit_factors", "ref.metrics", "ref.sponsor_blocs", "ref.hs_codes",
                    "ref.trade_areas", "ref.supply_risk_inputs", "ref.editions", "meta.sources")


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
            "ref.editions": _editions(),
            "meta.sources": sources}


def _editions() -> pl.DataFrame:
    """Every edition a source lists (editions.csv): title, DOI, date published and the date from
    which it was the current edition (current_from; claims are judged against the edition
    current at their date)."""
    rows = [{"source_id": src.id, "vintage": e["vintage"], "title": e.get("title") or None, "doi": e.get("doi") or None,
             "date_published": e.get("date_published") or None, "current_from": e.get("current_from") or None}
            for src in all_sources().values() for e in src.editions()]
    schema = {k: pl.String for k in ("source_id", "vintage", "title", "doi", "date_published", "current_from")}
    return pl.DataFrame(rows, schema=schema).with_columns(pl.col("current_from").str.to_date(strict=False))


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
