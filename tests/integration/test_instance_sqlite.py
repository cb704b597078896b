"""The Dagster instance's SQLite files: a damaged history moved aside instead of stopping the job."""

import sqlite3


def test_damaged_history_is_moved_aside_and_the_run_goes_on(warehouse):
    """A run-history file broken (as a power cut mid-run could leave it): the next refresh warns,
    moves the history aside, records the run in a new one and publishes as usual."""
    from tungsten_cli.daily import dagster_home, run_daily

    home = dagster_home(warehouse)
    runs_db = home / "history" / "runs.db"
    data = bytearray(runs_db.read_bytes())
    data[:100] = b"\x00" * 100  # the header gone
    runs_db.write_bytes(bytes(data))
    summary = run_daily(warehouse, force=True)
    assert summary.ok, summary.errors
    assert any("run history was damaged" in w and "runs.db" in w for w in summary.warnings), summary.warnings
    assert summary.published
    asides = list(home.parent.glob("dagster.damaged-*"))
    assert len(asides) == 1 and (asides[0] / "history" / "runs.db").exists()
    con = sqlite3.connect(home / "history" / "runs.db")
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1  # this run, in the new history
    con.close()
