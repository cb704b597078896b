"""The DuckDB warehouse: paths, DDL, the write-audit-publish load, GX suites, meta tables,
and publishing the serving file. Knows ingest's tidy schema; knows nothing of Dagster."""
