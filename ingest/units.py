"""Unit and basis conversions to the warehouse's one canonical unit, tonnes of W (t W).

Factors are data (reference/unit_factors.csv); the stoichiometric derivation below exists
so tests can prove the data right. A unit whose basis is unknown has no factor and is
never converted.
"""

from __future__ import annotations

from functools import cache

from ingest.reference import table

ATOMIC_MASS = {"W": 183.84, "O": 15.999, "N": 14.007, "H": 1.008, "C": 12.011}


def stoichiometric_w_fraction(compound: str) -> float:
    """Mass fraction of W in WO3, WC or APT ((NH4)10[H2W12O42]·4H2O), from atomic masses."""
    m = ATOMIC_MASS
    if compound == "WO3":
        return m["W"] / (m["W"] + 3 * m["O"])
    if compound == "WC":
        return m["W"] / (m["W"] + m["C"])
    if compound == "APT":
        # (NH4)10 H2 W12 O42 . 4 H2O  ->  N10 H50 W12 O46
        total = 10 * m["N"] + 50 * m["H"] + 12 * m["W"] + 46 * m["O"]
        return 12 * m["W"] / total
    raise KeyError(compound)


@cache
def factors() -> dict[str, float | None]:
    """unit_code -> multiplier to t W (None where the unit is not a tonnage or unknown)."""
    return {r["unit_code"]: (float(r["to_t_w"]) if r["to_t_w"] else None) for r in table("unit_factors")}


def known_units() -> frozenset[str]:
    return frozenset(factors())


def concentrate_factor(grade_pct_wo3: float) -> float:
    """t concentrate at a given % WO3 -> t W."""
    if not 0 < grade_pct_wo3 <= 100:
        raise ValueError(f"concentrate grade must be in (0, 100] % WO3, got {grade_pct_wo3}")
    return grade_pct_wo3 / 100 * factors()["t_wo3"]


def to_t_w(value: float | None, unit_code: str) -> float | None:
    """Convert a tonnage to t W; None for non-tonnages, unknown bases and missing values."""
    if unit_code not in factors():
        raise KeyError(f"unknown unit code {unit_code!r}; known: {sorted(factors())}")
    factor = factors()[unit_code]
    if value is None or factor is None:
        return None
    return value * factor


def usd_per_mtu_wo3_to_usd_per_t_w(price: float) -> float:
    """US$/mtu WO3 -> US$/t W (x 100 / 0.792971)."""
    return price * 100 / factors()["t_wo3"]
