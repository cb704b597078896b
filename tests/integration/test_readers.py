"""Readers are never blocked and never see half a run: a read-only reader process queries
the serving file in a loop while refreshes replace it."""

import json
import subprocess
import sys
import textwrap

import pytest

from tungsten_cli.daily import run_daily

pytestmark = pytest.mark.slow

READER = textwrap.dedent("""
    import duckdb, json, os, sys, time
    path, stop_file = sys.argv[1], sys.argv[2]
    seen, errors, n = set(), [], 0
    end = time.time() + 1800  # a safety net only: the test stops it with stop_file
    while time.time() < end and not os.path.exists(stop_file):
        try:
            con = duckdb.connect(path, read_only=True)
            marts = con.execute("SELECT count(*) FROM marts.supply_share").fetchone()[0]
            raw = con.execute("SELECT count(*) FROM raw.figures WHERE source_id = 'usgs_mcs' AND dataset = 'world'").fetchone()[0]
            world = con.execute("SELECT count(*) FROM marts.supply_concentration").fetchone()[0]
            con.close()
            seen.add((marts, raw, world))
        except Exception as exc:
            errors.append(repr(exc))
        n += 1
    print(json.dumps({"queries": n, "states": sorted(seen), "errors": errors[:5], "error_count": len(errors)}))
""")


def test_reader_during_refresh(warehouse, tmp_path):
    expected = None
    import duckdb

    con = duckdb.connect(str(warehouse.serving), read_only=True)
    expected = (con.execute("SELECT count(*) FROM marts.supply_share").fetchone()[0],
                con.execute("SELECT count(*) FROM raw.figures WHERE source_id = 'usgs_mcs' AND dataset = 'world'").fetchone()[0],
                con.execute("SELECT count(*) FROM marts.supply_concentration").fetchone()[0])
    con.close()
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(warehouse.serving), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    publishes = 0
    try:
        for _ in range(2):
            summary = run_daily(warehouse, force=True)
            assert summary.ok and summary.published
            publishes += 1
        # the reader read through both publishes: it ends only when told to
        assert reader.poll() is None, reader.communicate()
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=150)
    result = json.loads(out)
    assert publishes == 2
    assert result["error_count"] == 0, result["errors"]
    assert result["queries"] > 50
    # Every state a reader saw was a whole, published warehouse.
    assert [tuple(s) for s in result["states"]] == [expected]
