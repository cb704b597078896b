"""Every price unit conversion of dbt/seeds/price_unit_factors.csv held against the stoichiometry,
computed here from the atomic masses (1 mtu = 10 kg WO3; W / WO3 = 183.84 / (183.84 + 3 x 15.999))."""

import csv

import pytest
from helpers import PROJECT

MASS_W, MASS_O = 183.84, 15.999  # standard atomic weights (IUPAC), g/mol
W_IN_WO3 = MASS_W / (MASS_W + 3 * MASS_O)  # mass fraction of W in WO3
KG_WO3_PER_MTU = 10.0
KG_W_PER_MTU = KG_WO3_PER_MTU * W_IN_WO3

# from_unit -> to_unit -> factor, derived independently of the seed
EXPECTED = {
    ("per_mtu_wo3", "per_mtu_wo3"): 1.0,
    ("per_dmtu_wo3", "per_mtu_wo3"): 1.0,                  # a dry mtu holds the same 10 kg WO3
    ("per_t_wo3", "per_mtu_wo3"): KG_WO3_PER_MTU / 1000,   # a tonne of WO3 is 100 mtu
    ("per_kg_w", "per_mtu_wo3"): KG_W_PER_MTU,             # an mtu holds 7.93 kg W
    ("per_mtu_wo3", "per_t_wo3"): 1000 / KG_WO3_PER_MTU,
    ("per_mtu_wo3", "per_kg_w"): 1 / KG_W_PER_MTU,
    # per tonne / kg of product at g % WO3 (the seed's factor x 100 / g): at 100 % it is the WO3 price
    ("per_t", "per_mtu_wo3"): KG_WO3_PER_MTU / 1000,
    ("per_kg", "per_mtu_wo3"): KG_WO3_PER_MTU,
}


def seed() -> dict[tuple[str, str], dict]:
    with open(PROJECT / "dbt" / "seeds" / "price_unit_factors.csv", newline="", encoding="utf-8") as fh:
        return {(r["from_unit"], r["to_unit"]): r for r in csv.DictReader(fh)}


def test_every_factor_matches_the_stoichiometry():
    rows = seed()
    assert set(rows) == set(EXPECTED)
    for key, factor in EXPECTED.items():
        assert float(rows[key]["factor"]) == pytest.approx(factor, rel=1e-10), key
    assert {k for k, r in rows.items() if r["per_wo3_grade"] == "true"} == {("per_t", "per_mtu_wo3"), ("per_kg", "per_mtu_wo3")}


def test_round_trips_and_a_concentrate_price():
    rows = {k: float(r["factor"]) for k, r in seed().items()}
    assert rows[("per_kg_w", "per_mtu_wo3")] * rows[("per_mtu_wo3", "per_kg_w")] == pytest.approx(1, rel=1e-7)
    assert rows[("per_t_wo3", "per_mtu_wo3")] * rows[("per_mtu_wo3", "per_t_wo3")] == pytest.approx(1)
    # a tonne of 65 % WO3 concentrate at 143,500 a tonne: 65 mtu, so 143,500 / 65 per mtu
    assert 143_500 * rows[("per_t", "per_mtu_wo3")] * 100 / 65 == pytest.approx(143_500 / 65)
    # US$400/mtu WO3 APT is about US$50.44 per kg of contained W
    assert 400 * rows[("per_mtu_wo3", "per_kg_w")] == pytest.approx(400 / (10 * 183.84 / 231.837), rel=1e-7)


def test_the_seed_agrees_with_the_tonnage_factors():
    from ingest.units import factors

    rows = {k: float(r["factor"]) for k, r in seed().items()}
    assert rows[("per_kg_w", "per_mtu_wo3")] == pytest.approx(factors()["mtu_wo3"] * 1000, rel=1e-6)
