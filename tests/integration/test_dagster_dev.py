"""`./bin/dagster-dev` as a new user meets it: the UI (dg dev) answers on its port, the new
instance has no sign-up prompt, it loads the project's definitions, and SIGTERM stops the
webserver, the daemon and the code server cleanly."""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from warehouse.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _wait_until(what, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if (found := what()) is not None:
                return found
        except OSError:  # not answering yet
            pass
        time.sleep(0.5)
    raise AssertionError(f"not within {timeout} s")


def _servers_on(port: int) -> list[int]:
    """The process groups of processes started with this --port (dg dev and the webserver)."""
    groups = set()
    for proc in Path("/proc").iterdir():
        try:
            if f"--port\0{port}\0".encode() in (proc / "cmdline").read_bytes() + b"\0":
                groups.add(os.getpgid(int(proc.name)))
        except (OSError, ValueError):  # not a process, or gone meanwhile
            continue
    return sorted(groups)


def test_dagster_dev_serves_the_project_and_stops_on_sigterm(tmp_path):
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster"), "TUNGSTEN_HOME": str(tmp_path / "home"),
           "TUNGSTEN_SERVING_PATH": str(tmp_path / "serving" / "tungsten.duckdb")}
    proc = subprocess.Popen([str(PROJECT_ROOT / "bin" / "dagster-dev"), "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        def loaded():
            body = _graphql(port, "{ workspaceOrError { ... on Workspace { locationEntries { name "
                                  "locationOrLoadError { __typename } } } } }")
            entries = body["data"]["workspaceOrError"]["locationEntries"]
            return entries if entries and entries[0]["locationOrLoadError"] else None

        entries = _wait_until(loaded, 240)
        assert [e["name"] for e in entries] == ["tungsten"]
        assert entries[0]["locationOrLoadError"]["__typename"] == "RepositoryLocation", entries
        assert "nux:\n  enabled: false" in (tmp_path / "dagster" / "dagster.yaml").read_text()
        assert _graphql(port, "{ shouldShowNux }")["data"]["shouldShowNux"] is False
        jobs = _graphql(port, '{ repositoriesOrError { ... on RepositoryConnection { nodes { jobs { name } } } } }')
        assert "daily_refresh" in {j["name"] for n in jobs["data"]["repositoriesOrError"]["nodes"] for j in n["jobs"]}
    finally:
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out = ""
        took = time.monotonic() - t0
        left = _servers_on(port)
        for group in left:  # whatever the outcome, no server outlives the test
            os.killpg(group, signal.SIGKILL)
    assert not left, f"servers left running on port {port}"
    assert "still running after 10 s" not in out, out[-3000:]
    assert took < 15, took

    def group_gone():
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return True
        return None

    _wait_until(group_gone, 15)  # nothing of its process group is left (Dagster's orphan watchers end too)
