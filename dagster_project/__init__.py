"""Dagster definitions and the `tungsten` CLI: wiring only; the logic is in ingest/, warehouse/, dbt/."""
