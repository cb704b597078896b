"""The dbt models as Dagster assets, through dagster-dbt: `@dbt_assets` over the manifest, run
with `DbtCliResource`, each dbt test an asset check of the model it tests (blocking: a failed
test fails the build, and nothing is published). A small translator puts each model in the group
of its layer (staging, intermediate, marts).

The step builds only when something the marts depend on changed (or the run is forced);
otherwise it materializes nothing and publishing is skipped. dbt-duckdb's profile reads the build
file's path from TUNGSTEN_BUILD_PATH, the one channel the dbt CLI subprocess takes: the step
sets it from the warehouse resource."""


import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, Failure
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from dagster_project.dbt_project import MANIFEST_PATH, dbt_project
from dagster_project.resources import WarehouseResource

FORCE_TAG = "tungsten/force"
# dbt's unit tests check the models' logic on fixed inputs, so the daily build leaves them to the
# test suite (tests/integration/test_dbt_unit_tests.py), as dbt recommends; its data tests run daily.
DAILY_BUILD_ARGS = ("--exclude-resource-type", "unit_test")
LAYERS = ("staging", "intermediate", "marts")
DBT_PROJECT = dbt_project()
DBT_PROJECT.prepare_if_dev()


class LayerTranslator(DagsterDbtTranslator):
    """dagster-dbt's default keys, but a seed is keyed as the table it is served as (ref/<name>);
    the group is the model's layer (its first folder under models/), "reference" for a seed."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "seed":
            return AssetKey(["ref", dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        parts = Path(dbt_resource_props.get("original_file_path", "")).parts
        layer = parts[1] if len(parts) > 2 and parts[0] == "models" else None
        return layer if layer in LAYERS else "dbt"


def dbt_resource() -> DbtCliResource:
    """dbt of this venv (found without an activated venv) on the project in dbt/."""
    from warehouse.dbt_build import dbt_executable

    return DbtCliResource(project_dir=DBT_PROJECT, profiles_dir=str(DBT_PROJECT.project_dir),
                          dbt_executable=dbt_executable())


@dbt_assets(manifest=MANIFEST_PATH, project=DBT_PROJECT, dagster_dbt_translator=LayerTranslator(), name="tungsten_dbt")
def tungsten_dbt(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """dbt build on the build file: staging, intermediate and marts, with their data tests."""
    from warehouse.interrupts import stop_if_interrupted
    from warehouse.refresh import marts_up_to_date, writer_lock

    stop_if_interrupted()
    paths = warehouse.paths()
    forced = context.run.tags.get(FORCE_TAG) == "true"
    os.environ.update({"TUNGSTEN_BUILD_PATH": str(paths.build), "TUNGSTEN_HOME": str(paths.home)})
    # decided under the lock: another writer may have the build file open meanwhile
    with writer_lock(paths, context.log.warning):
        if not forced and marts_up_to_date(paths):
            context.log.info("marts up to date: nothing the marts depend on changed since the last publish")
            return
        invocation = dbt.cli(["build", *DAILY_BUILD_ARGS], context=context, raise_on_error=False,
                             target_path=paths.dbt_target)
        yield from invocation.stream()
        if not invocation.is_successful():
            raise Failure(description=_refuse(paths, invocation.get_artifact("run_results.json")))


def _refuse(paths, run_results: Mapping[str, Any]) -> str:
    """A failed build, handled like a GX refusal: the failing tests with example rows; the loads
    since the last publish taken back (warehouse.rollback); the failure recorded."""
    from warehouse.dbt_build import failing_examples, failures
    from warehouse.refresh import record_failed_build
    from warehouse.rollback import take_back_unpublished

    failed, examples = failures(run_results), failing_examples(paths, run_results)
    message = "dbt build failed, the serving file was not replaced" + (":\n  - " + "\n  - ".join(failed + examples)
                                                                        if failed or examples else "")
    taken = take_back_unpublished(paths, "the dbt build over these rows failed: " + "; ".join(failed)[:500])
    if taken.files:
        message += ("\nNothing of these files counts (their rows were taken back; the build is as it was at the last "
                    "publish):\n  - " + "\n  - ".join(taken.files))
    record_failed_build(paths, message)
    return message
