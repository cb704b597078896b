"""Does a curated figure stand on its own quoted words? The figure's `as_published` (the
characters of the quote that state it, e.g. "US$1.1Bn", "2,300 tonnes") must be inside the
quote, its number times its scale word must be the figure's value, and its unit words must
fit the figure's unit (unit_words.csv). Used by the load audit and by the tests."""

from __future__ import annotations

import re
from functools import cache

from ingest.sources import folder_table

# a number with its thousands grouped by comma, space or (German, Spanish...) dot, or plain; then
# an optional scale word after a space or hyphen ("$93-million")
NUMBER = re.compile(r"(\d{1,3}(?:(?:,|\s|\u00a0|\u202f|\.)\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?)[\s-]*([A-Za-z]+|万|萬)?")
# scale words after a number ("2.3 million", "US$1.1Bn", "7.9Mt", "410kt"). Case matters:
# "Mt" is a million tonnes, "mt" a metric tonne.
SCALES = {"thousand": 1e3, "k": 1e3, "kt": 1e3, "ktpa": 1e3, "ktpy": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "M": 1e6,
          "Mt": 1e6, "Mtpa": 1e6, "Mtpy": 1e6, "billion": 1e9, "bn": 1e9, "Bn": 1e9, "B": 1e9, "b": 1e9,
          "万": 1e4, "萬": 1e4}  # Chinese wan: ten thousand ("9.13萬噸", "28.75万元/吨")
# what may stand between the two numbers of a range that share the second's scale word
# ("12.1-12.4万", "$1.1 to 1.2 billion"); the hyphen itself is taken by NUMBER
RANGE_JOIN = re.compile(r"^\s*(?:[–~至到]|to)?\s*$")
# a table's column header with its unit in brackets, as a figure's location names it
# ("column 开采总量(万吨)"): a bare table cell states its figure in the header's unit
HEADER_UNIT = re.compile(r"[(（]([^()（）]{1,20})[)）]")
HEADER_SCALES = {"万": 1e4, "萬": 1e4, "'000": 1e3, "000": 1e3, "thousand": 1e3, "million": 1e6}


def stated_numbers(as_published: str) -> set[float]:
    """The values the words can state, scaled ("US$1.1Bn" -> 1.1e9). A number grouped by dots or
    spaces ("1.500 Tonnen", "800 000 t") reads as thousands, and a single dot group also as a
    decimal, so both readings are returned; empty without a number."""
    m = NUMBER.search(as_published or "")
    return _readings(m) if m else set()


def every_stated_number(as_published: str) -> set[float]:
    """The values every number of the words can state ("US$340-350/mtu" -> 340 and 350); the
    first number of a range also at the second's scale ("12.1-12.4万" -> 121,000 and 124,000)."""
    text = as_published or ""
    matches = list(NUMBER.finditer(text))
    out: set[float] = set()
    for i, m in enumerate(matches):
        out |= _readings(m)
        following = matches[i + 1] if i + 1 < len(matches) else None
        if (following is not None and not m.group(2) and following.group(2)
                and RANGE_JOIN.match(text[m.end():following.start()])):
            out |= _readings(m, following.group(2))
    return out


def _scale(word: str) -> float:
    return SCALES.get(word, SCALES.get(word.lower(), 1.0) if word.lower() in ("million", "billion", "thousand") else 1.0)


def _readings(m: re.Match, word: str | None = None) -> set[float]:
    text, word = m.group(1), word or m.group(2) or ""
    scale = _scale(word)
    readings = {float(re.sub(r"[,\s\u00a0\u202f.]", "", text) if re.search(r"[\s\u00a0\u202f]|\.\d{3}(?!\d)", text)
                      and not re.search(r",", text) else text.replace(",", ""))}
    if re.fullmatch(r"\d{1,3}\.\d{3}", text):
        readings.add(float(text))
    return {r * scale for r in readings}


def stated_number(as_published: str) -> float | None:
    """The number the words state, scaled; the thousands reading where two are possible."""
    values = stated_numbers(as_published)
    return max(values) if values else None


@cache
def _unit_patterns() -> dict[str, re.Pattern]:
    return {r["unit"]: re.compile(r["pattern"]) for r in folder_table(__file__, "unit_words")}


def states_unit(as_published: str, unit: str) -> bool:
    """The words name the figure's unit (tonnes for t, US$ for usd...); unknown units never fit."""
    pattern = _unit_patterns().get(unit)
    return bool(pattern and pattern.search(as_published or ""))


def stands_on_quote(value: float | None, unit: str | None, as_published: str | None, quote: str | None) -> bool:
    """as_published is in the quote and states this value in this unit (to 1e-9 relative)."""
    if value is None or not as_published or not quote or as_published not in quote:
        return False
    if not _is_stated(value, stated_numbers(as_published)):
        return False
    return states_unit(as_published, unit or "")


def _is_stated(value: float, numbers: set[float]) -> bool:
    return any(abs(n - value) <= 1e-9 * max(abs(value), 1.0) for n in numbers)


def range_stands_on_quote(low: float | None, high: float | None, unit: str | None, as_published: str | None,
                          quote: str | None) -> bool:
    """A published range (or one figure: low = high) stands on its words: as_published is in
    the quote, states both ends among its numbers and names the unit (a price's currency)."""
    if low is None or high is None or not as_published or not quote or as_published not in quote:
        return False
    numbers = every_stated_number(as_published)
    return _is_stated(low, numbers) and _is_stated(high, numbers) and states_unit(as_published, unit or "")


def cell_stands_on_header(value: float | None, unit: str | None, as_published: str | None, quote: str | None,
                          location: str | None) -> bool:
    """A table cell that states a figure in its column header's unit: as_published is the bare
    number, inside the quote (the table's row), and the location names the header with its unit
    in brackets ("column 开采总量(万吨)": ten-thousand tonnes); the number times the header's
    scale is the value and the header's words name the unit."""
    if value is None or not as_published or not quote or as_published not in quote:
        return False
    m = NUMBER.fullmatch(as_published.strip())
    if not m or m.group(2):
        return False
    for header in HEADER_UNIT.findall(location or ""):
        scale = HEADER_SCALES.get(next((k for k in HEADER_SCALES if header.startswith(k)), ""), 1.0)
        if states_unit(header, unit or "") and _is_stated(value, {n * scale for n in _readings(m)}):
            return True
    return False


STAKE_WORDS = re.compile(r"(?i)\b(fully|wholly|100\s*%)[\s-]*owned|\bowns\s+100|\b100\s*(%|per\s?cent)")


def states_stake(stake_pct: float | None, quote: str | None) -> bool:
    """A stated stake appears in its quote: "70%", "30-percent", "30 per cent", or for 100%
    "fully owned" / "wholly-owned"; an unstated stake (None) needs nothing."""
    if stake_pct is None:
        return True
    if re.search(rf"(?<![\d.]){stake_pct:g}[\s-]*(%|per\s?cent|percent)", quote or ""):
        return True
    return stake_pct == 100 and bool(STAKE_WORDS.search(quote or ""))


@cache
def _basis_patterns() -> dict[str, re.Pattern]:
    return {r["basis"]: re.compile(r["pattern"]) for r in folder_table(__file__, "basis_words")}


def basis_is_stated(basis: str | None, *texts: str | None) -> bool:
    """Do the page's words state the basis a tonnage is entered on (basis_words.csv)? "7,500tpy W"
    and "2,900 tonnes of WO3" do; "410kt of tungsten reserves" states no basis, so it is entered
    as `unknown` and never converted to t W. A basis outside the table (unknown, not_applicable)
    is never a stated one."""
    pattern = _basis_patterns().get(basis or "")
    return bool(pattern) and any(pattern.search(t or "") for t in texts)
