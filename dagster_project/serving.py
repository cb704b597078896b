"""Publishing: the serving DuckDB file (read-only for SQL users and BI), replaced atomically
once the marts and their tests have passed. Skipped when the marts were not rebuilt."""


import duckdb
from dagster import AssetExecutionContext, AssetKey, Failure, Output, asset

from dagster_project.dbt_assets import FORCE_TAG, tungsten_dbt
from dagster_project.resources import WarehouseResource

SERVING_KEY = AssetKey(["serving_file"])


@asset(key=SERVING_KEY, deps=[tungsten_dbt], group_name="serving", output_required=False,
       description="The serving DuckDB file (read-only for SQL users and BI), replaced atomically.")
def serving_file(context: AssetExecutionContext, warehouse: WarehouseResource):
    from warehouse.interrupts import checkpoints
    from warehouse.refresh import marts_fingerprints, marts_up_to_date, publish_build, writer_lock

    paths = warehouse.paths()
    forced = context.run.tags.get(FORCE_TAG) == "true"
    # Ctrl-C stops the publish before its switch, never inside it (warehouse.interrupts)
    with checkpoints(), writer_lock(paths, context.log.warning):
        fingerprints = marts_fingerprints(paths)
        if not forced and marts_up_to_date(paths, fingerprints):
            context.log.info(f"{paths.serving} already serves this build: not republished")
            return
        try:
            counts = publish_build(paths, fingerprints)
        except (duckdb.Error, OSError) as exc:  # a full disk, a folder that cannot be written
            raise Failure(description=f"could not publish into {paths.serving.parent}: {_reason(exc)}; the serving "
                                      "file and the Parquet folder are as they were") from None
    yield Output(None, metadata={"path": str(paths.serving), "tables": len(counts),
                                 "mart_rows": sum(v for k, v in counts.items() if k.startswith("marts."))})


def _reason(exc: BaseException) -> str:
    """The machine's reason, without the database's wrapping ("Checkpoint failed ... Original error: ...")."""
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    text = str(exc).strip()
    return text.rsplit("Original error: ", 1)[-1].splitlines()[0]
