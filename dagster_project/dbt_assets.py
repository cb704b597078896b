"""The dbt models as Dagster assets (from the manifest), grouped by their layer, with dbt's
tests as asset checks. The step builds only when something the marts depend on changed
(or the run is forced); otherwise it materializes nothing and publishing is skipped."""


import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, Failure
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from dagster_project.manifest import ensure_manifest
from warehouse.dbt_build import dbt_env
from warehouse.paths import DBT_PROJECT_DIR, current

FORCE_TAG = "tungsten/force"
LAYERS = ("staging", "intermediate", "marts")


class LayerGroups(DagsterDbtTranslator):
    """Each model in the group of its layer (its first folder under models/)."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        parts = Path(dbt_resource_props.get("original_file_path", "")).parts
        layer = parts[1] if len(parts) > 2 and parts[0] == "models" else None
        return layer if layer in LAYERS else "dbt"


def dbt_resource() -> DbtCliResource:
    exe = Path(sys.executable).with_name("dbt")
    return DbtCliResource(project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=str(exe) if exe.exists() else "dbt")


@dbt_assets(manifest=ensure_manifest(), dagster_dbt_translator=LayerGroups())
def tungsten_dbt(context: AssetExecutionContext, dbt: DbtCliResource):
    """dbt build on the build file: staging, intermediate and marts, with their tests."""
    from warehouse.refresh import marts_up_to_date, record_failed_build, writer_lock

    paths = current().ensure()
    forced = context.run.tags.get(FORCE_TAG) == "true"
    if not forced and marts_up_to_date(paths):
        context.log.info("marts up to date: nothing the marts depend on changed since the last publish")
        return
    os.environ.update(dbt_env(paths))
    with writer_lock(paths, context.log.info):
        invocation = dbt.cli(["build"], context=context, raise_on_error=False)
        yield from invocation.stream()
        if not invocation.is_successful():
            failures = _failed_nodes(invocation)
            message = "dbt build failed, the serving file was not replaced" + (":\n  - " + "\n  - ".join(failures)
                                                                                if failures else "")
            record_failed_build(paths, message)
            raise Failure(description=message)


def _failed_nodes(invocation) -> list[str]:
    """The models and tests that failed, from dbt's run_results.json: 'name: status message'."""
    try:
        results = invocation.get_artifact("run_results.json").get("results", [])
    except Exception:  # no artifact when dbt failed before running anything
        return []
    return [f"{r['unique_id'].split('.')[2]}: {r.get('status')} {(r.get('message') or '').strip()}".strip()
            for r in results if r.get("status") in ("error", "fail", "runtime error")]
