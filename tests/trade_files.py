"""Small Comtrade-format data the tests make: API v1 records and CSV exports with the 47
native columns, for tungsten codes (the real Comtrade samples are other products)."""

from __future__ import annotations

import csv
import io
import json

import polars as pl

from ingest.sources.un_comtrade.parser import native_columns

NATIVE = list(native_columns("api_v1"))


def record(reporter: int, partner: int, flow: str, hs: str, year: int, value: float, kg: float | None = None,
           **extra) -> dict:
    """One API v1 record as the API returns it (includeDesc off: descriptions empty)."""
    r = {c: None for c in NATIVE}
    r.update({
        "typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year, "refMonth": 52,
        "period": str(year), "reporterCode": reporter, "flowCode": flow, "partnerCode": partner, "partner2Code": 0,
        "classificationCode": "H6", "classificationSearchCode": "HS", "isOriginalClassification": True,
        "cmdCode": hs, "aggrLevel": len(hs), "isLeaf": len(hs) == 6, "customsCode": "C00", "mosCode": "0",
        "motCode": 0, "qtyUnitCode": 8, "qty": kg, "isQtyEstimated": False, "altQtyUnitCode": -1,
        "netWgt": kg, "isNetWgtEstimated": False, "grossWgt": None, "isGrossWgtEstimated": False,
        "cifvalue": value if flow == "M" else None, "fobvalue": value if flow == "X" else None,
        "primaryValue": value, "legacyEstimationFlag": 0, "isReported": True, "isAggregate": False,
    })
    r.update(extra)
    return r


def api_body(records: list[dict]) -> bytes:
    return json.dumps({"elapsedTime": "0.1 secs", "count": len(records), "data": records, "error": ""}).encode()


def csv_text(records: list[dict], columns: list[str] | None = None) -> str:
    columns = columns or NATIVE
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in records:
        w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return buf.getvalue()


# A small bilateral picture of HS 261100 in 2022 (values invented for the test, shaped like Comtrade):
# the USA imports from China, Bolivia and Rwanda; China reports its exports to the USA (FOB, a little lower);
# Austria imports from Rwanda and reports a World total; Rwanda reports nothing (its partners' declarations stand in).
BILATERAL = [
    record(842, 156, "M", "261100", 2022, 6_000_000.0, 300_000.0),
    record(842, 68, "M", "261100", 2022, 3_000_000.0, 150_000.0),
    record(842, 646, "M", "261100", 2022, 1_000_000.0, 50_000.0),
    record(842, 0, "M", "261100", 2022, 10_000_000.0, 500_000.0),
    record(156, 842, "X", "261100", 2022, 5_700_000.0, 290_000.0),
    record(40, 646, "M", "261100", 2022, 2_000_000.0, 100_000.0),
    record(40, 0, "M", "261100", 2022, 2_500_000.0, 125_000.0),
    record(842, 156, "M", "810194", 2022, 8_000_000.0, 40_000.0),
]


def rows(pf) -> pl.DataFrame:
    """The flows frame of a parsed trade file (collected if lazy)."""
    frame = pf.frames["flows"]
    return frame if isinstance(frame, pl.DataFrame) else frame.collect()


def one(frame: pl.DataFrame, **where) -> dict:
    """The single row matching column == value for each keyword."""
    hit = frame.filter(*[pl.col(k) == v for k, v in where.items()])
    assert hit.height == 1, (where, hit.height)
    return hit.row(0, named=True)
