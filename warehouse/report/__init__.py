"""The warehouse's report: one self-contained HTML file of charts, a map and tables, written beside
the serving file (tungsten.duckdb -> tungsten-report.html) by the daily job and `tungsten report`.

The charts are data (charts.yml: question, SQL, kind, footer, Vega-Lite fragment); build.py runs
their queries on the serving file, page.py writes the page. The file is replaced atomically, so a
reader never sees half a report."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from warehouse.report.build import Figure, build_figures
from warehouse.report.spec import SPEC_PATH, ChartSpec, SpecError, load_specs

__all__ = ["ReportResult", "SpecError", "build_report", "report_path"]


def report_path(serving: Path) -> Path:
    """Where the report of a serving file goes: beside it, <stem>-report.html."""
    return serving.with_name(f"{serving.stem}-report.html")


@dataclass
class ReportResult:
    path: Path
    bytes: int
    seconds: float
    figures: list[Figure]

    @property
    def problems(self) -> list[str]:
        """One line per figure that shows a notice instead of its chart."""
        return [f"{f.spec.id}: {f.message}" for f in self.figures if f.status in ("empty", "error")]


def _with_dictionary(specs: list[ChartSpec]) -> list[ChartSpec]:
    """The data dictionary page, when warehouse/dictionary.py exists (built by another part)."""
    from warehouse.report.dictionary_page import available

    if not available():
        return [s for s in specs if s.kind != "dictionary"]
    return specs


def build_report(serving: Path, out: Path | None = None, spec_path: Path = SPEC_PATH,
                 cache_dir: Path | None = None, changes=None) -> ReportResult:
    """Write the report of `serving` to `out` (default: beside it). Raises FileNotFoundError when
    there is no serving file, SpecError when charts.yml is malformed; a chart whose query fails
    or returns nothing is shown as a notice, not raised. cache_dir keeps the Vega bundle
    (default TUNGSTEN_HOME/cache). changes: what the page opens with, "What changed since the
    previous build" (see warehouse.report.page.changes_section; None: no such section)."""
    from warehouse.paths import current
    from warehouse.report.page import render_page

    t0 = time.perf_counter()
    if not serving.exists():
        raise FileNotFoundError(f"no serving file at {serving}; run `tungsten refresh` first")
    out = out or report_path(serving)
    specs = _with_dictionary(load_specs(spec_path))
    figures, build = build_figures(serving, specs)
    text = render_page(figures, build, cache_dir=cache_dir or current().home / "cache", changes=changes)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return ReportResult(out, out.stat().st_size, time.perf_counter() - t0, figures)
