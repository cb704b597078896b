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
    result = build_report(paths.serving, cache_dir=paths.home / "cache")
    for problem in result.problems:
        context.log.warning(f"report chart {problem}")
    return MaterializeResult(metadata={
        "path": str(result.path), "bytes": result.bytes, "seconds": round(result.seconds, 2),
        "charts_drawn": sum(1 for f in result.figures if f.status == "drawn"),
        "charts_without_data": len(result.problems)})
