"""Run geopolrisk-py 2.0.1's own GeoPolRisk calculation for tungsten and save its output.

Reference check only.  This script runs in a separate environment that has
geopolrisk-py==2.0.1 installed (it pins pandas<=2.3.3 and Python<3.12, so it
cannot live in the project's venv).  Nothing in the project imports it and the
project's tests must not import it; they read only the CSV it writes.

    uv venv /tmp/gpr-env --python 3.11
    uv pip install --python /tmp/gpr-env geopolrisk-py==2.0.1
    HOME=$(mktemp -d) /tmp/gpr-env/bin/python reference_checks/geopolrisk/run_geopolrisk.py

HOME is pointed at a throw-away directory because the package, on import,
creates ~/Documents/geopolrisk/{logs,databases,output} and writes its results
to ~/Documents/geopolrisk/output/Datarecords.db and results.xlsx.

What it writes (next to this file):

* geopolrisk_py_2.0.1_tungsten.csv : one row per importer x year, the values
  returned by geopolrisk.assessment.main.gprs_calc (the package's own entry
  point), checked equal to what it stored in Datarecords.db, plus the
  intermediate terms obtained by calling the package's own functions
  (utils.aggregateTrade and core.HHI) with the same inputs, plus a column
  `sql_reimplementation_score` from an independent SQL reimplementation over
  the raw SQLite tables shipped in the wheel (see METHOD.md), and the relative
  difference between the two.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import os
import sqlite3
import sys
import tempfile
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT_CSV = HERE / "geopolrisk_py_2.0.1_tungsten.csv"

YEARS = [2018, 2019, 2020, 2021, 2022, 2023, 2024]  # all years WMD production covers
# Importer names exactly as spelled in world_mining_data.db "Country_ISO"
# (= BACI V202401b country names).  "EU" is the package's predefined EU-27
# region (database.py: regionslist["EU"]).
IMPORTERS = [
    "USA",
    "Japan",
    "Germany",
    "Rep. of Korea",
    "France",
    "United Kingdom",
    "China",
    "India",
    "Austria",
    "Viet Nam",
    "Sweden",
    "EU",
]
RAW_MATERIAL = "Tungsten"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Independent reimplementation over the raw tables (documents METHOD.md).
# ---------------------------------------------------------------------------
def sql_reimplementation(lib: Path, year: int, importer_codes: list[int]) -> dict:
    """GeoPolRisk as METHOD.md describes it, straight from the wheel's SQLite files."""
    con = sqlite3.connect(lib / "baci.db")
    con.execute("ATTACH ? AS wmd", (str(lib / "world_mining_data.db"),))
    # HHI over every country row of "Tungsten (W)" except the Total row
    # (Country_Code = 'DELETE'); missing production counts as 0.
    y = str(year)
    s, s2 = con.execute(
        f'SELECT SUM(COALESCE("{y}",0)), SUM(COALESCE("{y}",0)*COALESCE("{y}",0)) FROM wmd."Tungsten (W)" WHERE Country_Code <> \'DELETE\''
    ).fetchone()
    hhi = s2 / (s * s)
    codes = ",".join(str(int(c)) for c in importer_codes)
    prod = con.execute(
        f'SELECT COALESCE(SUM(COALESCE("{y}",0)),0) FROM wmd."Tungsten (W)" '
        f"WHERE Country_Code <> 'DELETE' AND CAST(Country_Code AS INT) IN ({codes})"
    ).fetchone()[0]
    # Imports: HS 261100 and 810110 summed per (importer, exporter); q NULL -> 0;
    # WGI = Normalized PV of the exporter in the same year from baci.db's own
    # copy of the table; no match -> 0.5; exporters inside the importing group
    # get WGI 0 (still counted in the denominator).
    num, tot, val = con.execute(
        f"""
        WITH flows AS (
          SELECT CAST(b.i AS INT) AS exporter, CAST(b.j AS INT) AS importer,
                 SUM(COALESCE(CAST(b.q AS REAL),0)) AS q,
                 SUM(COALESCE(CAST(b.v AS REAL),0)) AS v
          FROM baci_trade b
          WHERE b.k IN (261100, 810110) AND b.t = ? AND CAST(b.j AS INT) IN ({codes})
          GROUP BY 1, 2
        ), w AS (
          SELECT f.*,
            CASE WHEN f.exporter IN ({codes}) THEN 0.0
                 ELSE COALESCE((SELECT CAST(n."{y}" AS REAL) FROM Normalized n
                                WHERE n.country_code = CAST(f.exporter AS TEXT)
                                LIMIT 1), 0.5) END AS wgi
          FROM flows f
        )
        SELECT COALESCE(SUM(q*wgi),0), COALESCE(SUM(q),0), COALESCE(SUM(v),0) FROM w
        """,
        (y,),
    ).fetchone()
    con.close()
    import_risk = num / (tot + prod) if (tot + prod) else 0.0
    score = hhi * import_risk
    price = val / tot if tot else 0.0
    return {
        "hhi": hhi,
        "import_risk": import_risk,
        "score": score,
        "price": price,
        "cf": score * price / 0.409412948,
        "production_sum_t": s,
        "sum_q_wgi": num,
        "sum_q": tot,
        "domestic_production_t": prod,
    }


def main() -> int:
    # The package writes into $HOME/Documents/geopolrisk on import: insist on a
    # scratch HOME (under the temp directory) unless told otherwise.
    home = Path.home().resolve()
    scratch = Path(tempfile.gettempdir()).resolve()
    if scratch not in home.parents and not os.environ.get("GPR_ALLOW_REAL_HOME"):
        print("Set HOME to a scratch directory, e.g. HOME=$(mktemp -d): the package writes into ~/Documents.")
        return 2

    import geopolrisk
    from geopolrisk.assessment import core, utils
    from geopolrisk.assessment import main as gmain
    from geopolrisk.assessment.database import databases

    version = metadata.version("geopolrisk-py")
    if version != "2.0.1":
        print(f"expected geopolrisk-py 2.0.1, found {version}")
        return 2
    lib = Path(geopolrisk.__file__).resolve().parent / "lib"

    result = gmain.gprs_calc(YEARS, IMPORTERS, [RAW_MATERIAL])
    expected = len(YEARS) * len(IMPORTERS)
    if len(result) != expected:
        # gprs_calc `break`s out of its loop on the first error and returns
        # whatever it had; never accept a silently shortened result.
        print(f"gprs_calc returned {len(result)} rows, expected {expected}")
        return 1

    # What the package stored in its own output database must equal what it returned.
    out_db = Path(databases.directory) / "output" / databases.Output
    con = sqlite3.connect(out_db)
    stored = {
        r[0]: r[1:]
        for r in con.execute(
            'SELECT DBID, "GeoPolRisk Score", "GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]", '
            '"HHI", "Import Risk", "Price" FROM recordData'
        )
    }
    con.close()

    baci = sqlite3.connect(lib / "baci.db")
    iso3 = {int(c): iso for c, iso in baci.execute("SELECT country_code, country_iso3 FROM country_codes_V202401b")}
    baci.close()

    mapped = utils.mapped_baci()  # same frame gprs_calc builds
    rows = []
    for _, r in result.iterrows():
        name = r["Country [Economic Entity]"]
        year = int(r["Year"])
        members = databases.regionslist[utils.cvtcountry(name, type="Name")]
        codes = [int(utils.cvtcountry(m, type="ISO")) for m in members]
        num, tot, price = utils.aggregateTrade(year, members, RAW_MATERIAL, data=mapped)
        prod = 0.0
        for m in members:
            p, hhi_m = core.HHI(RAW_MATERIAL, year, utils.cvtcountry(m, type="Name"))
            prod += p
        st = stored[r["DBID"]]
        returned = (
            r["GeoPolRisk Score"],
            r["GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]"],
            r["HHI"],
            r["Import Risk"],
            r["Price"],
        )
        if any(abs(a - b) > 1e-12 * max(1.0, abs(a)) for a, b in zip(returned, st, strict=True)):
            print(f"Datarecords.db differs from the returned frame for {r['DBID']}: {st} vs {returned}")
            return 1
        ref = sql_reimplementation(lib, year, codes)
        score = float(r["GeoPolRisk Score"])
        rel = abs(ref["score"] - score) / score if score else abs(ref["score"])
        rows.append(
            {
                "importer_iso3": "EU27" if name == "EU" else iso3[codes[0]],
                "importer_baci_code": "" if name == "EU" else codes[0],
                "country_name_as_given": name,
                "raw_material": r["Raw Material"],
                "year": year,
                "hhi": repr(float(r["HHI"])),
                "import_risk": repr(float(r["Import Risk"])),
                "geopolrisk_score": repr(score),
                "characterization_factor_eq_kg_cu_per_kg": repr(float(r["GeoPolRisk Characterization Factor [eq. Kg-Cu/Kg]"])),
                "price_kusd_per_t": repr(float(r["Price"])),
                "dbid": r["DBID"],
                "sum_q_times_wgi_t": repr(float(num)),
                "sum_import_q_t": repr(float(tot)),
                "domestic_production_t": repr(float(prod)),
                "hs_codes": "261100;810110",
                "sql_reimplementation_score": repr(ref["score"]),
                "sql_reimplementation_rel_diff": f"{rel:.3e}",
            }
        )

    with open(OUT_CSV, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

    print(f"geopolrisk-py {version}; python {sys.version.split()[0]}; pandas {metadata.version('pandas')}")
    print(f"run date (UTC): {_dt.datetime.now(_dt.UTC).date().isoformat()}")
    for db in ("baci.db", "world_mining_data.db", "wgi.db"):
        print(f"{db} sha256 {_sha256(lib / db)}")
    print(f"wrote {len(rows)} rows to {OUT_CSV.name}")
    worst = max(float(r["sql_reimplementation_rel_diff"]) for r in rows)
    print(f"largest relative difference, SQL reimplementation vs package: {worst:.3e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
