"""The report asset: the self-contained HTML report (warehouse.report) written beside the serving
file after each publish. Skipped, like the serving file, when nothing was republished. A chart
whose mart is empty or missing is a notice in the page and a warning here, never a failed run."""

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, asset

from dagster_project.resources import WarehouseResource
from dagster_project.serving import SERVING_KEY

REPORT_KEY = AssetKey(["report"])


@asset(key=REPORT_KEY, deps=[SERVING_KEY], group_name="serving",
       description="The report: one self-contained HTML file of charts, a map and tables, beside the serving file.")
def report(context: AssetExecutionContext, warehouse: WarehouseResource) -> MaterializeResult:
    from warehouse.report import build_report

    paths = warehouse.paths()
    result = build_report(paths.serving, cache_dir=paths.home / "cache", changes=_changes(context, paths.serving))
    for problem in result.problems:
        context.log.warning(f"report chart {problem}")
    return MaterializeResult(metadata={
        "path": str(result.path), "bytes": result.bytes, "seconds": round(result.seconds, 2),
        "charts_drawn": sum(1 for f in result.figures if f.status == "drawn"),
        "charts_without_data": len(result.problems)})


def _changes(context: AssetExecutionContext, serving):
    """What the report opens with: the marts' changes since the lake's previous build, or why
    there is no comparison (a lake that cannot be read is a warning, never a failed report)."""
    from warehouse.lake import config as lake_config
    from warehouse.lake.changes import since_previous_build
    from warehouse.lake.connect import LakeUnreachable

    try:
        config = lake_config.from_env(serving)
        if config is None:
            return "There is no lake (TUNGSTEN_LAKE_CATALOG=off), so no earlier build to compare with."
        base, tables = since_previous_build(serving, config)
    except (lake_config.LakeConfigError, LakeUnreachable) as exc:
        context.log.warning(f"report: no comparison with the previous build: {lake_config.redact(str(exc))}")
        return "The lake could not be read, so this build is not compared with the previous one (see the run's log)."
    if base is None:
        return "This is the first build in the lake: there is no previous build to compare with."
    return base, tables
