"""`tungsten sql` as an attacker and an impatient user run it (issue 27, items 4, 13, 14): Ctrl-C
and the time limit stop a never-ending query at once with one line and no crash log, spills stay
in the home's temp folder and go with the command, results stream with a row limit for the
table, empty queries and impossible --output paths are plain errors, control characters never
reach the terminal, and CSV written for people cannot run as a spreadsheet formula."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from helpers import warehouse_env

CLI = [sys.executable, "-c", "from tungsten_cli.app import main; main()"]
ENDLESS = "SELECT count(*) FROM range(1000000000000)"


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, **warehouse_env(root)}


def _tungsten(root: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=_env(root), timeout=timeout)


def _home(root: Path) -> Path:
    return Path(warehouse_env(root)["TUNGSTEN_HOME"])


def _serving_folder(root: Path) -> set[str]:
    return {p.name for p in Path(warehouse_env(root)["TUNGSTEN_SERVING_PATH"]).parent.iterdir()}


def _crash_logs(root: Path) -> list[Path]:
    return sorted((_home(root) / "logs").glob("crash-*"))


def _wait_for(predicate, deadline_s: float, what: str) -> None:
    """Poll predicate until it holds, failing with `what` after deadline_s (no fixed sleeps)."""
    end = time.monotonic() + deadline_s
    while not predicate():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def _cpu_seconds(pid: int) -> float:
    """CPU time the process has used (user + system, from /proc/<pid>/stat): it grows once the
    query runs on DuckDB's threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _assert_left_nothing(root: Path, serving_before: set[str]) -> None:
    assert _serving_folder(root) == serving_before, "a file was left beside the serving file"
    tmp = _home(root) / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == [], list(tmp.iterdir())
    assert _crash_logs(root) == []


def test_ctrl_c_stops_a_never_ending_query_at_once(warehouse):
    root = warehouse.home.parent
    before = _serving_folder(root)
    proc = subprocess.Popen([*CLI, "sql", ENDLESS], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(root))
    try:
        spill = _home(root) / "tmp" / f"sql-{proc.pid}"
        _wait_for(spill.exists, 60, "the query to start (its spill folder)")
        start = _cpu_seconds(proc.pid)
        _wait_for(lambda: _cpu_seconds(proc.pid) > start + 0.5, 30, "the query to run (half a second of CPU)")
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        proc.kill()
    assert took < 2, f"took {took:.1f} s after SIGINT"
    assert proc.returncode == 130, stderr
    assert stderr.strip().splitlines() == [stderr.strip()] and "interrupted" in stderr, stderr
    assert "Traceback" not in stderr and stdout == ""
    _assert_left_nothing(root, before)


def test_the_time_limit_stops_a_never_ending_query(warehouse):
    root = warehouse.home.parent
    before = _serving_folder(root)
    started = time.monotonic()
    r = _tungsten(root, "sql", ENDLESS, "--timeout", "1")
    assert time.monotonic() - started < 30
    assert r.returncode == 1, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "time limit of 1 s" in r.stderr, r.stderr
    _assert_left_nothing(root, before)


def test_a_killed_querys_spill_folder_goes_at_the_next_query(warehouse):
    root = warehouse.home.parent
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs
    stale = _home(root) / "tmp" / f"sql-{gone.pid}"
    stale.mkdir(parents=True)
    (stale / "duckdb_temp_storage-0.tmp").write_bytes(b"x" * 1024)
    r = _tungsten(root, "sql", "SELECT 1 AS one")
    assert r.returncode == 0, r.stderr
    assert not stale.exists()


def test_the_table_shows_a_limited_number_of_rows_and_counts_the_rest(warehouse):
    root = warehouse.home.parent
    r = _tungsten(root, "sql", "SELECT range AS n FROM range(2500)", "--max-rows", "100")
    assert r.returncode == 0, r.stderr
    assert r.stdout.rstrip().splitlines()[-1] == "(2,500 rows, 2,400 not shown (--max-rows, or --output FILE for all))"
    assert " 99 " in r.stdout and " 100 " not in r.stdout
    r = _tungsten(root, "sql", "SELECT range AS n FROM range(25000)", "--format", "csv")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 25001 and r.stdout.splitlines()[-1] == "24999"


@pytest.mark.parametrize("query", ["", "   ", "-- only a comment", ";;;", "/* c */ ;"])
def test_an_empty_query_is_a_one_line_error(warehouse, query):
    root = warehouse.home.parent
    r = _tungsten(root, "sql", "--", query)  # -- : a query may begin with "--"
    assert r.returncode in (1, 2), r.stderr
    assert r.stderr.strip() == "error: the query is empty (no statement: only blanks, comments or semicolons)"
    assert _crash_logs(root) == []


def test_output_to_a_missing_folder_or_a_folder_is_a_clear_error(warehouse, tmp_path):
    root = warehouse.home.parent
    r = _tungsten(root, "sql", "SELECT 1 AS one", "--output", str(tmp_path / "nowhere" / "x.xlsx"))
    assert r.returncode == 1 and "the folder" in r.stderr and "does not exist" in r.stderr, r.stderr
    folder = tmp_path / "a.xlsx"
    folder.mkdir()
    r = _tungsten(root, "sql", "SELECT 1 AS one", "--output", str(folder))
    assert r.returncode == 1 and "is a folder" in r.stderr, r.stderr
    assert _crash_logs(root) == []


def test_a_stopped_output_leaves_no_file(warehouse, tmp_path):
    root = warehouse.home.parent
    folder = tmp_path / "out"
    folder.mkdir()
    r = _tungsten(root, "sql", "SELECT range FROM range(1000000000000)", "--output", str(folder / "x.csv"),
                  "--timeout", "1")
    assert r.returncode == 1 and "time limit" in r.stderr, r.stderr
    assert list(folder.iterdir()) == []


def test_control_characters_in_cells_do_not_reach_the_terminal(warehouse):
    root = warehouse.home.parent
    q = "SELECT chr(27) || '[2J' AS clear, chr(27) || ']0;owned' || chr(7) AS title, chr(155) || '2J' AS c1"
    for args in ([], ["--vertical"]):
        r = _tungsten(root, "sql", q, *args)
        assert r.returncode == 0, r.stderr
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\x9b" not in r.stdout
        assert "\\x1b[2J" in r.stdout and "\\x1b]0;owned" in r.stdout and "\\x9b2J" in r.stdout
    r = _tungsten(root, "sql", "SELECT chr(27) || '[2J' AS x", "--format", "json")
    assert "\x1b" not in r.stdout and "\\u001b[2J" in r.stdout


def test_file_names_with_escape_sequences_are_printed_inert(warehouse, tmp_path):
    root = warehouse.home.parent
    path = tmp_path / "prices\x1b]0;owned\x07\x1b[2J.csv"
    path.write_text("Country,Year,Value\nAtlantis,2020,5\n")
    r = _tungsten(root, "ingest", "bgs", str(path))
    assert r.returncode == 1, r.stderr
    assert "\x1b" not in r.stderr + r.stdout and "\x07" not in r.stderr + r.stdout
    assert "prices\\x1b]0;owned\\x07\\x1b[2J.csv" in r.stderr, r.stderr
    r = _tungsten(root, "status")
    assert r.returncode == 0, r.stderr
    assert "\x1b" not in r.stdout and "\\x1b" in r.stdout


def test_csv_for_people_neutralises_formulas_but_not_numbers(warehouse, tmp_path):
    root = warehouse.home.parent
    q = ("SELECT '=HYPERLINK(\"http://x\",\"y\")' AS a, -5 AS n, '-3' AS t, '+1' AS p, '@SUM(A1)' AS s, "
         "chr(9) || 'x' AS tab, 'a=b' AS plain, -2.5 AS f")
    out = tmp_path / "q.csv"
    r = _tungsten(root, "sql", q, "--output", str(out))
    assert r.returncode == 0, r.stderr
    header, row = out.read_text().splitlines()
    assert row == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",-5,'-3,'+1,'@SUM(A1),'\tx,a=b,-2.5"
    # export csv: the same for served tables (a served claim text beginning with '=')
    serving = Path(warehouse_env(root)["TUNGSTEN_SERVING_PATH"])
    con = duckdb.connect(str(serving))
    con.execute("CREATE TABLE marts.hostile AS SELECT '=cmd|'' /C calc''!A0' AS claim, -5 AS delta, 'ok' AS note")
    con.close()
    folder = tmp_path / "export"
    r = _tungsten(root, "export", "csv", str(folder), "--tables", "marts.hostile")
    assert r.returncode == 0, r.stderr
    assert (folder / "marts.hostile.csv").read_text().splitlines() == ["claim,delta,note", "'=cmd|' /C calc'!A0,-5,ok"]
