"""Country names as publishers spell them -> ISO 3166 alpha-3, or an aggregate marker.

pycountry does the lookup; reference/country_aliases.csv holds the publisher spellings it
does not know; reference/aggregates.csv the rows that are not countries ("World total
(rounded)", "Other countries"), which never get an ISO code. Former countries (USSR,
Czechoslovakia, Zaire) resolve to their ISO 3166-3 codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pycountry

from ingest.reference import normalize_key, table


@dataclass(frozen=True)
class CountryMatch:
    iso3: str | None
    is_aggregate: bool
    aggregate_kind: str | None  # 'world' or 'other' for aggregates


@cache
def _aliases() -> dict[str, str]:
    return {normalize_key(r["name"]): r["iso3"] for r in table("country_aliases")}


@cache
def _aggregates() -> dict[str, str]:
    return {normalize_key(r["name"]): r["aggregate_kind"] for r in table("aggregates")}


@cache
def valid_iso3() -> frozenset[str]:
    """Current ISO 3166-1 alpha-3 codes plus the former ones of ISO 3166-3."""
    current = {c.alpha_3 for c in pycountry.countries}
    former = {c.alpha_3 for c in pycountry.historic_countries}
    return frozenset(current | former)


@cache
def country_name(iso3: str) -> str | None:
    """A readable name for an ISO3 code (common name where pycountry has one)."""
    c = pycountry.countries.get(alpha_3=iso3)
    if c is None:
        c = pycountry.historic_countries.get(alpha_3=iso3)
    if c is None:
        return None
    return getattr(c, "common_name", None) or c.name


@cache
def resolve(name: str) -> CountryMatch:
    """Resolve a published country name; iso3 None and not aggregate means unknown."""
    key = normalize_key(name)
    if key in _aggregates():
        return CountryMatch(None, True, _aggregates()[key])
    if key in _aliases():
        return CountryMatch(_aliases()[key], False, None)
    try:
        return CountryMatch(pycountry.countries.lookup(" ".join(name.split())).alpha_3, False, None)
    except LookupError:
        return CountryMatch(None, False, None)
