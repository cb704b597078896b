"""SYNTHETIC market rows for the tests (never data): a copy of data/curated/ with small
price_assessments, prices, china_quotas and policy_events files whose figures are made up,
each standing on its own made-up quote, citing sources the curated files already know."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingest.locations import CURATED_DIR

SOURCE = "project_blue"  # a cited source of cited_sources.csv (its date does not bound these rows)

ASSESSMENTS = """\
assessment_id,product_family,description,market,currency,unit,wo3_grade_pct,assessed_by
test_apt_europe,apt,"TEST APT 88.5% WO3 min, in-whs Rotterdam",Rotterdam,USD,per_mtu_wo3,88.5,TestReporter
test_conc_china,concentrate,TEST concentrate 65% WO3 China,China,CNY,per_t,65,TestReporter
test_few_europe,ferro_tungsten,TEST ferro-tungsten 75% W min Rotterdam,Rotterdam,USD,per_kg_w,,TestReporter
"""
PRICES = f"""\
observation_id,assessment_id,period_start,period_end,price_low,price_high,price_kind,date_published,publisher_named,source_id,location,quote,as_published,note
t-apt-2025-01,test_apt_europe,2025-01,2025-01,400,410,average,2025-02-03,TestReporter,{SOURCE},p1,"TEST: APT averaged $400-410/mtu in January",$400-410/mtu,synthetic
t-apt-2025-02,test_apt_europe,2025-02,2025-02,450,470,average,2025-03-03,TestReporter,{SOURCE},p1,"TEST: APT averaged $450-470/mtu in February",$450-470/mtu,synthetic
t-apt-2025-02b,test_apt_europe,2025-02,2025-02,455,470,average,2025-03-10,TestReporter,{SOURCE},p2,"TEST: a second page: $455-470/mtu for February",$455-470/mtu,synthetic
t-apt-2025-04,test_apt_europe,2025-04,2025-04,600,600,average,2025-05-02,TestReporter,{SOURCE},p1,"TEST: APT averaged US$600 per mtu in April",US$600 per mtu,synthetic
t-conc-2025-02-14,test_conc_china,2025-02-14,2025-02-14,"143,000","144,000",assessment,2025-02-14,TestReporter,{SOURCE},p3,"TEST: concentrate at 143,000-144,000 yuan/t","143,000-144,000 yuan/t",synthetic
t-few-2025-03,test_few_europe,2025-03-03,2025-03-07,50,52,assessment,2025-03-07,TestReporter,{SOURCE},p4,"TEST: ferro-tungsten $50-52/kg W",$50-52/kg W,synthetic
"""
QUOTAS = f"""\
quota_id,year,batch,province,quota_t,basis,issuing_body,date_issued,date_published,source_id,location,quote,as_published,note
t-q-2023-total,2023,total,,"100,000",concentrate_65_wo3,TEST ministry,2023-12,2024-01-05,{SOURCE},p1,"TEST: the 2023 total was 100,000 tonnes","100,000 tonnes",synthetic
t-q-2024-1,2024,1,,"60,000",concentrate_65_wo3,TEST ministry,2024-03,2024-03-20,{SOURCE},p1,"TEST: the first batch for 2024 is 60,000 tonnes","60,000 tonnes",synthetic
t-q-2024-2,2024,2,,"50,000",concentrate_65_wo3,TEST ministry,2024-09,2024-09-20,{SOURCE},p1,"TEST: the second batch for 2024 is 50,000 tonnes","50,000 tonnes",synthetic
t-q-2025-1,2025,1,,"55,000",concentrate_65_wo3,TEST ministry,2025-04,2025-04-20,{SOURCE},p1,"TEST: the first batch for 2025 is 55,000 tonnes","55,000 tonnes",synthetic
t-q-2025-1-jx,2025,1,Jiangxi,"22,000",concentrate_65_wo3,TEST ministry,2025-04,2025-04-20,{SOURCE},annex,"TEST: Jiangxi 22,000 tonnes","22,000 tonnes",synthetic
"""
POLICY = f"""\
event_id,date_announced,date_effective,date_ended,jurisdiction,measure_type,title,description,rate_pct,amount,amount_unit,hs_codes,national_codes,countries_affected,source_id,location,quote,as_published,note
t-chn-ec-2025-02,2025-02-04,2025-02-04,,CHN,export_control,TEST export controls,TEST controls on tungsten items,,,,2611;810194,TEST-1;TEST-2,all,{SOURCE},p1,"TEST: export controls on tungsten items take effect",,synthetic
t-usa-tariff-8101,2024-05-14,2024-09-27,,USA,tariff,TEST tariff on HS 8101,TEST tariff,25,,,8101,,CHN,{SOURCE},p2,"TEST: a tariff of 25% on tungsten products",25%,synthetic
t-usa-nds-sale,2023-10-01,2023-10-01,2024-09-30,USA,stockpile_sale,TEST stockpile sale,TEST,,"1,000",t_w,,,,{SOURCE},p3,"TEST: sales of up to 1,000 tonnes","1,000 tonnes",synthetic
"""
FILES = {"price_assessments.csv": ASSESSMENTS, "prices.csv": PRICES, "china_quotas.csv": QUOTAS,
         "policy_events.csv": POLICY}


def write_market_fixture(folder: Path) -> Path:
    """A copy of data/curated/ in `folder` with the synthetic market files; returns it."""
    shutil.copytree(CURATED_DIR, folder)
    for name, text in FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
