"""The live progress line of `tungsten refresh` and `tungsten ingest`: the stage the daily job is
in, from the run's own events as Dagster stores them (tungsten_cli.daily hands them over).

Each finished stage also prints a line on stderr, so a log of a cron run shows them, and a
script (or a test) can wait for a named point of the run: "load and validate files: done",
"dbt build: done", "publish: done"."""

from __future__ import annotations

import logging
import time

from tungsten_cli.base import err, printable

STAGES = {"load_sources": "load and validate files", "tungsten_dbt": "dbt build", "serving_file": "publish",
          "report": "report"}


class RunProgress:
    """Files loaded and validated, dbt models built of N, publish: the spinner line shows the
    current stage; a line per started and finished stage goes to stderr."""

    def __init__(self, status) -> None:
        self.status = status
        self.files = self.models = self.planned = 0
        self.step_started: dict[str, float] = {}

    def __call__(self, entry) -> None:
        event = entry.dagster_event
        step = entry.step_key or ""
        stage = step if step in STAGES else None
        if event is None:
            message = entry.user_message or ""
            # the job's own warnings (a writer waited for, a damaged build file set aside), said as they
            # happen; Dagster's about steps skipped after a failure are not: the failure is said
            if entry.level >= logging.WARNING and not message.startswith("Dependencies for step"):
                err.print(f"{STAGES.get(step, step)}: {printable(message)}", markup=False, highlight=False)
            if stage == "load_sources" and message.startswith(("loading ", "validating and loading ")):
                self.files += 1
                self.status.update(f"1/3 loading and validating files: {self.files} so far ({message})")
            return
        kind = event.event_type_value
        if kind == "STEP_START" and stage:
            self.step_started[stage] = time.monotonic()
            err.print(f"{STAGES[stage]}: started", markup=False, highlight=False)
            if stage == "tungsten_dbt":
                self.status.update("2/3 dbt build: starting")
            elif stage == "serving_file":
                self.status.update("3/3 publishing the serving file and the Parquet folder")
        elif kind == "ASSET_MATERIALIZATION_PLANNED" and stage == "tungsten_dbt":
            self.planned += 1
        elif kind == "ASSET_MATERIALIZATION" and stage == "tungsten_dbt":
            self.models += 1
            self.status.update(f"2/3 dbt: {self.models} of {self.planned} models and seeds built")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and stage:
            took = time.monotonic() - self.step_started.get(stage, time.monotonic())
            outcome = "done" if kind == "STEP_SUCCESS" else "FAILED"
            done = {"load_sources": f"{self.files} file(s) loaded and validated",
                    "tungsten_dbt": f"{self.models} of {self.planned} dbt models and seeds built",
                    "serving_file": "serving file and Parquet folder published" if outcome == "done" else "nothing published",
                    "report": "report written" if outcome == "done" else "report not written"}[stage]
            err.print(f"{STAGES[stage]}: {outcome}, {done} ({took:.1f} s)", markup=False, highlight=False)
