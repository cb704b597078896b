"""The DuckLake every build is published to: a catalog database (SQLite beside the serving file
by default, Postgres for a team) plus Parquet files (a local folder, or an S3-compatible
bucket). Each build is one snapshot tagged with its build id, so anyone can read any build
kept, time-travel, and ask what changed (docs/operations/lake.md)."""
