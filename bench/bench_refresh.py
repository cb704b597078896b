"""Time the daily job against the stack's bare import (the floor).

  .venv/bin/python bench/bench_refresh.py [--runs 3]

floor:  python -c "import dagster, dagster_dbt, great_expectations"
cold:   `tungsten refresh` into an empty TUNGSTEN_HOME: the daily Dagster job in-process (parse snapshot,
        validate, load, dbt build, publish), recorded in the Dagster instance
no-op:  `tungsten refresh` again with nothing changed
Each is a fresh process, timed wall-clock; the median of --runs is reported.
Targets (issue 2): cold <= 3x floor, no-op <= 1.5x floor.
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
TUNGSTEN = Path(sys.executable).with_name("tungsten")


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    base = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    floor, cold, noop, multi = [], [], [], []
    dagster = Path(sys.executable).with_name("dagster")
    for _ in range(args.runs):
        floor.append(timed([sys.executable, "-c", "import dagster, dagster_dbt, great_expectations"], base))
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as d:
            env = {**base, "TUNGSTEN_HOME": f"{d}/home", "TUNGSTEN_SERVING_PATH": f"{d}/serving/tungsten.duckdb"}
            cold.append(timed([str(TUNGSTEN), "refresh"], env))
            for _ in range(args.runs):
                noop.append(timed([str(TUNGSTEN), "refresh"], env))
        with tempfile.TemporaryDirectory() as d:
            # the same cold run through `dagster job execute`, Dagster's default multiprocess executor
            Path(f"{d}/dh").mkdir()
            Path(f"{d}/dh/dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            env = {**base, "DAGSTER_HOME": f"{d}/dh", "TUNGSTEN_HOME": f"{d}/home",
                   "TUNGSTEN_SERVING_PATH": f"{d}/serving/tungsten.duckdb"}
            multi.append(timed([str(dagster), "job", "execute", "-m", "dagster_project.definitions", "-j", "daily_refresh"], env))
    f, c, n, m = (statistics.median(x) for x in (floor, cold, noop, multi))
    result = {
        "floor_s": round(f, 2), "cold_refresh_s": round(c, 2), "noop_refresh_s": round(n, 2),
        "cold_dagster_job_execute_multiprocess_s": round(m, 2),
        "cold_over_floor": round(c / f, 2), "noop_over_floor": round(n / f, 2),
        "targets": {"cold_over_floor": 3.0, "noop_over_floor": 1.5},
        "runs": args.runs, "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    print(f"\n| measure | median (s) | x floor | target |\n|---|---|---|---|\n"
          f"| bare import (floor) | {f:.2f} | 1.00 | |\n"
          f"| cold `tungsten refresh` | {c:.2f} | {c / f:.2f} | <= 3.0 |\n"
          f"| no-op `tungsten refresh` | {n:.2f} | {n / f:.2f} | <= 1.5 |\n"
          f"| cold `dagster job execute` (multiprocess) | {m:.2f} | {m / f:.2f} | reported |")


if __name__ == "__main__":
    main()
