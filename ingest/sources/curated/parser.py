"""The curated, versioned files of the project pipeline: claims (data/curated/claims.csv) and
projects (data/curated/projects.yml). Schema documented in data/curated/README.md.

This module reads them into tidy frames and refuses what is structurally wrong (unknown or
missing keys, wrong types, a stake naming a company that is not listed), naming the row.
Rules on the content (sources known, bases allowed, dates, stakes <= 100%) are the GX
suites' job in warehouse/, so a refusal goes through the same gate as every other load.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import yaml

from ingest.errors import ParseError
from ingest.families import CLAIMS_SCHEMA, CURATED_PROVENANCE, SECTIONS
from ingest.provenance import check_strings, decode, sha256_bytes
from ingest.sources import Source
from ingest.sources.curated.csv_records import records
from ingest.tidy import ParsedFile
from ingest.units import concentrate_factor, factors
from ingest.values import shown

# basis as quoted -> unit_code of unit_factors.csv for a tonnage on that basis
BASIS_UNIT = {"W": "t_w", "WO3": "t_wo3", "APT": "t_apt", "WC": "t_wc"}
TONNAGE_UNITS = {"t", "t_per_year"}
MTU_UNITS = {"mtu", "mtu_per_year"}          # metric tonne units: 10 kg of WO3 each
COMPUTED = {"value_t_w", "amount_usd"}       # derived here, never given in the file


def _version(sha: str) -> str:
    return "sha256:" + sha[:12]


def _str(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    return str(v).strip() or None


def tonnage_t_w(value: float | None, unit: str | None, basis: str | None, grade_pct_wo3: float | None = None) -> float | None:
    """A quoted tonnage in t W, or None where the basis is unknown, not a tonnage or the grade missing.

    Tonnes on a W/WO3/APT/WC basis convert by unit_factors.csv; concentrate at its WO3 grade;
    mtu are 10 kg WO3; ore tonnes at their WO3 grade (contained metal, before any recovery); an
    ore rate a year is never converted here."""
    if value is None:
        return None
    if unit in TONNAGE_UNITS:
        if basis in BASIS_UNIT:
            return value * factors()[BASIS_UNIT[basis]]
        if basis == "concentrate" and grade_pct_wo3:
            return value * concentrate_factor(grade_pct_wo3)
        return None
    if unit in MTU_UNITS and basis == "WO3":
        return value * factors()["mtu_wo3"]
    if unit == "t_ore" and grade_pct_wo3:
        return value * concentrate_factor(grade_pct_wo3)
    # an ore throughput (t_ore_per_year) is not an output: its t W needs a recovery too, derived
    # with each input shown in the warehouse (intermediate.int_capacity_derivation)
    return None


# --- claims -----------------------------------------------------------------------------

CLAIM_COLUMNS = ["claim_id", "subject_type", "subject", "metric", "period", "value", "value_high", "value_text", "unit",
                 "basis", "qualifier", "is_forecast", "source_id", "date_published", "location", "quote", "reconcile_rule"]
OPTIONAL_CLAIM_COLUMNS = ["disagrees_with"]   # the claim id this one disagrees with (both stay)


def parse_claims(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path = Path(path)
    data = path.read_bytes() if data is None else data
    text, encoding = decode(data, path.name)
    sha = sha256_bytes(data)
    rows = _claim_rows(text, path.name, source, vintage or _version(sha), sha)
    if not rows:
        raise ParseError(path.name, "no claims in the file")
    frame = pl.DataFrame(rows, schema=CLAIMS_SCHEMA, orient="row")
    return ParsedFile(source.id, vintage or _version(sha), path.name, sha, encoding, "curated_claims_csv", {"claims": frame})


def _claim_rows(text: str, file: str, source: Source, version: str, sha: str) -> list[dict]:
    rows = []
    for line, row in records(text, file, CLAIM_COLUMNS, OPTIONAL_CLAIM_COLUMNS):
        for num in ("value", "value_high"):
            if (written := row[num]) is not None:
                try:
                    row[num] = float(written.replace(",", ""))
                except ValueError:
                    raise ParseError(file, f"{shown(written)} is not a number", line=line, field=num) from None
                if not math.isfinite(row[num]):
                    raise ParseError(file, f"{shown(written)} is not a finite number", line=line, field=num)
        period = row["period"] or ""
        row["period_year"] = int(period[:4]) if period[:4].isascii() and period[:4].isdigit() else None
        flag = (row["is_forecast"] or "").lower()
        if flag not in ("true", "false"):
            raise ParseError(file, f"is_forecast must be true or false, got {shown(row['is_forecast'] or '')}", line=line,
                             field="is_forecast")
        row["is_forecast"] = flag == "true"
        row["value_t_w"] = tonnage_t_w(row["value"], row["unit"], row["basis"])
        row["value_high_t_w"] = tonnage_t_w(row["value_high"], row["unit"], row["basis"])
        row.update(source_id_file=source.id, vintage=version, source_file=file, source_sha256=sha, source_line=line)
        rows.append(row)
    return rows


# --- projects ---------------------------------------------------------------------------

def refuse_aliases(text: str, file: str) -> None:
    """An alias (*name) repeats a node an anchor (&name) defined; nested, a few hundred bytes of
    them stand for billions of nodes ("billion laughs") that any walk over the document would
    take forever to visit. The curated files have no use for them, so the first one is refused,
    found from the parser's events before any document is built."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise ParseError(file, f"a YAML alias (*{str(event.anchor)[:40]}): anchors and aliases are not accepted "
                                   "in curated files (write each value out)", line=mark.line + 1 if mark else None)


def parse_projects(path: str | Path, *, source: Source, vintage: str | None = None, data: bytes | None = None) -> ParsedFile:
    path = Path(path)
    data = path.read_bytes() if data is None else data
    text, encoding = decode(data, path.name)
    sha = sha256_bytes(data)
    try:
        refuse_aliases(text, path.name)
    except yaml.YAMLError:
        pass  # not YAML at all: said below, where the document is read
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ParseError(path.name, f"invalid YAML: {getattr(exc, 'problem', exc)}", line=mark.line + 1 if mark else None) from exc
    except (ValueError, TypeError, OverflowError) as exc:  # a value of its type that cannot be: 2025-13-45, !!int x
        raise ParseError(path.name, f"invalid YAML value: {str(exc)[:200]}") from exc
    except RecursionError:
        raise ParseError(path.name, "invalid YAML: nested too deep to read") from None
    check_strings(doc, path.name)
    if not isinstance(doc, dict):
        raise ParseError(path.name, "expected a mapping of sections: " + ", ".join(SECTIONS))
    unknown = set(doc) - set(SECTIONS)
    if unknown:
        raise ParseError(path.name, f"unknown sections {sorted(str(k)[:80] for k in unknown)}; expected {list(SECTIONS)}")
    version = vintage or _version(sha)
    frames = {}
    for section, (table, fields, required) in SECTIONS.items():
        items = doc.get(section) or []
        if not isinstance(items, list):
            raise ParseError(path.name, f"section {section!r} must be a list", field=section)
        rows = []
        for i, item in enumerate(items):
            where = f"{section}[{i}]"
            if not isinstance(item, dict):
                raise ParseError(path.name, "each entry must be a mapping", field=where)
            extra = set(item) - (set(fields) - COMPUTED) - {"note"}
            if extra:
                raise ParseError(path.name, f"unknown keys {sorted(str(k)[:80] for k in extra)}; allowed: {sorted(fields)}",
                                 field=where)
            lacking = [k for k in required if item.get(k) in (None, "", [])]
            if lacking:
                raise ParseError(path.name, f"missing {lacking}", field=where)
            row = {}
            for k, dtype in fields.items():
                v = item.get(k)
                try:
                    row[k] = _typed(v, dtype)
                except (TypeError, ValueError, OverflowError):
                    raise ParseError(path.name, f"{k} = {shown(str(v))} is not a {dtype}", field=where) from None
            if section in ("stakes", "financing", "figures", "milestones") and not (row.get("project_id") or row.get("group_id")):
                raise ParseError(path.name, "needs project_id or group_id", field=where)
            if table == "project_figures":
                row["value_t_w"] = tonnage_t_w(row["value"], row["unit"], row["basis"], row["grade_pct_wo3"])
            if table == "project_financing":
                row["amount_usd"] = row["amount"] if row["currency"] == "USD" else None
            row.update(source_id_file=source.id, vintage=version, source_file=path.name, source_sha256=sha, source_item=where)
            rows.append(row)
        frames[table] = pl.DataFrame(rows, schema={**fields, **CURATED_PROVENANCE}, orient="row")
    _check_references(path.name, frames)
    return ParsedFile(source.id, version, path.name, sha, encoding, "curated_projects_yaml", frames)


INT32 = (-(2**31), 2**31 - 1)


def _typed(v, dtype):
    """A YAML value as its column's type; TypeError/ValueError/OverflowError when it is not one
    (a bool is no number, a number no bool; 1.5 is no integer; NaN and infinity no figure)."""
    if v is None:
        return None
    if dtype == pl.Float64:
        if isinstance(v, bool):
            raise TypeError(v)
        x = float(v)
        if not math.isfinite(x):
            raise ValueError(v)
        return x
    if dtype == pl.Int32:
        if isinstance(v, bool) or (isinstance(v, float) and not v.is_integer()):
            raise TypeError(v)
        x = int(v)
        if not INT32[0] <= x <= INT32[1]:
            raise OverflowError(v)
        return x
    if dtype == pl.Boolean:
        if not isinstance(v, bool):
            raise ValueError(v)
        return v
    return _str(v)


def _check_references(file: str, frames: dict[str, pl.DataFrame]) -> None:
    """Every id a row points at must be defined in the same file."""
    ids = {
        "company": set(frames["companies"]["company_id"].to_list()),
        "project": set(frames["projects"]["project_id"].to_list()),
        "group": set(frames["project_groups"]["group_id"].to_list()),
    }
    refs = [("projects", "group_id", "group"), ("projects", "operator_company_id", "company"),
            ("companies", "parent_company_id", "company"), ("project_stakes", "company_id", "company"),
            ("project_financing", "institution_company_id", "company")]
    for table in ("project_stakes", "project_financing", "project_figures", "project_milestones"):
        refs += [(table, "project_id", "project"), (table, "group_id", "group")]
    for table, col, kind in refs:
        for row in frames[table].iter_rows(named=True):
            v = row[col]
            if v is not None and v not in ids[kind]:
                raise ParseError(file, f"{col} {v!r} is not a {kind} defined in this file", field=row["source_item"])
    # a group's figures count once for its projects: a group without projects would lose them
    members = set(frames["projects"]["group_id"].drop_nulls().to_list())
    for row in frames["project_groups"].iter_rows(named=True):
        if row["group_id"] not in members:
            raise ParseError(file, f"group {row['group_id']!r} has no project (set group_id on its projects)",
                             field=row["source_item"])
