"""What publishing to the lake adds to a cold refresh, how fast time travel answers, and the disk
the lake takes after 30 daily builds.

  .venv/bin/python bench/bench_lake.py [--runs 2] [--builds 30] [--queries 200]

cold:        `tungsten refresh` into an empty TUNGSTEN_HOME (fresh process, wall clock); it
             publishes the serving file, the Parquet folder, the report and the local lake
publish:     warehouse.lake.publish on that run's serving file into a new local lake (the first
             build: every table written), in-process, extensions loaded and lake attached included
daily:       the publish of a build that changed one mart figure (and meta.published) into a lake
             that holds the build before it
time travel: `SELECT ... FROM marts.supply_share AT (VERSION => n)` on one attached connection,
             n drawn among the builds; p50 and p95 of --queries
disk:        the lake's folder after --builds daily builds (each changing one mart figure), beside
             the serving file's size; again with TUNGSTEN_LAKE_KEEP=7 builds
Targets (issue 26): the lake publish <= 25 % of a cold refresh; time travel p95 < 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from bench_publish import cold_refresh  # noqa: E402 - the same cold run the publish bench times

RUSSIA = "source_id = 'usgs_mcs' AND country_iso3 = 'RUS' AND year = 2024"


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def daily_build(serving: Path, target: Path, k: int) -> Path:
    """A copy of the serving file as the k-th daily build: its own build id, one mart figure changed."""
    import duckdb

    shutil.copy(serving, target)
    con = duckdb.connect(str(target))
    con.execute("UPDATE meta.published SET build_id = ?, published_at = now()", [f"bench-{k:03d}"])
    con.execute(f"UPDATE marts.supply_share SET production_t_w = ? WHERE {RUSSIA}", [1000.0 + k])
    con.close()
    return target


def lake_at(root: Path, keep: str | None = None):
    from warehouse.lake.config import LakeConfig, parse_keep

    return LakeConfig(f"sqlite:{root / 'catalog.sqlite'}", f"{root / 'data'}/", parse_keep(keep or "all"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--builds", type=int, default=30)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()
    from warehouse.lake.connect import connect
    from warehouse.lake.publish import publish

    base = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    for k in ("TUNGSTEN_LAKE_CATALOG", "TUNGSTEN_LAKE_DATA", "TUNGSTEN_LAKE_KEEP"):
        base.pop(k, None)
    cold, first, daily = [], [], []
    with tempfile.TemporaryDirectory() as keep_dir:
        serving = Path(keep_dir) / "tungsten.duckdb"
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as d:
                cold.append(cold_refresh(d, base))
                shutil.copy(f"{d}/serving/tungsten.duckdb", serving)
            with tempfile.TemporaryDirectory() as d:
                lake = lake_at(Path(d))
                first.append(publish(serving, lake).seconds)
                daily.append(publish(daily_build(serving, Path(d) / "next.duckdb", 1), lake).seconds)
        results = {"cold_refresh_s": statistics.median(cold), "lake_first_publish_s": statistics.median(first),
                   "lake_daily_publish_s": statistics.median(daily), "serving_file_bytes": serving.stat().st_size}
        results["lake_share_of_cold_refresh_pct"] = 100 * results["lake_first_publish_s"] / results["cold_refresh_s"]
        for keep in (None, "7 builds"):
            with tempfile.TemporaryDirectory() as d:
                lake = lake_at(Path(d) / "lake", keep)
                seconds = [publish(daily_build(serving, Path(d) / "b.duckdb", k), lake).seconds
                           for k in range(1, args.builds + 1)]
                label = "keep_all" if keep is None else "keep_7"
                results[f"{label}_disk_bytes_after_{args.builds}_builds"] = du(Path(d) / "lake")
                results[f"{label}_daily_publish_median_s"] = statistics.median(seconds)
                if keep is None:
                    con = connect(lake, read_only=True)
                    versions = [r[0] for r in con.execute("SELECT snapshot_id FROM ducklake_snapshots('lake') "
                                                          "WHERE commit_extra_info IS NOT NULL").fetchall()]
                    rng, times = random.Random(26), []
                    for _ in range(args.queries):
                        v = rng.choice(versions)
                        t0 = time.perf_counter()
                        con.execute("SELECT country_iso3, share_pct, production_t_w FROM lake.marts.supply_share "
                                    f"AT (VERSION => {int(v)}) WHERE source_id = 'usgs_mcs' AND year = 2024").fetchall()
                        times.append(time.perf_counter() - t0)
                    con.close()
                    times.sort()
                    results["time_travel_p50_ms"] = 1000 * statistics.median(times)
                    results["time_travel_p95_ms"] = 1000 * times[int(0.95 * len(times)) - 1]
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}, indent=1))
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "lake.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
