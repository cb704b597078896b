"""UN Comtrade HS 261100 figures as aggregated by the critical-minerals-replication dashboard.

The file (docs/data/tungsten.json of manuali-luciana/critical-minerals-replication) is a
third-party aggregate, not a publisher format: for each year 2000-2022 it lists the ten
largest exporters and importers of tungsten ores and concentrates (HS 261100) in US$, with
the world total (`total_usd`) they are shares of. The rows are UN Comtrade data, reported
by each country to World; this module turns them into tidy trade rows (the world total as
reporter WLD), so the embedded snapshot can answer "who exports tungsten concentrate"
offline. Provenance says both: publisher UN Comtrade, aggregated by that repository.

The same file carries BGS mine production by country and an HHI per year (`mining`);
`mining_metrics` reads them for the cross-check against the project's own BGS figures.
`source_line` is the row's position in the file's flattened order (year, side, rank), as
JSON has no lines.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import polars as pl

from ingest.errors import ParseError
from ingest.provenance import check_strings, sha256_bytes
from ingest.sources import Source
from ingest.tidy import ParsedFile
from ingest.trade import TOTAL_CUSTOMS, TOTAL_MOT, TOTAL_PARTNER2, TRADE_SCHEMA, area_of_name, finish, is_area_code

DATASET = "flows"
SIDES = {"exporters": ("X", "export"), "importers": ("M", "import")}


def _load(path: Path, data: bytes | None) -> tuple[dict, bytes]:
    data = path.read_bytes() if data is None else data
    try:
        doc = json.loads(data.decode("utf-8-sig"), parse_constant=_no_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(path.name, f"not valid JSON: {exc}") from exc
    except RecursionError:
        raise ParseError(path.name, "not valid JSON: nested too deep to read") from None
    except ValueError as exc:  # NaN or Infinity (_no_constant)
        raise ParseError(path.name, f"not valid JSON: {exc}") from None
    check_strings(doc, path.name)
    trade = doc.get("trade") if isinstance(doc, dict) else None
    if not isinstance(trade, dict) or not isinstance(trade.get("primary"), dict):
        raise ParseError(path.name, "expected the critical-minerals-replication layout: an object with trade.primary "
                                    "{exporters, importers, hs_codes_used}")
    return doc, data


def _no_constant(name: str):
    """NaN and Infinity are no JSON (Python's reader takes them unless told not to)."""
    raise ValueError(f"{name} is not a JSON number")


def _finite(value: int | float) -> bool:
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer of hundreds of digits
        return False


def parse(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path = Path(path)
    doc, data = _load(path, data)
    primary = doc["trade"]["primary"]
    used = primary.get("hs_codes_used")
    codes = [str(c) for c in used] if isinstance(used, list) else []
    if len(codes) != 1 or not isinstance(used[0], (str, int)) or isinstance(used[0], bool) or not codes[0].strip():
        raise ParseError(path.name, f"expected exactly one HS code in trade.primary.hs_codes_used, found {str(used)[:200]}")
    hs = codes[0].strip()
    descriptions = primary.get("hs_descriptions")
    hs_label = descriptions.get(hs) if isinstance(descriptions, dict) else None
    if hs_label is not None and not isinstance(hs_label, str):
        raise ParseError(path.name, f"trade.primary.hs_descriptions.{hs}: {str(hs_label)[:80]!r} is not a text")
    rows, n = [], 0
    for side, (flow_code, flow) in SIDES.items():
        years = primary.get(side)
        if years is None:
            continue
        if not isinstance(years, dict):
            raise ParseError(path.name, f"trade.primary.{side}: expected an object of years, found {type(years).__name__}")
        for year_text, block in sorted(years.items()):
            where = f"trade.primary.{side}.{year_text[:20]}"
            if not re.fullmatch(r"[0-9]{4}", year_text):
                raise ParseError(path.name, f"{where}: {year_text[:20]!r} is not a year")
            year = int(year_text)
            try:
                entries = [("World", block["total_usd"])] + [(e["country"], e["value_usd"]) for e in block["top"]]
            except (KeyError, TypeError, ValueError) as exc:
                raise ParseError(path.name, f"{where}: expected total_usd and top[country, value_usd] ({str(exc)[:80]})") from exc
            for name, value in entries:
                n += 1
                if not isinstance(name, str) or not name.strip():
                    raise ParseError(path.name, f"{where}: country {str(name)[:80]!r} is not a name", line=n, field="country")
                if not isinstance(value, (int, float)) or isinstance(value, bool) or not _finite(value):
                    raise ParseError(path.name, f"{where}: {str(value)[:80]!r} is not a number", line=n, field="value_usd")
                iso3 = area_of_name(name)
                rows.append({
                    "freq": "A", "year": year, "period": str(year), "classification": "HS",
                    "reporter_code": name, "reporter_published": name, "reporter_iso3": iso3,
                    "reporter_is_area": iso3 is not None and is_area_code(iso3),
                    "partner_code": "World", "partner_published": "World", "partner_iso3": "WLD",
                    "partner_is_area": True, "partner2_code": TOTAL_PARTNER2, "flow_code": flow_code, "flow": flow,
                    "hs_code": hs, "hs_published": hs_label, "customs_code": TOTAL_CUSTOMS, "mot_code": TOTAL_MOT,
                    "value_published": float(value), "value_unit": "US$", "value_usd": float(value), "source_line": n,
                })
    if not rows:
        raise ParseError(path.name, "no exporters or importers in trade.primary")
    vintage = vintage or f"{doc.get('key', 'tungsten')}-{doc.get('year_max', '')}".strip("-")
    sha = sha256_bytes(data)
    frame = finish(pl.DataFrame(rows, orient="row").with_columns(
        source_id=pl.lit(source.id), vintage=pl.lit(vintage), dataset=pl.lit(DATASET), source_file=pl.lit(path.name),
        source_sha256=pl.lit(sha)))
    return ParsedFile(source.id, vintage, path.name, sha, "utf-8", "critical-minerals-replication json", {DATASET: frame})


def mining_metrics(path: str | Path) -> pl.DataFrame:
    """year, hhi, top1_share, n_producers as the file states them (BGS production, 0-10,000 HHI)."""
    doc, _ = _load(Path(path), None)
    metrics = doc.get("mining", {}).get("metrics", {})
    return pl.DataFrame([{"year": int(y), "hhi": m["hhi"], "top1_share": m["top1_share"], "n_producers": m["n_producers"]}
                         for y, m in metrics.items()]).sort("year")


def mining_production(path: str | Path) -> pl.DataFrame:
    """year, country_iso3, quantity (t W) as the file states them."""
    doc, _ = _load(Path(path), None)
    rows = [{"year": int(y), "country_iso3": c.get("iso3"), "country": c["country"], "quantity": c["quantity"]}
            for y, block in doc.get("mining", {}).get("by_year", {}).items() for c in block["countries"]]
    return pl.DataFrame(rows)


__all__ = ["parse", "mining_metrics", "mining_production", "TRADE_SCHEMA"]
