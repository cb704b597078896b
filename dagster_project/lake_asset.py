"""The lake asset: each published build committed to the DuckLake (warehouse.lake) as one
snapshot, after the serving file. Its check: the snapshot's row counts equal the build's. A lake
that cannot be reached fails this asset alone, with a message naming the lake (never its
credentials); the serving file and the report are published all the same."""

from dagster import AssetCheckResult, AssetCheckSpec, AssetExecutionContext, AssetKey, Failure, Output, asset

from dagster_project.resources import WarehouseResource
from dagster_project.serving import SERVING_KEY

LAKE_KEY = AssetKey(["lake_snapshot"])
ROW_COUNTS_CHECK = "snapshot_row_counts"


@asset(key=LAKE_KEY, deps=[SERVING_KEY], group_name="serving", output_required=False,
       check_specs=[AssetCheckSpec(ROW_COUNTS_CHECK, asset=LAKE_KEY,
                                   description="The lake snapshot holds as many rows per table as the published build.")],
       description="The build as one DuckLake snapshot (history, time travel, what changed), tagged with its build id.")
def lake_snapshot(context: AssetExecutionContext, warehouse: WarehouseResource):
    from warehouse.lake import config as lake_config
    from warehouse.lake.connect import LakeUnreachable
    from warehouse.lake.publish import publish, serving_counts

    paths = warehouse.paths()
    try:
        config = lake_config.from_env(paths.serving)
    except lake_config.LakeConfigError as exc:
        raise Failure(description=f"lake not published: {exc}") from None
    if config is None:
        context.log.info("TUNGSTEN_LAKE_CATALOG=off: the build is not published to a lake")
        return
    try:
        result = publish(paths.serving, config)
    except LakeUnreachable as exc:
        raise Failure(description=f"lake not published (the serving file is): {exc}") from None
    build = serving_counts(paths.serving)
    mismatched = sorted(t for t in set(build) | set(result.counts) if build.get(t) != result.counts.get(t))
    if not result.published:
        context.log.info(f"build {result.build_id} is already lake snapshot {result.snapshot_id}: not committed again")
    yield Output(None, metadata={
        "lake": lake_config.redact(config.describe()), "build_id": result.build_id, "snapshot_id": result.snapshot_id,
        "committed": result.published, "tables": len(result.counts), "tables_changed": len(result.changes),
        "rows_added": result.rows_added, "rows_removed": result.rows_removed, "rows_changed": result.rows_changed,
        "snapshots_expired": result.expired, "seconds": round(result.seconds, 2)})
    yield AssetCheckResult(check_name=ROW_COUNTS_CHECK, asset_key=LAKE_KEY, passed=not mismatched, metadata={
        "tables": len(build), "rows": sum(build.values()),
        "mismatched": ", ".join(f"{t}: lake {result.counts.get(t)}, build {build.get(t)}" for t in mismatched[:20]) or "none"})
