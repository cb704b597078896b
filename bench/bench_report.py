"""What the report costs: its share of a cold refresh, its size, and how fast Chromium draws it.

  .venv/bin/python bench/bench_report.py [--runs 3]

cold:     `tungsten refresh` into an empty TUNGSTEN_HOME (the daily job, report asset included)
report:   building the report from that serving file in a fresh process, as the report asset
          does: "first" with an empty TUNGSTEN_HOME/cache (vl-convert bundles Vega, about 1 s,
          once per installed version), "daily" with the bundle cached there
render:   the report opened in headless Chromium with the network off, from navigation to every
          chart drawn (the page's own clock, window.__report.renderMs)
Medians of --runs. Targets (issue 14): report and Parquet (measured by its own bench) <= 20 % of
a cold refresh; file <= 5 MB; render <= 2 s. Results also go to bench/results/report.json.
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
BUILD = ("import sys, time; t0 = time.perf_counter(); from pathlib import Path; "
         "from warehouse.report import build_report; "
         "r = build_report(Path(sys.argv[1]), Path(sys.argv[2]), cache_dir=Path(sys.argv[3])); "
         "print(time.perf_counter() - t0)")


def build_once(serving: Path, out: Path, cache: Path, env: dict) -> float:
    res = subprocess.run([sys.executable, "-c", BUILD, str(serving), str(out), str(cache)], env=env, check=True,
                         capture_output=True, text=True, cwd=ROOT)
    return float(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from warehouse.report.chromium import check_page

    base = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    cold, first, daily, render, size = [], [], [], [], 0
    with tempfile.TemporaryDirectory() as d:
        serving = Path(d) / "serving" / "tungsten.duckdb"
        for i in range(args.runs):
            env = {**base, "TUNGSTEN_HOME": f"{d}/home{i}", "TUNGSTEN_SERVING_PATH": str(serving)}
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "tungsten_cli.app", "refresh"], env=env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
            cold.append(time.perf_counter() - t0)
        for i in range(args.runs):
            out, cache = Path(d) / f"report{i}.html", Path(d) / f"cache{i}"
            first.append(build_once(serving, out, cache, base))
            daily.append(build_once(serving, out, cache, base))
            size = out.stat().st_size
            check = check_page(out)
            if check.console_errors or check.report["errors"] or check.requests:
                raise SystemExit(f"the report did not render cleanly: {check.console_errors} {check.report['errors']} "
                                 f"{check.requests}")
            render.append(check.load_ms / 1000)
    c, f, dl, r = (statistics.median(x) for x in (cold, first, daily, render))
    result = {"cold_refresh_s": round(c, 2), "report_first_build_s": round(f, 2), "report_daily_build_s": round(dl, 2),
              "first_share_pct": round(100 * f / (c - f), 1), "daily_share_pct": round(100 * dl / (c - f), 1),
              "report_bytes": size, "render_s": round(r, 2), "runs": args.runs}
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "report.json").write_text(json.dumps(result, indent=1) + "\n")
    print("| measure | value | target |\n|---|---|---|\n"
          f"| cold `tungsten refresh`, report included | {c:.2f} s | |\n"
          f"| report build, first on a machine (Vega bundled) | {f:.2f} s = {100 * f / (c - f):.1f} % of the rest | |\n"
          f"| report build, bundle cached (every later run) | {dl:.2f} s = {100 * dl / (c - f):.1f} % of the rest | "
          "<= 20 % with Parquet |\n"
          f"| report file | {size / 1e6:.2f} MB | <= 5 MB |\n"
          f"| render in headless Chromium, network off | {r:.2f} s | <= 2 s |")


if __name__ == "__main__":
    main()
