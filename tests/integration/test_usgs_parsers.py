"""Every real USGS file parsed, with exact figures asserted against the publisher's cells;
damaged copies of them refused."""

import polars as pl
import pytest
from helpers import fig
from integration_helpers import USGS

from ingest.errors import ParseError
from ingest.registry import parse_file


def parse_usgs(path, **kw):
    return parse_file("usgs", path, **kw)



def source_line_text(path, line: int) -> str:
    return path.read_bytes().decode("utf-8-sig", errors="replace").splitlines()[line - 1]


def test_mcs2022_world():
    p = parse_usgs(USGS / "mcs2022-tungs_world.csv")
    w = p.frames["world"]
    assert (p.vintage, p.format) == ("MCS2022", "usgs_world_wide")
    china = fig(w, "China", 2021, "mine_production")
    assert china["value_t_w"] == 66000 and china["is_estimate"] and china["country_iso3"] == "CHN"
    world = fig(w, "World total (rounded)", 2020, "mine_production")
    assert world["value"] == 78400 and world["is_aggregate"] and world["country_iso3"] is None
    assert fig(w, "Korea, North", 2020, "mine_production")["country_iso3"] == "PRK"
    assert fig(w, "United States", 2021, "mine_production")["qualifier"] == "zero"
    assert w.height == 24 and w.filter(pl.col("metric") == "reserves").height == 0


def test_mcs2023_world_reserves_and_note_estimates():
    w = parse_usgs(USGS / "mcs2023-tungs_world.csv").frames["world"]
    assert fig(w, "China", 2022, "reserves")["value_t_w"] == 1_800_000
    assert fig(w, "World total (rounded)", 2022, "reserves")["value_t_w"] == 3_800_000
    assert fig(w, "United States", 2022, "reserves")["qualifier"] == "not_available"
    # "Production in 2021 is also estimated." marks the earlier year too.
    assert fig(w, "Austria", 2021, "mine_production")["is_estimate"]
    assert not fig(w, "Bolivia", 2021, "mine_production")["is_estimate"]
    assert fig(w, "Bolivia", 2021, "mine_production")["value"] == 1563


def test_mcs2024_world_with_empty_trailing_columns():
    path = USGS / "mcs2024-tungs_world.csv"
    w = parse_usgs(path).frames["world"]
    aus = fig(w, "Australia", 2023, "reserves")
    assert aus["value_t_w"] == 570_000 and "Joint Ore Reserves Committee" in aus["note"]
    assert fig(w, "China", 2023, "mine_production")["value_t_w"] == 63_000
    assert fig(w, "World total (rounded)", 2023, "reserves")["value_t_w"] == 4_400_000
    line = fig(w, "China", 2023, "mine_production")["source_line"]
    assert source_line_text(path, line).startswith("MCS2024,China,")


def test_mcs2025_world_data_all_commodities():
    path = USGS / "MCS2025_World_Data.csv"
    p = parse_usgs(path)
    w = p.frames["world"]
    assert p.vintage == "MCS2025" and p.encoding == "utf-8"
    china = fig(w, "China", 2024, "mine_production")
    assert china["value_t_w"] == 67_000 and china["is_estimate"] and china["source_column"] == "PROD_EST_ 2024"
    assert fig(w, "World total (rounded)", 2024, "reserves")["value_t_w"] == 4_600_000
    assert fig(w, "Russia", 2024, "reserves")["country_iso3"] == "RUS"  # published as "Russia " with a space
    assert fig(w, "Bolivia", 2024, "reserves")["qualifier"] == "not_available"  # "NA" printed in the notes column
    assert fig(w, "Other Countries", 2024, "mine_production")["aggregate_kind"] == "other"
    assert set(w["source_id"]) == {"usgs_mcs"} and w["source_sha256"].n_unique() == 1
    assert source_line_text(path, china["source_line"]).startswith("MCS2025,Tungsten ,China,")


def test_mcs2026_long_format():
    path = USGS / "MCS2026_Commodities_Data_TUNGSTEN_rows.csv"
    p = parse_usgs(path)
    assert (p.vintage, p.format, p.encoding) == ("MCS2026", "usgs_long", "cp1252")
    w, s = p.frames["world"], p.frames["salient"]
    world_res = fig(w, "World total", 2025, "reserves")
    assert world_res["value_t_w"] == 4_700_000 and world_res["qualifier"] == "greater_than"
    assert world_res["value_published"] == ">4,700,000"
    assert fig(w, "China", 2024, "mine_production")["value_t_w"] == 67_000
    assert fig(w, "Kazakhstan", 2025, "mine_production")["value_t_w"] == 2_400
    assert fig(w, "Kazakhstan", 2024, "mine_production")["qualifier"] == "zero"
    assert fig(w, "World total", 2024, "mine_production")["value_t_w"] == 82_000
    assert fig(s, "United States", 2021, "us_imports_concentrate")["value"] == 1_600
    assert fig(s, "United States", 2021, "us_secondary_production")["qualifier"] == "withheld"
    assert fig(s, "United States", 2023, "us_stockpile_shipments_concentrate")["qualifier"] == "not_available"
    nir = fig(s, "United States", 2025, "us_net_import_reliance")
    assert (nir["value"], nir["qualifier"], nir["unit_code"]) == (50, "greater_than", "pct")
    china_src = fig(s, "China", 2024, "us_import_source_share")
    assert china_src["value"] == 26 and china_src["period"] == "2021-2024"
    price = fig(s, "United States", 2021, "price_concentrate_rotterdam")
    assert price["value"] == 225 and price["unit_code"] == "usd_per_mtu_wo3" and price["value_t_w"] is None


@pytest.mark.parametrize(
    "name, vintage, year, imports_other, price",
    [("mcs2022-tungs_salient.csv", "MCS2022", 2021, 10_000, 270),
     ("mcs2023-tungs_salient.csv", "MCS2023", 2022, 12_000, 270),
     ("mcs2024-tungs_salient.csv", "MCS2024", 2023, 10_000, 260),
     ("mcs2025-tungs_salient.csv", "MCS2025", 2024, 8_900, 250)],
)
def test_salient_files(name, vintage, year, imports_other, price):
    p = parse_usgs(USGS / name)
    s = p.frames["salient"]
    assert (p.vintage, p.format) == (vintage, "usgs_salient_wide")
    assert fig(s, "United States", year, "us_imports_other_forms")["value_t_w"] == imports_other
    assert fig(s, "United States", year, "price_concentrate_rotterdam")["value"] == price
    assert fig(s, "United States", year, "us_net_import_reliance")["qualifier"] == "greater_than"
    assert fig(s, "United States", year, "us_consumption_apparent")["qualifier"] == "withheld"
    assert s["year"].n_unique() == 5 and s.height == 65


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_text_in_a_value_column_names_line_and_field(tmp_path):
    text = (USGS / "mcs2023-tungs_world.csv").read_text(encoding="utf-8-sig").replace("71000,71000", "71000,lots")
    p = write(tmp_path, "mcs2023-tungs_world.csv", text)
    with pytest.raises(ParseError) as exc:
        parse_usgs(p)
    assert exc.value.line == 5 and exc.value.field == "Prod_t_est_2022" and "lots" in exc.value.reason


def test_truncated_file_is_refused(tmp_path):
    data = (USGS / "MCS2026_Commodities_Data_TUNGSTEN_rows.csv").read_bytes()
    cut = data[: data.index(b"Includes ammonium") + 10]  # inside a quoted field
    p = tmp_path / "MCS2026_truncated.csv"
    p.write_bytes(cut)
    with pytest.raises(ParseError):
        parse_usgs(p)


def test_unknown_statistic_in_long_format_is_refused(tmp_path):
    data = (USGS / "MCS2026_Commodities_Data_TUNGSTEN_rows.csv").read_bytes().replace(b"Production: Secondary", b"Production: Lunar", 1)
    p = tmp_path / "MCS2026_x.csv"
    p.write_bytes(data)
    with pytest.raises(ParseError, match="Production: Lunar"):
        parse_usgs(p)


def test_long_format_without_edition_in_name_needs_vintage(tmp_path):
    data = (USGS / "MCS2026_Commodities_Data_TUNGSTEN_rows.csv").read_bytes()
    p = tmp_path / "commodities.csv"
    p.write_bytes(data)
    with pytest.raises(ParseError, match="--vintage"):
        parse_usgs(p)
    assert parse_usgs(p, vintage="MCS2026").vintage == "MCS2026"


def test_row_cut_short_is_refused(tmp_path):
    text = (USGS / "MCS2025_World_Data.csv").read_text(encoding="utf-8-sig")
    cut = text[: text.index("Tungsten ,World total (rounded)")] + 'Tungsten ,World total (rounded),"Mine production, tungsten content",metric tons,79500,81\r\n'
    p = write(tmp_path, "MCS2025_World_Data.csv", cut)
    with pytest.raises(ParseError, match="cut short") as exc:
        parse_usgs(p)
    assert exc.value.line == 1185


def test_other_commodities_in_all_commodity_files_are_ignored(tmp_path):
    long_text = (USGS / "MCS2026_Commodities_Data_TUNGSTEN_rows.csv").read_bytes().decode("cp1252")
    extra = 'ZINC,World Mine Production and Reserves,Zinc,China,Production,Smelter production,metric tons,2025,"6,900,000",,Yes,\n'
    p = tmp_path / "MCS2026_Commodities_Data.csv"
    p.write_bytes((long_text + extra).encode("cp1252"))
    frames = parse_usgs(p).frames
    # 70 salient statistics and USGS's critical-mineral flag for tungsten (the ZINC row's own flag is not read)
    assert frames["world"].height == 42 and frames["salient"].height == 71
    flag = frames["salient"].filter(pl.col("metric") == "us_critical_mineral_listed")
    assert flag["value"].to_list() == [1.0] and flag["value_published"].to_list() == ["Yes"] and flag["year"].to_list() == [2025]


def test_semicolon_resave_reads_the_same(tmp_path):
    """A European-locale spreadsheet re-save: semicolons, cp1252, no BOM."""
    import csv
    import io

    src = (USGS / "mcs2023-tungs_world.csv").read_text(encoding="utf-8-sig")
    buf = io.StringIO()
    csv.writer(buf, delimiter=";").writerows(csv.reader(io.StringIO(src)))
    p = tmp_path / "mcs2023-tungs_world.csv"
    p.write_bytes(buf.getvalue().encode("cp1252"))
    resaved = parse_usgs(p).frames["world"].drop("source_sha256", "source_file")
    original = parse_usgs(USGS / "mcs2023-tungs_world.csv").frames["world"].drop("source_sha256", "source_file")
    assert resaved.equals(original)


def test_snapshot_mcs2026_is_the_whole_usgs_file():
    """The snapshot's MCS2026 comes from USGS's own all-commodity file (not the tungsten-rows
    extract): its name, its sha256, and line numbers of that file."""
    import csv
    import hashlib
    import io

    from ingest.snapshot import load_manifest

    whole = USGS / "MCS2026_Commodities_Data.csv"
    data = whole.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    entries = [s for s in load_manifest(sources={"usgs_mcs"}) if s.vintage == "MCS2026"]
    assert {s.dataset for s in entries} == {"world", "salient"}
    for s in entries:
        assert (s.original["file_name"], s.original["sha256"]) == ("MCS2026_Commodities_Data.csv", sha)
    # China's 2024 mine production, located in the USGS file itself (first physical line of the record)
    reader = csv.DictReader(io.StringIO(data.decode("cp1252"), newline=""))
    prev_end, lines = 1, []
    for r in reader:
        if (r["MCS chapter"].strip().upper() == "TUNGSTEN" and r["Country"].strip() == "China"
                and r["Statistics_detail"].strip() == "Mine production" and r["Year"].strip() == "2024"):
            lines.append(prev_end + 1)
        prev_end = reader.line_num
    assert len(lines) == 1
    world = next(s for s in entries if s.dataset == "world").read()
    china = fig(world, "China", 2024, "mine_production")
    assert china["source_file"] == "MCS2026_Commodities_Data.csv" and china["source_sha256"] == sha
    assert china["source_line"] == lines[0]


def test_mcs2026_figures_trace_to_the_whole_usgs_file():
    """The embedded snapshot's MCS2026 rows name the USGS data release file itself (its sha256
    and line numbers), not a third party's extract of it."""
    import csv
    import hashlib

    import polars as pl
    from integration_helpers import REAL

    from warehouse.paths import PROJECT_ROOT

    usgs = REAL / "usgs" / "MCS2026_Commodities_Data.csv"
    data = usgs.read_bytes()
    lines = data.decode("cp1252").splitlines()
    china_2024 = next(i + 1 for i, line in enumerate(lines)
                      if next(csv.reader([line]))[:9] == ["TUNGSTEN", "World Mine Production and Reserves", "Tungsten", "China",
                                                          "Production", "Mine production", "metric tons", "2024", "67,000"])
    snap = pl.read_csv(PROJECT_ROOT / "data" / "snapshot" / "usgs_mcs" / "MCS2026.world.csv", infer_schema_length=0)
    row = snap.filter((pl.col("country_iso3") == "CHN") & (pl.col("year") == "2024") & (pl.col("metric") == "mine_production"))
    assert row["source_sha256"].to_list() == [hashlib.sha256(data).hexdigest()]
    assert row["source_line"].to_list() == [str(china_2024)]
    assert row["source_file"].to_list() == ["MCS2026_Commodities_Data.csv"]
