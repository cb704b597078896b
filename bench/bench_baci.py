"""Time `tungsten ingest baci ZIP --no-publish` against DuckDB reading the same CSVs (the floor).

  .venv/bin/python bench/bench_baci.py [--years 5] [--rows 11000000] [--runs 2] [--work DIR]

data:   a BACI-format release zip (BACI_HS92_V202401b.zip) of --years yearly CSVs of --rows rows
        each (the real size of a BACI year: about 11 million flows), header t,i,j,k,v,q, values
        with three decimals, 5 % of quantities NA, HS6 codes drawn from 5,000 (the tungsten
        codes among them), plus the release's country and product tables. Made once in --work.
floor:  DuckDB (all cores) reading the same CSVs, already extracted, with the same HS filter,
        into a table of a new database file: `CREATE TABLE t AS SELECT * FROM read_csv(...) WHERE k IN (...)`.
ours:   `tungsten ingest baci ZIP --no-publish` into an empty TUNGSTEN_HOME: hash and land the
        zip, stream each member, keep the tungsten rows, validate (GX) and load them.
Each is a fresh process; wall time and peak RSS (the process and its children) are reported, the
median of --runs. Targets (issue 12): throughput >= 0.6x the floor's; peak RSS < 1.5 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
TUNGSTEN = Path(sys.executable).with_name("tungsten")
VERSION = "202401b"
TUNGSTEN_CODES = [261100, 284180, 720280, 810110, 810191, 810192, 810193, 810199]


def generate(work: Path, years: int, rows: int) -> tuple[Path, Path]:
    """The release zip and the folder of its extracted CSVs (made once)."""
    zpath, csv_dir = work / f"BACI_HS92_V{VERSION}.zip", work / "csv"
    stamp = work / "made.json"
    want = {"years": years, "rows": rows}
    if stamp.exists() and json.loads(stamp.read_text()) == want and zpath.exists():
        return zpath, csv_dir
    csv_dir.mkdir(parents=True, exist_ok=True)
    countries = pl.read_csv(ROOT / "ingest/sources/cepii_baci/country_codes.csv", infer_schema=False)
    # codes of one period: BACI never holds a former country's code (58 Belgium-Luxembourg,
    # 280 West Germany ...) in the same year as its successor's, which share its ISO3
    current = countries.filter(~pl.col("country_name").str.contains(r"\(\.\.\.", literal=False))
    codes = current["country_code"].cast(pl.Int64).to_numpy()
    rng = np.random.default_rng(12)
    hs = np.unique(np.concatenate([rng.integers(10_000, 970_000, 5_000), TUNGSTEN_CODES]))
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for n in range(years):
            year = 2018 + n
            tonnes = np.round(rng.lognormal(1, 2.5, rows), 3) + 0.001
            v = np.round(tonnes * rng.uniform(5, 100, rows), 3)  # thousand US$: 5-100 US$/kg, plausible for tungsten
            q = tonnes.astype(str)
            q[rng.random(rows) < 0.05] = "NA"
            frame = pl.DataFrame({"t": np.full(rows, year), "i": rng.choice(codes, rows), "j": rng.choice(codes, rows),
                                  "k": rng.choice(hs, rows), "v": v, "q": q})
            frame = frame.unique(["t", "i", "j", "k"], keep="first", maintain_order=True)  # BACI has one row per flow
            name = f"BACI_HS92_Y{year}_V{VERSION}.csv"
            frame.write_csv(csv_dir / name)
            zf.write(csv_dir / name, name)
            print(f"made {name}: {frame.height:,} rows", flush=True)
        zf.write(ROOT / "ingest/sources/cepii_baci/country_codes.csv", f"country_codes_V{VERSION}.csv")
        zf.writestr(f"product_codes_HS92_V{VERSION}.csv", "code,description\n" + "".join(f"{c},product {c}\n" for c in hs))
    stamp.write_text(json.dumps(want))
    return zpath, csv_dir


WRAPPER = """
import resource, subprocess, sys, time
t0 = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB, the largest process of the command's tree) of one fresh
    process, measured by a wrapper process of its own (so one command's peak is not another's)."""
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], env=env, check=True, capture_output=True, text=True)
    wall, kib, code = out.stdout.split()
    if code != "0":
        raise SystemExit(f"{cmd[:3]} failed with exit {code}")
    return float(wall), int(kib) / (1 << 20)


FLOOR = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?, header=true, columns={'t': 'INTEGER', 'i': 'INTEGER', "
            "'j': 'INTEGER', 'k': 'INTEGER', 'v': 'DOUBLE', 'q': 'VARCHAR'}) WHERE k IN (CODES)", [sys.argv[2]])
print(con.execute("SELECT count(*) FROM t").fetchone()[0])
""".replace("CODES", ", ".join(map(str, TUNGSTEN_CODES)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--rows", type=int, default=11_000_000)
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "baci")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    zpath, csv_dir = generate(args.work, args.years, args.rows)
    csv_bytes = sum(p.stat().st_size for p in csv_dir.glob("*.csv"))
    base = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    floor, ours = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            floor.append(timed([sys.executable, "-c", FLOOR, f"{d}/floor.duckdb", str(csv_dir / "*.csv")], base))
        with tempfile.TemporaryDirectory() as d:
            env = {**base, "TUNGSTEN_HOME": f"{d}/home", "TUNGSTEN_SERVING_PATH": f"{d}/serving/tungsten.duckdb"}
            ours.append(timed([str(TUNGSTEN), "ingest", "baci", str(zpath), "--no-publish"], env))
    f_wall = statistics.median(w for w, _ in floor)
    o_wall = statistics.median(w for w, _ in ours)
    result = {
        "years": args.years, "rows_per_year": args.rows, "csv_gib": round(csv_bytes / (1 << 30), 2),
        "zip_gib": round(zpath.stat().st_size / (1 << 30), 2),
        "floor_s": round(f_wall, 1), "ingest_s": round(o_wall, 1),
        "throughput_vs_floor": round(f_wall / o_wall, 2),
        "floor_peak_rss_gib": round(max(m for _, m in floor), 2), "ingest_peak_rss_gib": round(max(m for _, m in ours), 2),
        "runs": args.runs,
        "floor_runs_s": [round(w, 2) for w, _ in floor], "ingest_runs_s": [round(w, 2) for w, _ in ours],
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
