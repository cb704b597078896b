"""Time the daily job as a user runs it, optionally beside another checkout measured in the same
run (e.g. the main branch before a change), in turns, so both meet the same machine.

  .venv/bin/python bench/bench_refresh.py [--runs 3] [--baseline REV]

cold:        `tungsten refresh` into an empty TUNGSTEN_HOME and DAGSTER_HOME: the daily Dagster job
             in-process (load and validate every snapshot file, dbt build, publish, report)
multiprocess: the same cold run through `dagster job execute -m dagster_project.definitions
             -j daily_refresh`, Dagster's default executor (a process per step)
no-op:       `tungsten refresh` again with nothing changed (settled before Dagster is imported)
floor:       `python -c "import dagster, dagster_dbt, great_expectations"`, for scale

--baseline REV: a git worktree of REV in a temporary folder, its own venv made by its
bin/bootstrap (uv's cache makes that quick), timed in turns with this checkout. Each figure is a
fresh process, wall-clock; medians of --runs are reported, with the ratio this/baseline.
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


def timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


class Checkout:
    """A checkout with its venv: the commands the bench times."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / ".venv" / "bin"

    def prepare(self) -> None:
        subprocess.run([str(self.root / "bin" / "bootstrap")], check=True)
        if (self.root / "dagster_project" / "dbt_project.py").exists():  # dagster-dbt's manifest, made ahead
            subprocess.run([str(self.bin / "python"), "-m", "dagster_project.dbt_project"], cwd=self.root, check=True,
                           stdout=subprocess.DEVNULL)

    def env(self, d: str) -> dict[str, str]:
        return {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "TUNGSTEN_HOME": f"{d}/home",
                "DAGSTER_HOME": f"{d}/dagster", "TUNGSTEN_SERVING_PATH": f"{d}/serving/tungsten.duckdb"}

    def cold_and_noop(self) -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as d:
            env = self.env(d)
            cold = timed([str(self.bin / "tungsten"), "refresh"], env, self.root)
            noop = timed([str(self.bin / "tungsten"), "refresh"], env, self.root)
        return cold, noop

    def multiprocess(self) -> float:
        with tempfile.TemporaryDirectory() as d:
            env = self.env(d)
            Path(env["DAGSTER_HOME"]).mkdir()
            Path(env["DAGSTER_HOME"], "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
            return timed([str(self.bin / "dagster"), "job", "execute", "-m", "dagster_project.definitions",
                          "-j", "daily_refresh"], env, self.root)

    def floor(self) -> float:
        return timed([str(self.bin / "python"), "-c", "import dagster, dagster_dbt, great_expectations"],
                     self.env("/nonexistent"), self.root)


def measure(checkout: Checkout, out: dict[str, list[float]]) -> None:
    cold, noop = checkout.cold_and_noop()
    for key, value in (("cold_refresh_s", cold), ("noop_refresh_s", noop), ("multiprocess_s", checkout.multiprocess()),
                       ("floor_s", checkout.floor())):
        out.setdefault(key, []).append(value)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", help="a git revision to time in turns with this checkout")
    args = ap.parse_args()
    this = Checkout(ROOT)
    this.prepare()
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        base = None
        if args.baseline:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", f"{tmp}/wt", args.baseline], check=True,
                           stdout=subprocess.DEVNULL)
            base = Checkout(Path(tmp) / "wt")
            base.prepare()
        try:
            figures: dict[str, dict[str, list[float]]] = {"this": {}, "baseline": {}}
            for _ in range(args.runs):  # in turns: A B A B ...
                measure(this, figures["this"])
                if base:
                    measure(base, figures["baseline"])
        finally:
            if base:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base.root)], check=False)
    medians = {side: {k: round(statistics.median(v), 2) for k, v in f.items()} for side, f in figures.items() if f}
    print(json.dumps({"runs": args.runs, "cpus": os.cpu_count(), "baseline": args.baseline, "medians": medians}, indent=1))
    names = {"cold_refresh_s": "cold `tungsten refresh` (in-process)", "multiprocess_s": "cold `dagster job execute` "
             "(multiprocess)", "noop_refresh_s": "no-op `tungsten refresh`", "floor_s": "bare import of the stack"}
    print("\n| measure | this (s) |" + (f" {args.baseline} (s) | this / baseline |" if base else "")
          + "\n|---|---|" + ("---|---|" if base else ""))
    for key, name in names.items():
        a = medians["this"][key]
        row = f"| {name} | {a:.2f} |"
        if base:
            b = medians["baseline"][key]
            row += f" {b:.2f} | {a / b:.2f} |"
        print(row)


if __name__ == "__main__":
    sys.exit(main())
