"""The values a suite's `$name` stands for: the load's own parameters (from the source's
source.yml and the load), value sets kept in the reference tables, and the shared
vocabularies of warehouse/gx_suites/_values.yml."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ingest.countries import valid_iso3
from ingest.reference import table
from ingest.sources import Source
from ingest.tidy import KEY_COLUMNS, QUALIFIERS
from ingest.trade import TRADE_KEY, area_kinds, flow_codes, hs_codes
from ingest.units import known_units

SUITES_DIR = Path(__file__).resolve().parent / "gx_suites"


@cache
def _metrics() -> dict[str, dict[str, str]]:
    return {r["metric"]: r for r in table("metrics")}


def _of_dataset(dataset: str) -> list[dict[str, str]]:
    return [r for r in _metrics().values() if dataset in r["dataset"].split("|")]


@cache
def shared_values() -> dict[str, Any]:
    return yaml.safe_load((SUITES_DIR / "_values.yml").read_text(encoding="utf-8")) or {}


# Values that do not depend on the load, computed from the reference data.
REFERENCE: dict[str, Callable[[], Any]] = {
    "iso3": lambda: sorted(valid_iso3()),
    "qualifiers": lambda: list(QUALIFIERS),
    "signed_metrics": lambda: sorted(m for m, r in _metrics().items() if r["allow_negative"] == "true"),
    "figure_key": lambda: list(KEY_COLUMNS),
    "trade_key": lambda: list(TRADE_KEY),
    "trade_key_in_load": lambda: [c for c in TRADE_KEY if c not in ("source_id", "vintage")],
    "hs_codes": lambda: sorted(hs_codes()),
    "context_hs_codes": lambda: sorted(c for c, r in hs_codes().items() if r["hs_group"] == "context"),
    "known_areas": lambda: sorted(set(valid_iso3()) | set(area_kinds())),
    "policy_jurisdictions": lambda: sorted(set(valid_iso3()) | {"EUU"}),  # EUU: the European Union
    "flow_codes": lambda: sorted(set(flow_codes()) | set(shared_values()["flows"])),
}


def source_values(source: Source) -> dict[str, Any]:
    """The source's own values of suite parameters: `suite_values.csv` in its folder (name, value,
    why), for a rule whose threshold is a property of that publisher's data (numbers as floats)."""
    if not (source.folder / "suite_values.csv").exists():
        return {}
    out: dict[str, Any] = {}
    for r in source.table("suite_values"):
        try:
            out[r["name"]] = float(r["value"])
        except ValueError:
            out[r["name"]] = r["value"]
    return out


def load_values(source: Source, vintage: str, dataset: str) -> dict[str, Callable[[], Any]]:
    """Every $name a suite may use for this load, each computed only if used (a source's own
    suite_values.csv overriding the defaults)."""
    lo, hi = source.year_window(vintage)
    values: dict[str, Callable[[], Any]] = {k: (lambda v=v: v) for k, v in shared_values().items()}
    values.update(REFERENCE)
    values.update({
        "source_id": lambda: source.id, "vintage": lambda: vintage, "dataset": lambda: dataset,
        "year_min": lambda: lo, "year_max": lambda: hi,
        "metrics_of_dataset": lambda: sorted(r["metric"] for r in _of_dataset(dataset)),
        "units_of_dataset": lambda: sorted({r["unit_code"] for r in _of_dataset(dataset)} & known_units()),
        # how far a world total's listed countries may exceed it beyond its rounding (t W)
        "world_total_slack_t": lambda: 0.0,
    })
    values.update({k: (lambda v=v: v) for k, v in source_values(source).items()})
    return values
