import csv
import json

import polars as pl
import pytest
from integration_helpers import BGS

from ingest.errors import ParseError
from ingest.registry import parse_file

FILE = BGS / "BGS_tungsten_production.csv"


def parse_bgs(path, **kw):
    return parse_file("bgs", path, **kw)


def test_real_bgs_file():
    p = parse_bgs(FILE)
    f = p.frames["production"]
    assert (p.vintage, p.format, f.height) == ("BGS2023", "bgs_csv", 1301)
    assert (f["year"].min(), f["year"].max()) == (1971, 2023)
    china = f.filter((pl.col("country_iso3") == "CHN") & (pl.col("year") == 2023)).row(0, named=True)
    assert china["value_t_w"] == 66_000 and china["is_estimate"]
    assert f.filter((pl.col("country_iso3") == "AUT") & (pl.col("year") == 1971))["value"].item() == 59
    assert f.filter(pl.col("country_published") == "Rhodesia")["country_iso3"].unique().to_list() == ["RHO"]
    assert f.filter(pl.col("country_published") == "Soviet Union")["country_iso3"].unique().to_list() == ["SUN"]
    assert f.filter(pl.col("qualifier") == "zero").height == 66
    assert f["country_iso3"].null_count() == 0
    assert f.filter(pl.col("year") == 2023)["value_t_w"].sum() == 82_338


def test_bgs_geojson_export(tmp_path):
    """The same OGC API served as GeoJSON: a FeatureCollection whose properties are the CSV columns."""
    with open(FILE, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))[:40]
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "geometry": None, "properties": r} for r in rows]}
    p = tmp_path / "bgs.geojson"
    p.write_text(json.dumps(doc))
    parsed = parse_bgs(p)
    assert parsed.format == "bgs_geojson" and parsed.frames["production"].height == 40


def test_bgs_iso_disagreeing_with_name_is_refused(tmp_path):
    text = FILE.read_text(encoding="utf-8-sig").replace(",AT,Tungsten,Normal value,AUT,", ",AT,Tungsten,Normal value,DEU,", 1)
    p = tmp_path / "bgs.csv"
    p.write_text(text)
    with pytest.raises(ParseError, match="country_iso3_code"):
        parse_bgs(p)


@pytest.mark.parametrize("year, reason", [("2099", "after this year"), ("2024", "a stray row would make a new edition")])
def test_one_row_cannot_make_a_new_bgs_edition(tmp_path, year, reason):
    """One row dated in the future, or one row of a year after the release's last, is refused
    naming its line, instead of turning the file into edition BGS2099 or BGS2024."""
    text = (BGS / "BGS_tungsten_production.csv").read_text()
    stray = text.splitlines(keepends=True)[1].replace("1971-01-01", f"{year}-01-01")
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text(text + stray)
    with pytest.raises(ParseError, match=reason) as info:
        parse_file("bgs", path)
    assert info.value.line == len(text.splitlines()) + 1
    assert parse_file("bgs", BGS / "BGS_tungsten_production.csv").vintage == "BGS2023"


def test_a_country_name_that_resolves_to_nothing_is_not_taken_on_the_file_code(tmp_path):
    """A row naming an unknown country with China's code is refused (name and code cannot be
    checked against each other), as a known name with another country's code is."""
    text = (BGS / "BGS_tungsten_production.csv").read_text()
    lines = text.splitlines(keepends=True)
    for row, reason in [(lines[1].replace(",Austria,", ",Atlantis,").replace(",AUT,", ",CHN,"), "unknown country name 'Atlantis'"),
                        (lines[1].replace(",AUT,", ",CHN,"), "resolves to AUT but the file says CHN")]:
        path = tmp_path / "BGS_tungsten_production.csv"
        path.write_text(lines[0] + row + "".join(lines[2:]))
        with pytest.raises(ParseError, match=reason):
            parse_file("bgs", path)
