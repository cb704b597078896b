"""ref.* and meta.sources: the reference data marts join to, written from ingest/reference.

Rewritten on every run (they are small); the fingerprint of what the marts depend on is
taken from their content, so an unchanged reference does not force a rebuild.
"""

from __future__ import annotations

import duckdb
import polars as pl

from ingest.countries import country_name, valid_iso3
from ingest.reference import table


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
    sources = pl.DataFrame(list(table("sources"))).with_columns(pl.col("is_public") == "true")
    blocs = pl.DataFrame(list(table("sponsor_blocs")))
    return {"ref.countries": countries, "ref.unit_factors": units, "ref.metrics": metrics, "ref.sponsor_blocs": blocs,
            "meta.sources": sources}


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
