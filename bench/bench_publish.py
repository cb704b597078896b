"""What publishing the Parquet folder adds to a cold refresh.

  .venv/bin/python bench/bench_publish.py [--runs 3]

cold:     `tungsten refresh` into an empty TUNGSTEN_HOME (fresh process, wall clock), which now
          writes the serving file and the Parquet folder
parquet:  the Parquet step alone (warehouse/parquet_export.publish_version: every served table
          as zstd Parquet, fsynced, sha256 and manifest) on that run's serving file, in-process
Medians of --runs are reported, with the Parquet folder's size; target (issue 14): the report
and the Parquet folder together add <= 20 % to a cold refresh.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TUNGSTEN = Path(sys.executable).with_name("tungsten")


def parquet_seconds(serving: Path, scratch: Path) -> float:
    import duckdb

    from warehouse import parquet_export

    con = duckdb.connect(str(serving), read_only=True)
    try:
        tables = parquet_export.served_tables(con)
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        t0 = time.perf_counter()
        parquet_export.publish_version(con, catalog, tables, scratch / "tungsten.duckdb",
                                       {"build_id": parquet_export.new_build_id()})
        return time.perf_counter() - t0
    finally:
        con.close()


def cold_refresh(folder: str, env: dict) -> float:
    """Seconds of a `tungsten refresh` (a fresh process) into an empty TUNGSTEN_HOME under folder,
    serving file at folder/serving/tungsten.duckdb."""
    env = {**env, "TUNGSTEN_HOME": f"{folder}/home", "TUNGSTEN_SERVING_PATH": f"{folder}/serving/tungsten.duckdb"}
    t0 = time.perf_counter()
    subprocess.run([str(TUNGSTEN), "refresh"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    base = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cold, parquet, size = [], [], 0
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            cold.append(cold_refresh(d, base))
            link = Path(f"{d}/serving/tungsten.parquet")
            size = sum(p.stat().st_size for p in link.resolve().rglob("*") if p.is_file())
            for i in range(3):
                scratch = Path(d) / f"scratch{i}"
                scratch.mkdir()
                parquet.append(parquet_seconds(Path(f"{d}/serving/tungsten.duckdb"), scratch))
    c, p = statistics.median(cold), statistics.median(parquet)
    print(json.dumps({"cold_refresh_s": round(c, 2), "parquet_s": round(p, 3), "parquet_share_of_cold": round(p / c, 4),
                      "parquet_folder_bytes": size, "runs": args.runs, "cpus": os.cpu_count()}, indent=1))
    print(f"\n| measure | median (s) | share of cold refresh |\n|---|---|---|\n"
          f"| cold `tungsten refresh` (serving file and Parquet folder) | {c:.2f} | 100 % |\n"
          f"| of which writing the Parquet folder ({size / 1e6:.1f} MB) | {p:.2f} | {100 * p / c:.1f} % |")


if __name__ == "__main__":
    main()
