"""The sources the warehouse knows, discovered from their folders.

A source is one folder `ingest/sources/<folder>/` holding everything specific to it: its
parser module(s), a `source.yml` (identity, publisher, licence, raw family, edition pattern
and year window, options, snapshot inputs) and its column maps and aliases as CSV. The CLI's
choices, the Dagster assets, the GX suite parameters, the snapshot builder and meta.sources
all come from here, so a new publisher is a new folder and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from ingest.errors import ParseError

SOURCES_DIR = Path(__file__).resolve().parent
FAMILIES = ("figures", "trade_flows", "sites", "governance_indicators", "curated")
REQUIRED_KEYS = ("id", "name", "publisher", "title", "licence", "is_public", "family", "datasets", "edition")


class SourceDefinitionError(Exception):
    """A source.yml that cannot be used; names the file and the key."""


@dataclass(frozen=True)
class SourceInput:
    """One kind of file a source reads: its command name, parser and (curated) file name."""

    cli_name: str
    parser: str  # "module:function" inside the source's package; "function" for the package itself
    curated_file: str | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """A source as its source.yml declares it, with its folder for the CSV maps it owns."""

    id: str
    name: str
    folder: Path
    publisher: str
    title: str
    licence: str
    is_public: bool
    family: str
    datasets: tuple[str, ...]
    edition_pattern: str
    edition_example: str
    inputs: tuple[SourceInput, ...]
    source_type: str = "statistics"
    url: str | None = None
    doi_pattern: str | None = None
    description: str = ""
    date_published: str | None = None
    first_year: int | None = None
    years_from_edition: int | None = None
    years_to_edition: int | None = None
    world_total: str | None = None  # published | summed: how production marts get the world total
    production_dataset: str | None = None
    production_rank: int | None = None
    max_edition_lag_years: int | None = None
    max_age_days: int | None = None
    snapshot_inputs: tuple[str, ...] = ()
    # trade sources: "reported" (one row per declaring reporter) or "reconciled" (one per flow, BACI)
    flow_basis: str | None = None
    # extra GX rules for this source's loads, by raw table, in the form of warehouse/gx_suites/*.yml
    checks: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def package(self) -> str:
        return f"{__name__}.{self.folder.name}"

    def table(self, name: str) -> tuple[dict[str, str], ...]:
        """Rows of this source's own `<name>.csv` as dicts of strings."""
        return _read_csv(self.folder / f"{name}.csv")

    def editions(self) -> tuple[dict[str, str], ...]:
        """Edition metadata (title, DOI, URL, date published) where the source lists it."""
        path = self.folder / "editions.csv"
        return _read_csv(path) if path.exists() else ()

    def parser(self, cli_name: str | None = None) -> Callable:
        inp = self.input(cli_name)
        module, _, func = inp.parser.rpartition(":")
        mod = importlib.import_module(f"{self.package}.{module}" if module else self.package)
        return getattr(mod, func)

    def input(self, cli_name: str | None = None) -> SourceInput:
        if cli_name is None or cli_name == self.id:
            if len(self.inputs) > 1:
                names = ", ".join(i.cli_name for i in self.inputs)
                raise KeyError(f"source {self.id} reads several kinds of file: say which ({names})")
            return self.inputs[0]
        for i in self.inputs:
            if i.cli_name == cli_name:
                return i
        raise KeyError(f"source {self.id} has no input {cli_name!r}")

    def check_edition(self, vintage: str, file: str, *, line: int | None = None, field: str | None = None) -> str:
        """The edition code as given, if it has this source's form; else a ParseError naming the file."""
        if not re.match(self.edition_pattern, vintage or ""):
            raise ParseError(file, f"edition {vintage!r} is not of the form {self.edition_example} "
                             f"({self.id}: {self.edition_pattern})", line=line, field=field)
        year = self.edition_year(vintage)
        if year is not None and year > dt.date.today().year + 1:
            raise ParseError(file, f"edition {vintage} is dated {year}: no publisher has released it yet",
                             line=line, field=field)
        return vintage

    def edition_year(self, vintage: str) -> int | None:
        m = re.match(self.edition_pattern, vintage or "")
        return int(m.group("year")) if m and "year" in m.groupdict() else None

    def year_window(self, vintage: str) -> tuple[int, int]:
        """The years an edition may hold, from source.yml; (0, 0) when the edition code does not
        have the source's form (every year check then fails with the vintage shown)."""
        if not re.match(self.edition_pattern, vintage or ""):
            return (0, 0)
        year = self.edition_year(vintage)
        this_year = dt.date.today().year
        hi = year + self.years_to_edition if year is not None and self.years_to_edition is not None else this_year
        if year is not None and self.years_from_edition is not None:
            lo = year + self.years_from_edition
        else:
            lo = self.first_year if self.first_year is not None else 1900
        return (lo, hi)

    def provenance(self, vintage: str) -> dict:
        """Publisher- and edition-level metadata for meta.source_files."""
        ed = next((r for r in self.editions() if r.get("vintage") == vintage), {})
        return {
            "publisher": self.publisher,
            "title": ed.get("title") or self.title,
            "doi": ed.get("doi") or None,
            "url": ed.get("url") or self.url,
            "date_published": ed.get("date_published") or self.date_published,
            "licence": self.licence,
            "is_public": self.is_public,
        }

@cache
def _read_csv(path: Path) -> tuple[dict[str, str], ...]:
    with open(path, newline="", encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


def folder_table(module_file: str, name: str) -> tuple[dict[str, str], ...]:
    """Rows of `<name>.csv` in the folder of a source's module (module_file: its __file__), for
    a module's own maps where no Source is passed (fetchers, cached lookups)."""
    return _read_csv(Path(module_file).resolve().with_name(f"{name}.csv"))


def _definition(path: Path) -> Source:
    """Read one source.yml; a missing or malformed key is named with the file."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SourceDefinitionError(f"{path}: not valid YAML: {exc}") from None
    missing = [k for k in REQUIRED_KEYS if k not in doc]
    if missing:
        raise SourceDefinitionError(f"{path}: missing keys {missing}")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(doc["id"])):
        raise SourceDefinitionError(f"{path}: id {doc['id']!r} must be lower-case letters, digits and _")
    if doc["family"] not in FAMILIES:
        raise SourceDefinitionError(f"{path}: family {doc['family']!r} is not one of {FAMILIES}")
    edition = doc["edition"] or {}
    if "pattern" not in edition:
        raise SourceDefinitionError(f"{path}: edition.pattern is missing")
    options = tuple(doc.get("options") or ())
    if "inputs" in doc:
        inputs = tuple(SourceInput(i["cli_name"], i["parser"], i.get("curated_file"), tuple(i.get("options") or options))
                       for i in doc["inputs"])
    else:
        if "parser" not in doc:
            raise SourceDefinitionError(f"{path}: needs a parser (or inputs)")
        inputs = (SourceInput(doc.get("cli_name") or doc["id"], doc["parser"], None, options),)
    fresh = doc.get("freshness") or {}
    snap = doc.get("snapshot") or {}
    return Source(
        id=doc["id"], name=doc["name"], folder=path.parent, publisher=doc["publisher"], title=doc["title"],
        licence=doc["licence"], is_public=bool(doc["is_public"]), family=doc["family"],
        datasets=tuple(doc["datasets"]), edition_pattern=edition["pattern"], edition_example=str(edition.get("example", "")),
        inputs=inputs, source_type=doc.get("source_type", "statistics"), url=doc.get("url"),
        doi_pattern=doc.get("doi_pattern"), description=str(doc.get("description") or "").strip(),
        date_published=(str(doc["date_published"]) if doc.get("date_published") else None),
        first_year=edition.get("first_year"), years_from_edition=edition.get("years_from_edition"),
        years_to_edition=edition.get("years_to_edition"), world_total=doc.get("world_total"),
        production_dataset=doc.get("production_dataset"), production_rank=doc.get("production_rank"),
        max_edition_lag_years=fresh.get("max_edition_lag_years"),
        max_age_days=fresh.get("max_age_days"), snapshot_inputs=tuple(snap.get("inputs") or ()),
        checks=_checks(path, doc.get("checks")),
        flow_basis=doc.get("flow_basis") or ("reported" if doc["family"] == "trade_flows" else None),
    )


def _checks(path: Path, checks) -> dict:
    """source.yml's `checks`: {raw table: [rule, ...]} (the rules are read by warehouse/gx_suite.py)."""
    if checks is None:
        return {}
    if not isinstance(checks, dict) or not all(isinstance(v, list) for v in checks.values()):
        raise SourceDefinitionError(f"{path}: checks must map a raw table to a list of rules")
    return {str(k): tuple(v) for k, v in checks.items()}


@cache
def all_sources(root: Path = SOURCES_DIR) -> dict[str, Source]:
    """Every source folder (one with a source.yml), by id."""
    found: dict[str, Source] = {}
    for path in sorted(root.glob("*/source.yml")):
        src = _definition(path)
        if src.id in found:
            raise SourceDefinitionError(f"{path}: id {src.id!r} is already used by {found[src.id].folder}/source.yml")
        found[src.id] = src
    return found


def get(source_id: str) -> Source:
    try:
        return all_sources()[source_id]
    except KeyError:
        raise KeyError(f"unknown source {source_id!r}; known: {sorted(all_sources())}") from None


def command_names() -> dict[str, tuple[Source, str]]:
    """Name a user gives on the command line -> (source, input name). Every id is a name; a short
    name (`usgs`) is one too unless two sources claim it (then only their ids are)."""
    claims: dict[str, list[tuple[Source, str]]] = {}
    for src in all_sources().values():
        for inp in src.inputs:
            claims.setdefault(inp.cli_name, []).append((src, inp.cli_name))
    names = {n: c[0] for n, c in claims.items() if len(c) == 1}
    for src in all_sources().values():
        if len(src.inputs) == 1:
            names[src.id] = (src, src.inputs[0].cli_name)
    return dict(sorted(names.items()))


def resolve_command_name(name: str) -> tuple[Source, str]:
    names = command_names()
    if name in names:
        return names[name]
    owners = [s.id for s in all_sources().values() if any(i.cli_name == name for i in s.inputs)]
    if owners:
        raise KeyError(f"{name!r} names several sources ({', '.join(owners)}): give the source id")
    raise KeyError(f"unknown source {name!r}; known: {', '.join(names)}")


TIERS = ("primary", "secondary", "tertiary")


@cache
def cited_sources() -> tuple[dict[str, str], ...]:
    """Sources cited by curated figures that are not loaded from files (press, analysts,
    companies, governments): rows of the curated source's cited_sources.csv, each with its page
    tier checked against its source type (source_tiers.csv beside it; no default)."""
    rows: list[dict[str, str]] = []
    for src in all_sources().values():
        path = src.folder / "cited_sources.csv"
        if path.exists():
            tiers_path = path.with_name("source_tiers.csv")
            rule = {r["source_type"]: r["tier"] for r in _read_csv(tiers_path)} if tiers_path.exists() else {}
            for line, row in enumerate(_read_csv(path), start=2):
                check_tier(row, rule, path.name, line)
                rows.append(row)
    return tuple(rows)


def check_tier(row: dict[str, str], rule: dict[str, str], file: str, line: int) -> None:
    """A cited page's tier is stated (never defaulted), one of TIERS, and the one its source type
    takes (source_tiers.csv: company, government, lender, statistics primary; press, analyst
    secondary; aggregator, blog tertiary)."""
    tier, kind = (row.get("tier") or "").strip(), (row.get("source_type") or "").strip()
    if not tier:
        raise ParseError(file, f"source {row.get('source_id')!r} has no tier (one of {', '.join(TIERS)})", line=line,
                         field="tier")
    if tier not in TIERS:
        raise ParseError(file, f"tier {tier[:40]!r} is not one of {', '.join(TIERS)}", line=line, field="tier")
    if kind not in rule:
        raise ParseError(file, f"source_type {kind[:40]!r} has no tier rule (source_tiers.csv: {', '.join(rule)})",
                         line=line, field="source_type")
    if rule[kind] != tier:
        raise ParseError(file, f"a {kind} page is {rule[kind]}, not {tier} (source_tiers.csv)", line=line, field="tier")


def meta_rows() -> list[dict]:
    """meta.sources: every source folder and every cited source, with the columns marts use."""
    rows = [{
        "source_id": s.id, "source_type": s.source_type, "publisher": s.publisher, "title": s.title, "url": s.url,
        "licence": s.licence, "is_public": s.is_public, "date_published": s.date_published, "description": s.description,
        "name": s.name, "family": s.family, "world_total": s.world_total, "production_dataset": s.production_dataset,
        "production_rank": s.production_rank, "edition_pattern": s.edition_pattern, "flow_basis": s.flow_basis,
        # a loaded file is its publisher's own release; the curated source's figures carry their page's tier
        "tier": None if s.family == "curated" else "primary",
    } for s in all_sources().values()]
    for r in cited_sources():
        rows.append({**r, "is_public": r["is_public"] == "true", "url": r["url"] or None,
                     "date_published": r["date_published"] or None, "name": r["title"], "family": None,
                     "world_total": None, "production_dataset": None, "production_rank": None,
                     "edition_pattern": None, "flow_basis": None})
    return rows


def unit_code_for(source: Source, unit_published: str) -> str | None:
    """The unit code a source's published unit text stands for (its units.csv)."""
    from ingest.reference import normalize_key

    return {normalize_key(r["unit_published"]): r["unit_code"] for r in source.table("units")}.get(
        normalize_key(unit_published))


def default_vintage_from_name(path: Path) -> str:
    """A file's vintage when none is given and the file names none: its name without extension
    (and without .gz), made safe (trade files: one query, one file)."""
    path = Path(path)
    stem = Path(path.stem).stem if path.suffix.lower() == ".gz" else path.stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)[:100]
