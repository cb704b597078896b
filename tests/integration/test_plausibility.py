"""Plausibility across sources and years: a plausible-looking wrong value in a real BGS file
(China 2023 written "66.000", or 66 t) is refused, not published as China's 0.4 % share; so are a
five-digit year, the header again mid-file and the Soviet Union beside Russia in 1971. A user
who knows a figure is right loads it with --accept-outliers."""

import os
import subprocess
import sys

import pytest
from integration_helpers import BGS, query

from ingest.errors import ParseError
from ingest.registry import parse_file

pytestmark = pytest.mark.slow

CHINA_2023 = ",66000,Mine production of tungsten,976,66000,"


def _bgs(tmp_path, old: str, new: str, *, count: int = 1):
    text = (BGS / "BGS_tungsten_production.csv").read_text()
    assert old in text
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text(text.replace(old, new, count))
    return path


def _refused(path, words: str, line: int | None = None) -> ParseError:
    with pytest.raises(ParseError) as info:
        parse_file("bgs", path)
    assert info.value.file == path.name and words in str(info.value), str(info.value)
    if line is not None:
        assert info.value.line == line
    return info.value


def test_a_dot_between_thousands_in_a_file_of_plain_figures_is_refused(tmp_path):
    exc = _refused(_bgs(tmp_path, CHINA_2023, ",66.000,Mine production of tungsten,976,66000,"), "'66.000' could be 66,000",
                   line=1285)
    assert exc.field == "quantity"


def test_a_five_digit_year_is_refused_not_cut(tmp_path):
    _refused(_bgs(tmp_path, "tonnes (metal content),2023-01-01 00:00:00", "tonnes (metal content),20233-01-01 00:00:00"),
             "is not a date", line=1279)  # the first 2023 row


def test_the_header_again_mid_file_is_refused(tmp_path):
    lines = (BGS / "BGS_tungsten_production.csv").read_text().splitlines(keepends=True)
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text("".join(lines[:500] + [lines[0]] + lines[500:]))
    _refused(path, "the header line again", line=501)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=900)


CHINA = ("SELECT value FROM raw.figures WHERE source_id = 'bgs_wms' AND country_iso3 = 'CHN' AND year = 2023 "
         "AND metric = 'mine_production'")


def test_a_figure_far_from_the_year_before_and_other_sources_is_refused_unless_accepted(warehouse, tmp_path):
    path = _bgs(tmp_path, CHINA_2023, ",66,Mine production of tungsten,976,66,")
    r = _cli("ingest", "bgs", str(path), "--no-publish")
    assert r.returncode == 1, r.stdout + r.stderr
    said = " ".join(r.stderr.split())
    assert "implausible figures: China 2023: 66 t (line 1285) against" in said, said
    assert "against 65,620 t in the year before in this file" in said, said
    assert "against 66,000 t in another source (usgs_mcs MCS2025)" in said and "--accept-outliers" in said, said
    assert query(warehouse.build, CHINA) == [(66000.0,)]

    r = _cli("ingest", "bgs", str(path), "--no-publish", "--accept-outliers")
    assert r.returncode == 0, r.stdout + r.stderr
    assert query(warehouse.build, CHINA) == [(66.0,)]


def test_a_successor_state_beside_its_predecessor_is_refused(warehouse, tmp_path):
    ussr_1971 = next(line for line in (BGS / "BGS_tungsten_production.csv").read_text().splitlines()
                     if ",Soviet Union," in line and "1971-01-01" in line)
    russia = ussr_1971.replace(",Soviet Union,", ",Russia,").replace(",SU,", ",RU,").replace(",SUN,", ",RUS,")
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text((BGS / "BGS_tungsten_production.csv").read_text().rstrip("\n") + "\n" + russia + "\n")
    r = _cli("ingest", "bgs", str(path), "--no-publish")
    assert r.returncode == 1, r.stdout + r.stderr
    said = " ".join(r.stderr.split())
    assert "Russia 1971" in said and "in the same year as Soviet Union, which it was part of until 1991" in said, said
