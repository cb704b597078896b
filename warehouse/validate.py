"""Run a raw table's GX suite on the frame about to be loaded (the audit of write-audit-publish).

GX's pandas datasource is used on purpose: its SQL datasources on DuckDB return wrong
results (GX #10738, #11579), and validating the frame in memory was faster here anyway.
The GX context is ephemeral, progress bars off, and built once per process.
"""

from __future__ import annotations

import json
import threading
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


_CONTEXT_LOCK = threading.Lock()


def warm_up() -> None:
    """Import GX and build its context in a background thread (it takes seconds), so that
    a load can land and hash its file and read its first chunk meanwhile. Nothing to do once built."""
    if _new_context.cache_info().currsize == 0:
        threading.Thread(target=_context, name="gx-warm-up", daemon=True).start()


def _context():
    with _CONTEXT_LOCK:
        return _new_context()


@cache
def _new_context():
    import great_expectations as gx

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False, "profilers": False}
    asset = ctx.data_sources.add_pandas("frames").add_dataframe_asset("frame")
    return ctx, asset.add_batch_definition_whole_dataframe("whole")


@cache
def _suite(name: str, specs_key: str):
    """The GX suite for one (table, vintage), built once per process (chunks of a file reuse it)."""
    import great_expectations as gx

    ctx, _ = _context()
    try:
        ctx.suites.delete(name)
    except Exception:
        pass
    # given all at once: add_expectation compares each new expectation with every one added
    # before (quadratic, a fifth of the validation time of a small file)
    expectations = [getattr(gx.expectations, cls)(**kwargs) for cls, kwargs in json.loads(specs_key)]
    return ctx.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))


def to_pandas(frame: pl.DataFrame):
    """The frame as GX's pandas datasource reads it fastest.

    Integers are int64 and floats float64: GX's between-checks are vectorised only for those,
    any other width falls back to a Python call per row (a million rows: 0.8 s instead of
    10 ms). Categoricals become pandas categoricals built from their codes and the category
    list, without polars' Arrow export, which re-maps every row (3x slower, and the largest
    source of page faults in a bulk load).
    """
    import pandas as pd

    frame = frame.with_columns(pl.col(pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt16, pl.UInt32).cast(pl.Int64),
                               pl.col(pl.Float32).cast(pl.Float64))
    columns = {}
    for name, dtype in frame.schema.items():
        if dtype != pl.Categorical:
            columns[name] = frame[name].to_pandas()
            continue
        codes = frame[name].to_physical().cast(pl.Int32).fill_null(-1).to_numpy()
        categories = frame[name].dtype.categories.to_series()
        # a code another thread reserved but has not named yet: not used by this column
        labels = [f"\x00unassigned {i}" if c is None else c for i, c in enumerate(categories.to_list())]
        columns[name] = pd.Categorical.from_codes(codes, categories=labels, validate=False)
    return pd.DataFrame(columns, copy=False)


def _is_key_uniqueness(cls: str, kwargs: dict, key: tuple[str, ...]) -> bool:
    """The suite's uniqueness expectation on this key (source and edition aside: a load holds one of each)."""
    one_per_load = {"source_id", "vintage"}
    columns = set(kwargs.get("column_list", [])) | one_per_load
    return cls == "ExpectCompoundColumnsToBeUnique" and columns == set(key) | one_per_load


def validate_frame(frame: pl.DataFrame, raw_table: str, source_id: str, vintage: str, dataset: str, *,
                   key_checked_apart: tuple[str, ...] = ()) -> Outcome:
    """Validate one load's frame; failures carry example rows by file line.

    The suite runs first with GX's BOOLEAN_ONLY result format (fast: no row lists); only when an
    expectation fails does it run again with COMPLETE to name the failing rows. A passing
    frame's report is GX's statistics, not the full serialised result (which cost more than
    the validation itself on a million rows). key_checked_apart: the key of a file whose
    uniqueness is checked over the whole file elsewhere (warehouse/load.py) while this frame is
    one chunk of it; the suite's uniqueness expectation on that key is left out here.
    """
    from ingest.sources import get as source_of

    spec = tables.get(raw_table)
    audited = spec.audit(frame)
    pdf = to_pandas(audited)
    _, batch_definition = _context()
    specs = [(cls, kwargs) for cls, kwargs in spec.expectations(source_of(source_id), vintage, dataset)
             if not (key_checked_apart and _is_key_uniqueness(cls, kwargs, key_checked_apart))]
    suite = _suite(f"{raw_table}__{source_id}__{vintage}__{dataset}" + ("__chunk" if key_checked_apart else ""),
                   json.dumps(specs, sort_keys=True, default=str))
    batch = batch_definition.get_batch(batch_parameters={"dataframe": pdf})
    return _validate_batch(batch, suite, frame, audited, spec)


def _validate_batch(batch, suite, frame: pl.DataFrame, audited: pl.DataFrame, spec) -> Outcome:
    result = batch.validate(suite, result_format={"result_format": "BOOLEAN_ONLY"})
    if result.success:
        return Outcome(True, len(result.results), [], {"success": True, "statistics": dict(result.statistics),
                                                        "suite": suite.name})
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
            # the audit keeps row order; the example columns may be only in the frame as given
            row = {**frame.row(int(i), named=True), **audited.row(int(i), named=True)} if audited.height == frame.height \
                else audited.row(int(i), named=True)
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
    report = {"success": False, "suite": suite.name, "statistics": dict(result.statistics),
              "results": [{"expectation": r.expectation_config.type, "kwargs": r.expectation_config.kwargs,
                           "success": r.success, "unexpected_count": (r.result or {}).get("unexpected_count"),
                           "unexpected_percent": (r.result or {}).get("unexpected_percent")} for r in result.results],
              "failures": [{"expectation": f.expectation, "column": f.column, "unexpected_count": f.unexpected_count,
                            "examples": f.examples} for f in failures]}
    return Outcome(False, len(result.results), failures, json.loads(json.dumps(report, default=str)))
