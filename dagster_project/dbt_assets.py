"""The dbt models as Dagster assets (from the manifest), grouped by their layer, each with
one blocking `dbt_tests` check: the outcome of all dbt tests on that model, every test's
status in its metadata. (One check per test, dagster-dbt's default, stored 119 check results
and as many planned events per run in Dagster's event log, about 3 s of a cold run.) The
step builds only when something the marts depend on changed (or the run is forced);
otherwise it materializes nothing and publishing is skipped.

dbt runs through its Python API with the project already parsed (warehouse.dbt_build), not as
a `dbt` subprocess (which starts Python, imports dbt and parses the project again, about 5 s of
a 9 s step): in the worker process `tungsten refresh` starts ahead of the run (warehouse.worker),
which has imported dbt and read the parsed project by then, else in a thread of the step's
process. Its events are turned into Dagster's as they arrive. Specs and outputs are made as
dagster-dbt makes them (dagster_project.dbt_specs), without importing it (and dbt-core with it)."""


import json
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    Failure,
    MetadataValue,
    multi_asset,
)

from dagster_project.dbt_specs import asset_key, asset_specs, model_output
from dagster_project.manifest import ensure_manifest
from warehouse.paths import current

FORCE_TAG = "tungsten/force"
TESTS_CHECK = "dbt_tests"
MANIFEST = ensure_manifest()
MANIFEST_JSON = json.loads(MANIFEST.read_text())
SPECS = asset_specs(MANIFEST_JSON)


def tests_by_model(manifest: Mapping[str, Any]) -> dict[str, list[str]]:
    """The unique ids of the dbt tests on each model (a test's attached node)."""
    tests: dict[str, list[str]] = defaultdict(list)
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] == "test" and node.get("attached_node"):
            tests[node["attached_node"]].append(unique_id)
    return dict(tests)


TESTS = tests_by_model(MANIFEST_JSON)


def model_key(unique_id: str) -> AssetKey:
    return asset_key(MANIFEST_JSON["nodes"][unique_id])


CHECK_SPECS = [AssetCheckSpec(TESTS_CHECK, asset=model_key(model), blocking=True,
                              description=f"the {len(tests)} dbt tests on this model (dbt build fails, and nothing is "
                                          "published, if one fails)")
               for model, tests in sorted(TESTS.items())]


# can_subset: the step may end without outputs (marts up to date). A subset chosen in the UI
# still builds the whole project (the marts are one consistent build); only the selected
# assets and checks are reported.
@multi_asset(name="tungsten_dbt", specs=SPECS, check_specs=CHECK_SPECS, can_subset=True)
def tungsten_dbt(context: AssetExecutionContext):
    """dbt build on the build file: staging, intermediate and marts, with their tests."""
    from warehouse.refresh import marts_up_to_date, writer_lock

    paths = current().ensure()
    forced = context.run.tags.get(FORCE_TAG) == "true"
    if not forced and marts_up_to_date(paths):
        context.log.info("marts up to date: nothing the marts depend on changed since the last publish")
        return
    with writer_lock(paths, context.log.info):
        summary = yield from _build_events(context, paths)
        if not summary.success:
            raise Failure(description=_refuse(paths, summary))


def _refuse(paths, summary) -> str:
    """A failed build, handled like a GX refusal: the failing tests with example rows; the
    loads since the last publish taken back (warehouse.rollback); the failure recorded."""
    from warehouse.refresh import record_failed_build
    from warehouse.rollback import take_back_unpublished

    failures, examples = summary.failures, summary.examples
    message = "dbt build failed, the serving file was not replaced" + (":\n  - " + "\n  - ".join(failures + examples)
                                                                        if failures or examples else "")
    taken = take_back_unpublished(paths, "the dbt build over these rows failed: " + "; ".join(failures)[:500])
    if taken.files:
        message += ("\nNothing of these files counts (their rows were taken back; the build is as it was at the last "
                    "publish):\n  - " + "\n  - ".join(taken.files))
    record_failed_build(paths, message)
    return message


def _build_events(context: AssetExecutionContext, paths):
    """Run dbt build (in the worker process when the run has one, warehouse.worker) and yield
    the Dagster events of its results while it runs, so the UI shows each model as it finishes;
    returns the build's summary."""
    from warehouse import worker
    from warehouse.dbt_build import BuildSummary
    from warehouse.report.page import cache_vega_bundle

    results: dict[str, dict] = {}
    summary = None
    build = worker.dbt_build(paths)
    while True:
        try:
            raw = next(build)
        except StopIteration:
            break
        except Exception as exc:  # reported as the step's Failure, with dbt's own words
            summary = BuildSummary(False, [f"dbt error: {type(exc).__name__}: {exc}"])
            break
        if "summary" in raw:
            summary = raw["summary"]
            continue
        yield from _events_of(context, raw, results)
    worker.prefetch("vega_bundle", cache_vega_bundle, paths.home / "cache")  # made while the run publishes
    for model in sorted(TESTS):  # tests dbt never ran (an upstream model failed): the check fails
        if not all(t in results for t in TESTS[model]) and any(t in results for t in TESTS[model]) \
                and selected_check(context, model):
            yield tests_check(model, results)
    return summary or BuildSummary(False, ["dbt error: the build ended without a result"])


def _events_of(context: AssetExecutionContext, raw: dict, results: dict[str, dict]) -> Iterator:
    """The Dagster events of one dbt result event: a model's materialization, or (once every
    test on a model has run) that model's dbt_tests check."""
    node = raw["data"].get("node_info", {})
    if raw["info"]["name"] == "LogTestResult":
        test = MANIFEST_JSON["nodes"].get(node.get("unique_id"), {})
        model = test.get("attached_node")
        results[node.get("unique_id")] = raw["data"]
        if model in TESTS and all(t in results for t in TESTS[model]) and selected_check(context, model):
            yield tests_check(model, results)
        return
    if node.get("unique_id") in MANIFEST_JSON["nodes"] and model_key(node["unique_id"]) in context.selected_asset_keys \
            and (output := model_output(MANIFEST_JSON, raw)) is not None:
        yield output


def selected_check(context: AssetExecutionContext, model: str) -> bool:
    return AssetCheckKey(model_key(model), TESTS_CHECK) in context.selected_asset_check_keys


def tests_check(model: str, results: Mapping[str, dict]) -> AssetCheckResult:
    """The `dbt_tests` result of one model: passed when every test on it passed; a test that
    only warns makes it a failed WARN check, a failing, erroring or unrun test an ERROR."""
    rows = []
    for test in sorted(TESTS[model]):
        data = results.get(test, {})
        status = (data.get("status") or data.get("node_info", {}).get("node_status") or "not run").lower()
        rows.append((MANIFEST_JSON["nodes"][test]["name"], status, data.get("num_failures")))
    statuses = {status for _, status, _ in rows}
    passed = statuses == {"pass"}
    severity = AssetCheckSeverity.WARN if statuses <= {"pass", "warn"} else AssetCheckSeverity.ERROR
    table = "| test | status | failing rows |\n|---|---|---|\n" + "\n".join(
        f"| {name} | {status} | {'' if failures is None else failures} |" for name, status, failures in rows)
    return AssetCheckResult(asset_key=model_key(model), check_name=TESTS_CHECK, passed=passed, severity=severity,
                            metadata={"tests": len(rows), "passed": sum(s == "pass" for _, s, _ in rows),
                                      "failed": [name for name, s, _ in rows if s != "pass"],
                                      "results": MetadataValue.md(table)})
