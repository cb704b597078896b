"""The market family on the session's build (the curated rows of data/curated/ as they stand):
`tungsten sql` answers the questions of issue 25 from the serving file, each mart rests on
every curated row it should and sums right, every figure stands on its quote; a broken file is
refused whole naming the row and the rule, the served data unchanged. The marts' exact logic
(selection, batch and total rows, conversions, the HS-code bridge) on SYNTHETIC rows
(tests/market_fixture.py) in the slow test at the end."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import warehouse_env
from market_fixture import write_market_fixture

from ingest.sources.curated.quoted import cell_stands_on_header, range_stands_on_quote, stands_on_quote


def tungsten_sql(root: Path, query: str) -> list[dict]:
    """The rows `tungsten sql QUERY --format csv` prints, run as a user runs it."""
    tungsten = Path(sys.executable).with_name("tungsten")
    res = subprocess.run([str(tungsten), "sql", query, "--format", "csv"], env={**os.environ, **warehouse_env(root)},
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return list(csv.DictReader(io.StringIO(res.stdout)))


def selected_first(rows: list[dict], key) -> dict:
    """The curated figure a mart selects for each key: the curator's selected one, else the
    earliest published (data/curated/README.md)."""
    def order(r):
        note = (r["note"] or "").lower()
        choice = 0 if note.startswith("selected") else 2 if note.startswith(("not selected", "alternative")) else 1
        return choice, r["date_published"], r[next(iter(r))]
    out: dict = {}
    for r in sorted(rows, key=order):
        out.setdefault(key(r), r)
    return out


def rows_of(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


APT_EUROPE_2025 = """
SELECT strftime(period_start_date, '%Y-%m') AS month, series_id, period_start_date, period_end_date, price_low,
       price_high, currency, unit, selected_observation_id, cited_source_id, source_url, date_published
FROM marts.price_history
WHERE series_kind = 'curated_assessment' AND product_family = 'apt' AND market IN ('Rotterdam', 'Europe')
  AND year(period_start_date) = 2025
ORDER BY month, series_id, period_start_date"""


def test_sql_answers_apt_europe_by_month_of_2025_with_its_page(built_warehouse, serving_con):
    answer = tungsten_sql(built_warehouse, APT_EUROPE_2025)
    raw = rows_of(serving_con, """SELECT p.*, a.product_family, a.market FROM raw.prices p JOIN raw.price_assessments a
                                  USING (assessment_id)""")
    held = [r for r in raw if r["product_family"] == "apt" and r["market"] in ("Rotterdam", "Europe")
            and r["period_start_date"].startswith("2025")]
    assert {r["month"] for r in answer} == {r["period_start_date"][:7] for r in held}
    chosen = selected_first(held, lambda r: (r["assessment_id"], r["period_start_date"], r["period_end_date"]))
    assert len(answer) == len(chosen)
    for row in answer:
        obs = chosen[(row["series_id"], row["period_start_date"], row["period_end_date"])]
        assert row["selected_observation_id"] == obs["observation_id"]
        assert (float(row["price_low"]), float(row["price_high"])) == (obs["price_low"], obs["price_high"])
        assert row["cited_source_id"] == obs["source_id"] and row["currency"] == "USD"


def test_sql_answers_the_2024_and_2025_quota_by_batch(built_warehouse, serving_con):
    answer = tungsten_sql(built_warehouse, """
        SELECT year, batch, batch_quota_t, year_total_t, total_basis, cited_source_id, quote
        FROM marts.china_mining_quota WHERE year IN (2024, 2025) ORDER BY year, batch""")
    national = [r for r in rows_of(serving_con, "SELECT * FROM raw.china_quotas WHERE province IS NULL")
                if r["year"] in (2024, 2025)]
    chosen = selected_first(national, lambda r: (r["year"], r["batch"]))
    for (year, batch), fig in chosen.items():
        row = next(a for a in answer if (int(a["year"]), a["batch"]) == (year, batch))
        column = "year_total_t" if batch == "total" else "batch_quota_t"
        assert float(row[column]) == fig["quota_t"] and row["quote"] == fig["quote"], (year, batch)
        assert row["cited_source_id"] == fig["source_id"]
    # one total row a year, published or summed from the batches held
    for year in {r["year"] for r in national}:
        totals = [a for a in answer if int(a["year"]) == year and a["batch"] == "total"]
        assert len(totals) == 1
        if (year, "total") not in chosen:
            batches = [f["quota_t"] for (y, b), f in chosen.items() if y == year and b != "total"]
            assert totals[0]["total_basis"] == "sum_of_batches" and float(totals[0]["year_total_t"]) == sum(batches)


def test_sql_answers_the_codes_of_the_february_2025_export_controls_and_their_trade(built_warehouse, serving_con):
    answer = tungsten_sql(built_warehouse, """
        SELECT e.event_id, c.hs_code, c.hs_description, t.year, sum(t.value_usd) AS china_exports_usd
        FROM marts.policy_events e
        JOIN marts.policy_event_codes c USING (event_id)
        LEFT JOIN marts.trade_flows t ON t.hs_code = c.hs_code AND t.source_id = 'cepii_baci'
             AND t.reporter_iso3 = 'CHN' AND t.flow = 'export'
        WHERE e.jurisdiction = 'CHN' AND e.measure_type = 'export_control' AND e.date_effective LIKE '2025-02%'
        GROUP BY ALL ORDER BY c.hs_code, t.year""")
    events = rows_of(serving_con, """SELECT event_id, hs_codes FROM raw.policy_events WHERE jurisdiction = 'CHN'
                                     AND measure_type = 'export_control' AND date_effective LIKE '2025-02%'""")
    if not events:
        pytest.skip("no February 2025 export control is curated yet")
    listed = {c.strip() for e in events for c in (e["hs_codes"] or "").split(";") if len(c.strip()) == 6}
    assert listed and listed <= {a["hs_code"] for a in answer}
    exports = dict(serving_con.execute("""SELECT hs_code || '/' || year, sum(value_usd) FROM marts.trade_flows
        WHERE source_id = 'cepii_baci' AND reporter_iso3 = 'CHN' AND flow = 'export' GROUP BY 1""").fetchall())
    # the flows under them are those the trade marts hold (the embedded BACI snapshot: HS 261100 and
    # 810110 only, which the February 2025 controls do not name): every code held is joined, no other
    traded = [a for a in answer if a["year"]]
    held = {k.split("/")[0] for k in exports}
    assert {a["hs_code"] for a in traded} == {a["hs_code"] for a in answer} & held
    for a in traded:
        assert float(a["china_exports_usd"]) == pytest.approx(exports[f"{a['hs_code']}/{a['year']}"])


def test_sql_answers_us_net_import_reliance_by_edition(built_warehouse, serving_con):
    answer = tungsten_sql(built_warehouse, """
        SELECT vintage, year, value_published, qualifier, is_latest_edition FROM marts.us_salient
        WHERE metric = 'us_net_import_reliance' ORDER BY vintage, year""")
    raw = serving_con.execute("""SELECT vintage, year, value_published FROM raw.figures WHERE source_id = 'usgs_mcs'
        AND metric = 'us_net_import_reliance' AND country_iso3 = 'USA' ORDER BY vintage, year""").fetchall()
    assert [(a["vintage"], int(a["year"]), a["value_published"]) for a in answer] == raw
    assert len({a["vintage"] for a in answer}) >= 5
    latest = {}
    for a in answer:
        latest[a["year"]] = max(latest.get(a["year"], ""), a["vintage"])
    assert all((a["is_latest_edition"] == "True") == (latest[a["year"]] == a["vintage"]) for a in answer)


def test_every_curated_market_figure_stands_on_its_quote(serving_con):
    prices = serving_con.execute("SELECT observation_id, price_low, price_high, currency, as_published, quote "
                                 "FROM raw.prices").fetchall()
    assert all(range_stands_on_quote(lo, hi, cur.lower(), a, q) for _, lo, hi, cur, a, q in prices)
    quotas = serving_con.execute("SELECT quota_t, as_published, quote, location FROM raw.china_quotas").fetchall()
    assert all(stands_on_quote(v, "t", a, q) or cell_stands_on_header(v, "t", a, q, loc) for v, a, q, loc in quotas)


def test_each_mart_rests_on_every_curated_row_and_sums_right(serving_con):
    # every observation is in exactly one (series, period) row
    listed = [i for (ids,) in serving_con.execute("SELECT observation_ids FROM marts.price_history "
                                                  "WHERE series_kind = 'curated_assessment'").fetchall() for i in ids.split(";")]
    assert sorted(listed) == sorted(r for (r,) in serving_con.execute("SELECT observation_id FROM raw.prices").fetchall())
    # no province in the national mart; batch and total figures in their own columns, never both
    assert serving_con.execute("""SELECT count(*) FROM marts.china_mining_quota WHERE (batch = 'total') <>
        (year_total_t IS NOT NULL) OR (batch_quota_t IS NOT NULL AND year_total_t IS NOT NULL)""").fetchone() == (0,)
    assert serving_con.execute("""SELECT count(*) FROM marts.china_mining_quota_province p JOIN raw.china_quotas q
        ON q.quota_id = p.selected_quota_id WHERE q.province IS NULL""").fetchone() == (0,)
    # every 6-digit code an event lists is a row of the bridge
    for event_id, codes in serving_con.execute("SELECT event_id, hs_codes FROM raw.policy_events WHERE hs_codes IS NOT NULL").fetchall():
        bridged = {c for (c,) in serving_con.execute("SELECT hs_code FROM marts.policy_event_codes WHERE event_id = ?",
                                                     [event_id]).fetchall()}
        assert {c.strip() for c in codes.split(";") if len(c.strip()) == 6} <= bridged, event_id
    # the US salient statistics: every USA figure of every edition, one latest edition per (year, metric)
    assert serving_con.execute("SELECT count(*) FROM marts.us_salient").fetchone() == serving_con.execute(
        """SELECT count(*) FROM raw.figures WHERE source_id = 'usgs_mcs' AND dataset = 'salient'
           AND country_iso3 = 'USA' AND metric <> 'us_import_source_share'""").fetchone()
    assert serving_con.execute("""SELECT count(*) FROM (SELECT year, metric FROM marts.us_salient
        WHERE is_latest_edition GROUP BY ALL HAVING count(*) <> 1)""").fetchone() == (0,)


def test_the_curated_market_files_meet_the_issues_counts(serving_con):
    """Issue 25's "Done when": at least 150 price observations from 15 pages and 3 price
    reporters, 12 years of national quota totals, 15 policy events (the curators' files)."""
    n, pages = serving_con.execute("SELECT count(*), count(DISTINCT source_id) FROM raw.prices").fetchone()
    reporters = serving_con.execute("""SELECT count(DISTINCT a.assessed_by) FROM raw.prices p
        JOIN raw.price_assessments a USING (assessment_id)""").fetchone()[0]
    years = serving_con.execute("SELECT count(*) FROM marts.china_mining_quota WHERE total_basis = 'published'").fetchone()[0]
    events = serving_con.execute("SELECT count(*) FROM marts.policy_events").fetchone()[0]
    assert (n >= 150, pages >= 15, reporters >= 3, years >= 12, events >= 15) == (True,) * 5, (n, pages, reporters, years, events)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_a_broken_prices_file_is_refused_whole_naming_the_row(warehouse, tmp_path):
    from warehouse.refresh import ingest_file

    folder = write_market_fixture(tmp_path / "curated")
    path = folder / "prices.csv"
    path.write_text(path.read_text().replace('"TEST: APT averaged $450-470/mtu in February",$450-470/mtu',
                                             '"TEST: APT averaged $450-470/mtu in February",$450-480/mtu'))
    before = digest(warehouse.serving)
    summary = ingest_file(warehouse, "prices", path)
    assert not summary.ok
    message = summary.errors[0]
    for words in ("prices.csv", "audit_stands_on_quote", "t-apt-2025-02", "source_line"):
        assert words in message, message
    assert digest(warehouse.serving) == before


@pytest.mark.slow
def test_the_marts_on_synthetic_rows(warehouse, tmp_path, monkeypatch):
    """The daily job on a copy of data/curated/ whose market files are the SYNTHETIC fixture: the
    values each mart gives, computed by hand."""
    import duckdb

    from tungsten_cli.daily import run_daily
    from warehouse.paths import current

    monkeypatch.setenv("TUNGSTEN_CURATED_DIR", str(write_market_fixture(tmp_path / "curated")))
    summary = run_daily(current(), executor="in_process")
    assert summary.ok, summary.errors
    con = duckdb.connect(str(warehouse.serving), read_only=True)
    try:
        ph = {r["selected_observation_id"]: r for r in rows_of(con, "SELECT * FROM marts.price_history "
                                                                   "WHERE series_kind = 'curated_assessment'")}
        assert set(ph) == {"t-apt-2025-01", "t-apt-2025-02", "t-apt-2025-04", "t-conc-2025-02-14", "t-few-2025-03"}
        feb = ph["t-apt-2025-02"]  # two pages for February: the earlier selected, both listed, flagged as differing
        assert (feb["observation_ids"], feb["observations_differ"], feb["period_kind"]) == (
            "t-apt-2025-02;t-apt-2025-02b", True, "month")
        assert feb["price_mid_per_t_wo3"] == pytest.approx(46_000)
        assert feb["price_mid_per_kg_w"] == pytest.approx(460 / (10 * 183.84 / 231.837), rel=1e-6)
        conc = ph["t-conc-2025-02-14"]  # yuan per tonne of 65 % concentrate: 65 mtu a tonne, still yuan
        assert (conc["currency"], conc["family_basis_unit"]) == ("CNY", "per_mtu_wo3")
        assert conc["price_mid_family_basis"] == pytest.approx(143_500 / 65)
        few = ph["t-few-2025-03"]
        assert (few["family_basis_unit"], few["period_kind"]) == ("per_kg_w", "week")
        assert few["price_mid_family_basis"] == pytest.approx(51, rel=1e-9)  # per kg W to per mtu and back
        kinds = {k for (k,) in con.execute("SELECT DISTINCT series_kind FROM marts.price_history").fetchall()}
        assert kinds == {"curated_assessment", "usgs_annual", "baci_unit_value"}

        quota = {(r["year"], r["batch"]): r for r in rows_of(con, "SELECT * FROM marts.china_mining_quota")}
        assert set(quota) == {(2023, "total"), (2024, "1"), (2024, "2"), (2024, "total"), (2025, "1"), (2025, "total")}
        assert (quota[2024, "total"]["year_total_t"], quota[2024, "total"]["total_basis"]) == (110_000, "sum_of_batches")
        assert quota[2024, "total"]["yoy_change_t"] is None  # a sum of batches is not set against a published total
        assert (quota[2025, "1"]["batch_quota_t"], quota[2025, "1"]["yoy_change_t"]) == (55_000, -5_000)
        assert con.execute("SELECT sum(batch_quota_t), sum(year_total_t) FROM marts.china_mining_quota").fetchone() == (
            165_000, 265_000)
        assert con.execute("SELECT province, quota_t FROM marts.china_mining_quota_province").fetchall() == [
            ("Jiangxi", 22_000)]

        codes = con.execute("SELECT event_id, hs_code, in_trade_codes FROM marts.policy_event_codes ORDER BY ALL").fetchall()
        assert [c for c in codes if c[0] == "t-chn-ec-2025-02"] == [
            ("t-chn-ec-2025-02", "261100", True), ("t-chn-ec-2025-02", "810194", True)]
        assert {c[1] for c in codes if c[0] == "t-usa-tariff-8101"} >= {"810110", "810194", "810197", "810199"}
        in_force = dict(con.execute("SELECT event_id, is_in_force FROM marts.policy_events").fetchall())
        assert in_force == {"t-chn-ec-2025-02": True, "t-usa-tariff-8101": True, "t-usa-nds-sale": False}
    finally:
        con.close()
