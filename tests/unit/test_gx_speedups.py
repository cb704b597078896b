"""GX with warehouse.gx_speedups gives exactly the results GX gives without them."""

import json
import subprocess
import sys

SCRIPT = r'''
import json, sys
import polars as pl
from ingest.snapshot import load_manifest
from warehouse import validate

if sys.argv[1] == "without":
    validate.gx_speedups.install = lambda: None  # the context is built with GX as it is
snaps = list(load_manifest())
snap = next(s for s in snaps if s.source_id == "bgs_wms")
frame = snap.read()
# rows that break rules with and without a row condition (`where:`): a negative value of a
# production metric (between ... where metric not in signed), a country on an aggregate row
# (is_null where is_aggregate), and an unknown unit
lines = frame["source_line"].to_list()
bad = frame.with_columns(
    pl.when(pl.col("source_line") == lines[3]).then(-5.0).otherwise(pl.col("value")).alias("value"),
    pl.when(pl.col("source_line") == lines[7]).then(pl.lit("XXX")).otherwise(pl.col("unit_code")).alias("unit_code"),
)
out = []
# the broken frame, then every snapshot file as it is (each suite's expectations)
for s, f in [(snap, bad)] + [(s, s.read()) for s in snaps]:
    o = validate.validate_frame(f, s.table, s.source_id, s.vintage, s.dataset)
    out.append({"success": o.success, "evaluated": o.evaluated,
                "failures": sorted([x.expectation, x.column, x.unexpected_count, json.dumps(x.examples, default=str)]
                                   for x in o.failures),
                "results": o.report.get("results")})


def every_result(batch, suite, frame, audited, spec):
    """Each expectation's whole COMPLETE result, passing ones too (the Outcome keeps only failures)."""
    res = batch.validate(suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": []})
    return sorted(json.dumps([r.expectation_config.type, r.expectation_config.kwargs, r.success, r.result,
                              bool(r.exception_info and r.exception_info.get("raised_exception"))],
                             sort_keys=True, default=str) for r in res.results)


validate._validate_batch = every_result
for s, f in [(snap, bad)] + [(s, s.read()) for s in snaps]:
    out.append(validate.validate_frame(f, s.table, s.source_id, s.vintage, s.dataset))
print(json.dumps(out, default=str))
'''


def _run(mode: str) -> list:
    out = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_results_are_the_same_with_and_without_the_speedups():
    fast, plain = _run("with"), _run("without")
    assert len(fast) == len(plain) > 2
    for a, b in zip(fast, plain, strict=True):
        assert a == b
    outcomes = fast[:len(fast) // 2]
    assert not outcomes[0]["success"] and all(r["success"] for r in outcomes[1:])
    assert {f[0] for f in fast[0]["failures"]} >= {"expect_column_values_to_be_between", "expect_column_values_to_be_in_set"}


def test_install_replaces_only_gx_own_methods():
    from great_expectations.execution_engine.pandas_execution_engine import PandasExecutionEngine
    from great_expectations.expectations.expectation import Expectation
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    from warehouse import gx_speedups

    gx_speedups.install()
    gx_speedups.install()  # twice: still one layer
    for cls, name in ((Expectation, "_get_domain_kwargs"), (Expectation, "_get_success_kwargs"),
                      (Expectation, "_get_success_kwarg"), (PandasExecutionEngine, "_apply_row_condition_filter"),
                      (ExpectationConfiguration, "to_domain_obj")):
        assert getattr(getattr(cls, name), "tungsten_speedup", False), name
    assert getattr(Expectation.__dict__["configuration"].fget, "tungsten_speedup", False)

    class Other:
        def _get_domain_kwargs(self, extra):  # another signature: left alone
            return extra

    assert not gx_speedups._replace(Other, "_get_domain_kwargs", gx_speedups._domain_kwargs, ["self"])
    assert Other()._get_domain_kwargs(1) == 1
