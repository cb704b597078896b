import pytest

from ingest.units import (
    concentrate_factor,
    factors,
    stoichiometric_w_fraction,
    to_t_w,
    usd_per_mtu_wo3_to_usd_per_t_w,
)


def test_factors_match_stoichiometry():
    f = factors()
    assert f["t_wo3"] == pytest.approx(stoichiometric_w_fraction("WO3"), abs=1e-6)
    assert f["t_wc"] == pytest.approx(stoichiometric_w_fraction("WC"), abs=1e-6)
    assert f["t_apt"] == pytest.approx(stoichiometric_w_fraction("APT"), abs=1e-6)
    assert f["mtu_wo3"] == pytest.approx(stoichiometric_w_fraction("WO3") / 100, abs=1e-8)
    assert f["t_conc_65_wo3"] == pytest.approx(0.65 * stoichiometric_w_fraction("WO3"), abs=1e-6)


def test_apt_is_88_81_percent_wo3():
    # (NH4)10[H2W12O42]·4H2O: 12 WO3 per formula unit.
    wo3_fraction = stoichiometric_w_fraction("APT") / stoichiometric_w_fraction("WO3")
    assert wo3_fraction == pytest.approx(0.8881, abs=1e-4)


def test_conversions():
    assert to_t_w(2_000_000, "t_wo3") == pytest.approx(1_585_942, rel=1e-6)  # "2 Mt WO3 is 1.586 Mt W"
    assert 12_000 * concentrate_factor(65) == pytest.approx(6185, abs=1)
    assert to_t_w(1000, "t_w") == 1000
    assert to_t_w(1, "short_ton_w") == pytest.approx(0.907185)
    assert usd_per_mtu_wo3_to_usd_per_t_w(1) == pytest.approx(126.108, abs=1e-3)


def test_unknown_basis_is_never_converted():
    assert to_t_w(410_000, "unknown") is None
    assert to_t_w(None, "t_w") is None
    assert to_t_w(250, "usd_per_mtu_wo3") is None
    with pytest.raises(KeyError):
        to_t_w(1, "kt_of_something")
    with pytest.raises(ValueError):
        concentrate_factor(0)
