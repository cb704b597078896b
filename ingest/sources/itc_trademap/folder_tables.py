"""This folder's tables as the ITC Trade Map reader uses them: the layouts a table may have
(layouts.csv), the value units (units.csv), product labels (products.csv), what file names say
(file_names.csv), how a value column's header may be written (value_headers.csv), ITC's own
areas (areas.csv), and how a whole-file reporter or product is told (an option, the file, its name)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from ingest.reference import normalize_key
from ingest.sources import folder_table
from ingest.trade import area_of_name, m49_codes

LABELLED_CODE = re.compile(r"^'?(TOTAL|\d{2,6}(?:\.\d{2})?)(?![\w.])\s*(?:[-:]\s*)?(.*)$")


@cache
def layouts() -> dict[tuple[str, str, str], dict[str, str]]:
    return {(r["first_column"], r["second_column"], r["value_prefix"]): r for r in folder_table(__file__, "layouts")}


@cache
def _products() -> dict[str, str]:
    return {normalize_key(r["label"]): r["hs_code"] for r in folder_table(__file__, "products")}


@cache
def units() -> dict[str, dict[str, str]]:
    """The value units an HTML export's 'Unit :' line may name (units.csv), by normalized label."""
    return {normalize_key(r["unit"]): r for r in folder_table(__file__, "units")}


@cache
def _value_headers() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(r["pattern"], re.IGNORECASE) for r in folder_table(__file__, "value_headers"))


def value_column(text: str) -> tuple[str, int, str | None] | None:
    """A value column's header -> (flow word 'Exported' or 'Imported', year, unit text or None),
    or None when it is not one. ITC writes it 'Exported value in 2009', and in some downloads in
    lower case or with the unit after the year (value_headers.csv)."""
    text = " ".join(text.split())
    for pattern in _value_headers():
        m = pattern.match(text)
        if m:
            unit = m.groupdict().get("unit")
            return m["flow"].capitalize(), int(m["year"]), unit.strip() if unit else None
    return None


@cache
def itc_areas() -> dict[str, str]:
    """ITC's own areas (areas.csv: 'European Union Nes', 'Caribbean Nes' ...) by normalized name ->
    the warehouse's area code of ITC's numeric code (ingest/reference/trade_areas.csv). Each name
    has its own code: a folder table in which two names share one is refused, as is a code the
    reference does not know."""
    out, by_code = {}, {}
    for r in folder_table(__file__, "areas"):
        code = m49_codes().get(str(int(r["itc_code"])))
        if code is None:
            raise ValueError(f"areas.csv: ITC code {r['itc_code']} ({r['name']}) has no row in trade_areas.csv")
        if code in by_code:
            raise ValueError(f"areas.csv: {r['name']!r} and {by_code[code]!r} both map to {code}")
        by_code[code] = r["name"]
        out[normalize_key(r["name"])] = code
    return out


def name_code(name: str) -> str | None:
    """A reporter or partner name of a Trade Map table -> ISO3 or area code: ITC's own areas first
    (areas.csv), then the names every source shares (ingest.trade.area_of_name)."""
    return itc_areas().get(normalize_key(name)) or area_of_name(name)


def _expected() -> str:
    kinds = sorted({" + ".join(c for c in k[:2] if c) + f" with '{k[2]} YYYY' columns" for k in layouts()})
    return "; ".join(kinds)


def names_from_file(file_name: str) -> dict[str, str]:
    """reporter / product as the file name gives them (underscores read as spaces)."""
    return _names(Path(file_name).stem)


def _names(stem: str) -> dict[str, str]:
    for r in folder_table(__file__, "file_names"):
        m = re.match(r["pattern"], stem)
        if m:
            return {k: v.replace("_", " ").strip() for k, v in m.groupdict().items() if v}
    return {}


def product_code(label: str) -> str | None:
    """'All products' -> TOTAL; '261100 Tungsten ores...', '2611' or 'TOTAL All products' -> the
    code (dots dropped: '2611.00' -> '261100'); else the label table."""
    m = LABELLED_CODE.match(label.strip())
    if m:
        return m.group(1).replace(".", "")
    return _products().get(normalize_key(label))


WHOLE_FILE = {
    "reporter": ("--reporter", area_of_name, "ISO3", "whose trade this is", "a known country"),
    "product": ("--hs", product_code, "CODE (an HS code, or TOTAL for all products)", "which product this is",
                "a known HS label"),
}
