"""dagster_project.dbt_specs makes the dbt models' asset specs and outputs as dagster-dbt does
(the library it stands in for in the run's process, to spare it importing dbt-core)."""

import json
from types import SimpleNamespace

import pytest
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, build_dbt_asset_specs
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

from dagster_project import dbt_specs
from dagster_project.manifest import ensure_manifest

MANIFEST = json.loads(ensure_manifest().read_text())
LIBRARY_ONLY = {"dagster_dbt/manifest", "dagster_dbt/dagster_dbt_translator"}  # dagster-dbt's own objects


class LayerGroups(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props):
        return dbt_specs.group_name(dbt_resource_props)


TRANSLATOR = LayerGroups(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))


def _spec(s) -> dict:
    return {"key": s.key, "deps": sorted((d.asset_key.to_user_string(), repr(sorted(d.metadata.items())))
                                         for d in s.deps),
            "description": s.description, "group": s.group_name, "kinds": s.kinds, "tags": dict(s.tags),
            "code_version": s.code_version, "skippable": s.skippable, "owners": list(s.owners),
            "metadata": {k: v for k, v in s.metadata.items() if k not in LIBRARY_ONLY}}


def test_specs_are_dagster_dbts():
    ours = {s.key: _spec(s) for s in dbt_specs.asset_specs(MANIFEST)}
    theirs = {s.key: _spec(s) for s in build_dbt_asset_specs(manifest=MANIFEST, dagster_dbt_translator=TRANSLATOR)}
    assert len(ours) == len(theirs) == sum(n["resource_type"] == "model" for n in MANIFEST["nodes"].values())
    for key in theirs:
        assert ours[key] == theirs[key], key
    assert {s["group"] for s in ours.values()} == set(dbt_specs.LAYERS)


def _event(unique_id: str, status: str, started: str = "2026-11-25T03:40:01.250000Z",
           finished: str = "2026-11-25T03:40:01.750000Z") -> dict:
    """A result event of dbt's JSON log, as the build hands it on."""
    name = "LogTestResult" if unique_id.startswith("test.") else "LogModelResult"
    return {"info": {"name": name, "invocation_id": "a1b2c3", "level": "info", "ts": finished},
            "data": {"node_info": {"unique_id": unique_id, "node_status": status, "node_started_at": started,
                                   "node_finished_at": finished, "materialized": "table",
                                   "resource_type": unique_id.split(".")[0]},
                     "status": status.upper(), "execution_time": 0.5, "num_failures": 0}}


MODEL = next(u for u, n in MANIFEST["nodes"].items() if n["resource_type"] == "model")
TEST = next(u for u, n in MANIFEST["nodes"].items() if n["resource_type"] == "test")


@pytest.mark.parametrize("raw", [_event(MODEL, "success"), _event(MODEL, "warn"), _event(MODEL, "error"),
                                 _event(MODEL, "skipped"), _event(MODEL, "success", started="", finished="")])
def test_a_models_output_is_dagster_dbts(raw):
    theirs = [e for e in DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={}).to_default_asset_events(
        manifest=MANIFEST, dagster_dbt_translator=TRANSLATOR, context=SimpleNamespace(has_assets_def=True))
        if type(e).__name__ == "Output"]
    ours = dbt_specs.model_output(MANIFEST, raw)
    assert [(o.output_name, dict(o.metadata)) for o in theirs] == \
           ([(ours.output_name, dict(ours.metadata))] if ours else [])
    assert (ours is not None) == (raw["data"]["node_info"]["node_status"] in {"success", "warn"})


def test_a_test_result_is_no_models_output():
    assert dbt_specs.model_output(MANIFEST, _event(TEST, "pass")) is None
