import pytest

from ingest.countries import country_name, resolve, valid_iso3


@pytest.mark.parametrize(
    "name, iso3",
    [("China", "CHN"), ("Korea, North", "PRK"), ("Korea, Dem. P.R. of", "PRK"), ("Russia", "RUS"),
     ("Russia ", "RUS"), ("Vietnam", "VNM"), ("Bolivia", "BOL"), ("United\xa0States", "USA"),
     ("Soviet Union", "SUN"), ("Rhodesia", "RHO"), ("Congo, Democratic Republic", "COD"), ("Turkey", "TUR")],
)
def test_countries_resolve(name, iso3):
    m = resolve(name)
    assert (m.iso3, m.is_aggregate) == (iso3, False)


@pytest.mark.parametrize("name, kind", [("World total (rounded)", "world"), ("World total", "world"),
                                        ("Other Countries", "other"), ("Other countries", "other")])
def test_aggregates_get_no_iso(name, kind):
    m = resolve(name)
    assert m.iso3 is None and m.is_aggregate and m.aggregate_kind == kind


def test_unknown_name_is_unresolved():
    m = resolve("Atlantis")
    assert m.iso3 is None and not m.is_aggregate


def test_former_codes_are_valid_and_named():
    assert {"SUN", "CSK", "ZAR", "CHN"} <= valid_iso3()
    assert country_name("VNM") == "Viet Nam" or country_name("VNM") == "Vietnam"
    assert "Czechoslovakia" in country_name("CSK")
