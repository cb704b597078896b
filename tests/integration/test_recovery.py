"""Recovery without the user's help: a build file whose bytes were damaged is set aside and made
again by the next refresh, from the snapshot, the curated files and the files users gave (kept in
landing/ with the journal of the loads that counted), and the marts it publishes are the ones
served before."""

import fcntl
import os
import signal
import subprocess
import sys
import threading

import duckdb
import pytest
from integration_helpers import BGS

pytestmark = pytest.mark.slow

DAMAGED_AT = 3 * 4096  # inside the file's first data blocks: DuckDB checks their checksums on opening


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                          capture_output=True, text=True, env=dict(os.environ), timeout=900)


def _marts(serving) -> dict[str, tuple]:
    """Each mart's row count and an order-free digest of its rows (columns of timestamps left out:
    they say when, not what; floating-point figures to 9 significant digits, as sums over two
    threads may differ in their last bits)."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall():
            cols = [(c, t) for c, t in con.execute("SELECT column_name, data_type FROM duckdb_columns() "
                                                   "WHERE schema_name = 'marts' AND table_name = ?", [table]).fetchall()
                    if "TIMESTAMP" not in t and c not in ("build_id", "built_at")]
            row = ", ".join(f"printf('%.9g', \"{c}\")" if t in ("DOUBLE", "FLOAT") else f'"{c}"' for c, t in cols)
            out[table] = con.execute(f"SELECT count(*), sum(hash(row({row}))) FROM marts.\"{table}\"").fetchone()
        return out
    finally:
        con.close()


def test_a_damaged_build_file_is_rebuilt_from_landing(warehouse, tmp_path):
    path = tmp_path / "BGS_tungsten_production.csv"
    path.write_text((BGS / "BGS_tungsten_production.csv").read_text().replace(",59,Mine production", ",60,Mine production", 1))
    r = _cli("ingest", "bgs", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
    before = _marts(warehouse.serving)

    with open(warehouse.build, "r+b") as fh:
        fh.seek(DAMAGED_AT)
        fh.write(b"\xde\xad" * 2048)

    status = _cli("status")
    assert status.returncode == 1
    assert "is damaged" in status.stderr and "rebuilds it from landing" in status.stderr, status.stderr
    assert "Traceback" not in status.stderr + status.stdout and not list((warehouse.home / "logs").glob("crash-*"))

    r = _cli("refresh", "--force")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "the build file was damaged" in r.stderr and "rebuilding it from landing/" in r.stderr, r.stderr
    assert "reloaded 1 file(s) users gave from landing/" in r.stderr, r.stderr
    assert list(warehouse.home.glob("build.duckdb.damaged-*")), "the damaged file is kept aside"
    con = duckdb.connect(str(warehouse.build), read_only=True)
    try:
        held = con.execute("SELECT file_name FROM meta.source_files WHERE origin = 'user'").fetchall()
    finally:
        con.close()
    assert held == [("BGS_tungsten_production.csv",)]
    assert _marts(warehouse.serving) == before


def _start(*args: str, **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from tungsten_cli.app import main; main()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **env}, start_new_session=True)


def _wait_for(proc: subprocess.Popen, said: str, timeout: float = 600) -> list[str]:
    """Read proc's stderr until a line holds `said` (the lines read so far); fails when it ends first."""
    lines = []
    seen = threading.Event()

    def read() -> None:
        for line in proc.stderr:
            lines.append(line)
            if said in line:
                seen.set()

    threading.Thread(target=read, daemon=True).start()
    assert seen.wait(timeout), f"never said {said!r}: {''.join(lines)[-2000:]}"
    return lines


def test_a_second_writer_waits_for_the_first(warehouse):
    """A refresh started while another writer holds the build file says it waits, and goes on when it ends."""
    with open(warehouse.lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = _start("refresh", "--force")
        lines = _wait_for(proc, "waiting for another writer of the build file")
    out, rest = proc.communicate(timeout=900)
    assert proc.returncode == 0, "".join(lines) + rest
    assert "Traceback" not in rest and "published" in out


def test_a_writer_waits_up_to_its_limit(warehouse):
    with open(warehouse.lock, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc = _start("refresh", "--force", TUNGSTEN_LOCK_WAIT_S="1")
        out, said = proc.communicate(timeout=900)
    assert proc.returncode == 1, out + said
    assert "another refresh has held" in said and "for over 1 s" in said, said
    assert "Traceback" not in said and "Dependencies for step" not in said
    assert not list((warehouse.home / "logs").glob("crash-*"))


@pytest.mark.parametrize("point", ["load and validate files: started", "dbt build: started"])
def test_ctrl_c_cancels_the_run_and_publishes_nothing(warehouse, monkeypatch, point):
    """SIGINT to the run's process group (what a terminal's Ctrl-C sends) at a named point of the
    run: exit 130 with one line, the run cancelled in Dagster, the served file as it was."""
    from dagster import DagsterInstance, DagsterRunStatus

    served = warehouse.serving.read_bytes()
    proc = subprocess.Popen([sys.executable, "-c", "from tungsten_cli.app import main; main()", "refresh", "--force"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
                            start_new_session=True,
                            # a shell may start its jobs with SIGINT ignored; a terminal's user has it
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = _wait_for(proc, point)
    os.killpg(proc.pid, signal.SIGINT)
    _out, rest = proc.communicate(timeout=300)
    said = "".join(lines) + rest
    assert proc.returncode == 130, said
    assert "cancelled (Dagster run" in said and "nothing was published halfway" in said, said
    assert "Traceback" not in said and "KeyboardInterrupt" not in said, said
    assert not list((warehouse.home / "logs").glob("crash-*"))
    assert warehouse.serving.read_bytes() == served
    monkeypatch.setenv("DAGSTER_HOME", str(warehouse.home / "dagster"))
    with DagsterInstance.get() as instance:
        newest = instance.get_runs(limit=1)[0]
        assert newest.status == DagsterRunStatus.CANCELED
    r = _cli("refresh")
    assert r.returncode == 0, r.stdout + r.stderr


# The run's own process, with Ctrl-C arriving while the load step makes a class (as when pyarrow's
# extension module is imported there): the interpreter wraps Dagster's interrupt into a
# RuntimeError, which the code around catches, as pandas catches a failed import.
SWALLOWED_AT_LOAD = """
import signal
import warehouse.reference_tables as reference_tables

class _InterruptedWhileNamed:
    def __set_name__(self, owner, name):
        signal.raise_signal(signal.SIGINT)

written = reference_tables.write
def write(con):
    try:
        class _Holder:
            member = _InterruptedWhileNamed()
    except Exception:
        pass
    return written(con)
reference_tables.write = write
from tungsten_cli.app import main
main()
"""


def test_a_ctrl_c_swallowed_inside_the_load_step_still_cancels_the_run(warehouse):
    served = warehouse.serving.read_bytes()
    r = subprocess.run([sys.executable, "-c", SWALLOWED_AT_LOAD, "refresh", "--force"], capture_output=True,
                       text=True, env=dict(os.environ), timeout=900,
                       preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert r.returncode == 130, r.stdout + r.stderr
    assert "cancelled (Dagster run" in r.stderr and "dbt build: started" not in r.stderr, r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert warehouse.serving.read_bytes() == served


@pytest.mark.parametrize("text, said", [("telemetry: [\n  bad: {", "line 2: not valid YAML"),
                                        ("telemetry:\n  enabled: maybe\n", "Dagster refuses these instance settings")])
def test_a_damaged_dagster_yaml_is_named(warehouse, text, said):
    config = warehouse.home / "dagster" / "dagster.yaml"
    config.write_text(text)
    r = _cli("refresh", "--force")
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"{config}" in r.stderr and said in r.stderr and "delete it" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and not list((warehouse.home / "logs").glob("crash-*"))


def test_a_full_disk_during_publish_is_named(warehouse, tmp_path, monkeypatch):
    """The serving folder on a 4 MB file system (a tmpfs this test mounts): the publish fails
    with the machine's reason and the folder, the progress line says nothing was published, and
    no temporary copy stays on the full disk."""
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(small)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {mounted.stderr.decode().strip()}")
    try:
        monkeypatch.setenv("TUNGSTEN_SERVING_PATH", str(small / "tungsten.duckdb"))
        r = _cli("refresh", "--force")
        assert r.returncode == 1, r.stdout + r.stderr
        assert f"could not publish into {small}" in r.stderr and "No space left on device" in r.stderr, r.stderr
        assert "publish: FAILED, nothing published" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "Error occurred while executing" not in r.stderr
        assert not list((warehouse.home / "logs").glob("crash-*"))
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)
