"""Real services for the lake tests, on loopback: Debian's PostgreSQL (initdb + pg_ctl in a
temporary folder, run as the `postgres` account when the tests run as root) and moto's S3 server
(PyPI `moto[server]`). A test that needs one skips, saying why, only when its binaries are
absent; .ci/run installs both."""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

START_TIMEOUT_S = 60


def absent(reason: str):
    """Skip a test whose service is not installed here, saying why; under CI (CI=true, where
    .ci/run installs every service) fail instead, so a missing install step cannot pass unseen."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(ready, what: str, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not ready():
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} was not ready within {START_TIMEOUT_S} s")
        time.sleep(0.1)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def pg_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@dataclass
class Postgres:
    port: int
    user: str
    password: str
    dbname: str

    def conninfo(self) -> str:
        """libpq keywords without the password (which goes in PGPASSWORD)."""
        return f"host=127.0.0.1 port={self.port} user={self.user} dbname={self.dbname}"


@contextmanager
def postgres(root: Path):
    """A PostgreSQL server on a free loopback port with a password-protected user; stopped after."""
    bindir = pg_bin()
    if bindir is None:
        absent("PostgreSQL's initdb is not installed (Debian: apt-get install postgresql; .ci/run installs it)")
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        if shutil.which("runuser") is None or subprocess.run(["id", "postgres"], capture_output=True).returncode:
            absent("running as root without a `postgres` account to run PostgreSQL as")
        as_user = ["runuser", "-u", "postgres", "--"]
    if as_user:  # pytest's temporary folders are private to root: the server gets one of its own
        root = Path(tempfile.mkdtemp(prefix="tungsten-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    data, sock = root / "pgdata", root / "pgsock"
    sock.mkdir()
    pwfile = root / "pw"
    password = "pg-" + secrets.token_hex(12)
    pwfile.write_text(password)
    if as_user:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        shutil.chown(pwfile, "postgres")
    port = free_port()
    _run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "tungsten", "--pwfile", str(pwfile),
          "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8"])
    pwfile.unlink()
    log = root / "postgres.log"
    if as_user:
        log.touch()
        shutil.chown(log, "postgres")
    try:
        _run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(START_TIMEOUT_S),
              "-o", f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c max_connections=200", "start"])
        _wait(lambda: _listening(port), "PostgreSQL")
        yield Postgres(port, "tungsten", password, "postgres")
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        if as_user:
            shutil.rmtree(root, ignore_errors=True)


def _run(cmd: list[str]) -> None:
    """Run a server command; its own output in the error when it fails."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(cmd[-8:])} failed ({done.returncode}): {done.stderr[-1500:] or done.stdout[-1500:]}")


def create_database(pg: Postgres, name: str) -> None:
    """CREATE DATABASE through psql (Debian's client), the password from the environment."""
    psql = pg_bin() / "psql"
    env = {**os.environ, "PGPASSWORD": pg.password}
    subprocess.run([str(psql), "-h", "127.0.0.1", "-p", str(pg.port), "-U", pg.user, "-d", pg.dbname, "-v",
                    "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{name}"'], check=True, capture_output=True, env=env)


@dataclass
class S3:
    endpoint: str
    key_id: str
    secret: str
    proc: subprocess.Popen

    def make_bucket(self, name: str) -> None:
        import boto3

        boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.key_id,
                     aws_secret_access_key=self.secret, region_name="us-east-1").create_bucket(Bucket=name)


@contextmanager
def moto_s3(root: Path):
    """moto's server (an S3-compatible endpoint) on a free loopback port; stopped after."""
    server = Path(sys.executable).parent / "moto_server"
    if not server.exists():
        found = shutil.which("moto_server")
        if found is None:
            absent("moto's server is not installed (PyPI moto[server], a dev dependency)")
        server = Path(found)
    port = free_port()
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "moto.log", "wb") as log:
        proc = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _listening(port), "moto_server", proc)
        yield S3(f"http://127.0.0.1:{port}", "AKIA" + secrets.token_hex(8).upper(), "s3-" + secrets.token_hex(16), proc)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def team_lake_env(pg: Postgres, s3: S3, name: str) -> dict[str, str]:
    """The environment of a team lake: a database `name` on the server, a bucket `name`."""
    create_database(pg, name)
    s3.make_bucket(name)
    return {"TUNGSTEN_LAKE_CATALOG": f"postgres:host=127.0.0.1 port={pg.port} user={pg.user} dbname={name}",
            "TUNGSTEN_LAKE_DATA": f"s3://{name}/lake/", "PGPASSWORD": pg.password,
            "AWS_ACCESS_KEY_ID": s3.key_id, "AWS_SECRET_ACCESS_KEY": s3.secret, "AWS_ENDPOINT_URL": s3.endpoint,
            "AWS_REGION": "us-east-1"}
