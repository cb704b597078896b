"""Source parsers: publisher files in, tidy polars frames with provenance out.

Pure Python (polars, pycountry); nothing here knows about DuckDB, GX, dbt or Dagster.
"""
