"""The live progress line of `tungsten refresh`: the stage the daily job is in, read from the
Dagster instance's event log while the job runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tungsten_cli.base import err


class _RunProgress:
    """Progress of the daily job by stage, read from the Dagster run's own event log (the SQLite
    file of the run under DAGSTER_HOME/history/runs, written as the job goes) by a thread:
    files loaded and validated, dbt models built of N, publish. The spinner line shows the
    current stage; a line per finished stage goes to stderr (so a log of a cron run shows them)."""

    STAGES = {"load_sources": "load and validate files", "tungsten_dbt": "dbt build", "serving_file": "publish"}

    def __init__(self, paths, status) -> None:
        import time

        from tungsten_cli.daily import dagster_home

        self.runs = Path(os.environ.get("DAGSTER_HOME") or dagster_home(paths)) / "history" / "runs"
        self.status, self.started = status, time.time()
        self.db: Path | None = None
        self.last_id, self.files, self.models, self.planned = 0, 0, 0, 0
        self.step_started: dict[str, float] = {}
        self.stop = None

    def __enter__(self):
        import threading

        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self._poll()

    def _loop(self) -> None:
        while not self.stop.wait(0.3):
            try:
                self._poll()
            except Exception:  # progress is a courtesy: never fail the run for it
                pass

    def _poll(self) -> None:
        import sqlite3

        if self.db is None:
            if not self.runs.exists():
                return
            fresh = [p for p in self.runs.glob("*.db") if p.name != "index.db" and p.stat().st_mtime >= self.started - 1]
            if not fresh:
                return
            self.db = max(fresh, key=lambda p: p.stat().st_mtime)
        try:
            con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=0.2)
            rows = con.execute("SELECT id, dagster_event_type, step_key, timestamp, "
                               "CASE WHEN dagster_event_type IS NULL THEN event END FROM event_logs WHERE id > ? "
                               "ORDER BY id", [self.last_id]).fetchall()
            con.close()
        except sqlite3.Error:
            return
        for event_id, kind, step, ts, event in rows:
            self.last_id = event_id
            self._event(kind, step or "", ts, event)

    def _event(self, kind, step: str, ts, event) -> None:
        import time

        stage = next((k for k in self.STAGES if step.startswith(k)), None)
        if kind == "STEP_START" and stage:
            self.step_started[stage] = time.time()
        elif kind == "ASSET_MATERIALIZATION_PLANNED" and stage == "tungsten_dbt":
            self.planned += 1
        elif kind is None and stage == "load_sources" and event:
            message = json.loads(event).get("user_message", "")
            if message.startswith(("loading ", "validating and loading ")):
                self.files += 1
                self.status.update(f"1/3 loading and validating files: {self.files} so far ({message})")
        elif kind == "ASSET_MATERIALIZATION" and stage == "tungsten_dbt":
            self.models += 1
            self.status.update(f"2/3 dbt: {self.models} of {self.planned} models built")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and stage:
            took = time.time() - self.step_started.get(stage, time.time())
            done = {"load_sources": f"{self.files} file(s) loaded and validated",
                    "tungsten_dbt": f"{self.models} of {self.planned} dbt models built",
                    "serving_file": "serving file and Parquet folder published"}[stage]
            outcome = "done" if kind == "STEP_SUCCESS" else "FAILED"
            err.print(f"{self.STAGES[stage]}: {outcome}, {done} ({took:.1f} s)", markup=False, highlight=False)
            if stage == "load_sources":
                self.status.update("2/3 dbt build: starting")
            elif stage == "tungsten_dbt":
                self.status.update("3/3 publishing the serving file and the Parquet folder")
