"""Run a raw table's GX suite on the frame about to be loaded (the audit of write-audit-publish).

GX's pandas datasource is used on purpose: its SQL datasources on DuckDB return wrong
results (GX #10738, #11579), and validating the frame in memory was faster here anyway.
The GX context is ephemeral, progress bars off, and built once per process.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import polars as pl

from warehouse import tables

EXAMPLE_ROWS = 5


@dataclass
class Failure:
    expectation: str
    column: str | None
    unexpected_count: int
    examples: list[dict]

    def describe(self) -> str:
        cols = f" on {self.column}" if self.column else ""
        rows = "; ".join(json.dumps(e, ensure_ascii=False, default=str) for e in self.examples)
        return f"{self.expectation}{cols}: {self.unexpected_count} bad row(s), e.g. {rows}"


@dataclass
class Outcome:
    success: bool
    evaluated: int
    failures: list[Failure] = field(default_factory=list)
    report: dict = field(default_factory=dict)


@cache
def _context():
    import great_expectations as gx

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False, "profilers": False}
    asset = ctx.data_sources.add_pandas("frames").add_dataframe_asset("frame")
    return ctx, asset.add_batch_definition_whole_dataframe("whole")


def _suite(name: str, specs: list[tuple[str, dict]]):
    import great_expectations as gx

    ctx, _ = _context()
    try:
        ctx.suites.delete(name)
    except Exception:  # noqa: BLE001 - absent suite
        pass
    suite = gx.ExpectationSuite(name=name)
    for cls, kwargs in specs:
        suite.add_expectation(getattr(gx.expectations, cls)(**kwargs))
    return ctx.suites.add(suite)


def validate_frame(frame: pl.DataFrame, raw_table: str, vintage: str, dataset: str) -> Outcome:
    """Validate one load's frame; failures carry example rows by file line."""
    spec = tables.get(raw_table)
    audited = spec.audit(frame)
    pdf = audited.to_pandas()
    _, batch_definition = _context()
    suite = _suite(f"{raw_table}__{vintage}", spec.expectations(vintage, dataset))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": pdf})
    result = batch.validate(suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": []})
    failures = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        kwargs = cfg.kwargs
        column = kwargs.get("column") or ",".join(kwargs.get("column_list") or []) or None
        idx = (r.result or {}).get("unexpected_index_list") or []
        examples = []
        for i in idx[:EXAMPLE_ROWS]:
            row = audited.row(int(i), named=True)
            ex = {k: row.get(k) for k in spec.example_columns if k in row}
            if column and column in row and column not in ex:
                ex[column] = row[column]
            examples.append(ex)
        count = (r.result or {}).get("unexpected_count")
        if count is None:
            count = len(idx)
        if r.exception_info and r.exception_info.get("raised_exception"):
            examples = [{"exception": r.exception_info.get("exception_message")}]
        failures.append(Failure(cfg.type, column, int(count or 0), examples))
    return Outcome(bool(result.success), len(result.results), failures, result.to_json_dict())
