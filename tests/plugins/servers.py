"""Real backing servers for the test session, started from the machine's installed binaries.

- ``ANALYTICAFLOW_TEST_POSTGRES=1``: the whole suite's metadata database is a PostgreSQL server started
  here (initdb into a temp dir, listening on 127.0.0.1 only), before Django reads its settings.
- ``redis_url``: a session fixture starting ``redis-server`` on a free loopback port.

A missing binary skips the tests that need it, except in CI (``CI=true``), where it fails them: CI must
never pass by skipping.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def service_missing(what: str) -> None:
    """Skip locally; fail in CI, where every service must be present."""
    message = f"{what} is not available on this machine"
    if IN_CI:
        pytest.fail(f"{message} (CI=true: missing services fail instead of skipping)")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


def find_postgres_bin() -> Path | None:
    for candidate in [shutil.which("pg_ctl"), *sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)]:
        if candidate:
            return Path(candidate).resolve().parent
    return None


class PostgresServer:
    """A throwaway PostgreSQL cluster. Runs as the ``postgres`` system user when the tests run as root."""

    def __init__(self) -> None:
        bindir = find_postgres_bin()
        if bindir is None:
            raise FileNotFoundError("PostgreSQL server binaries (pg_ctl, initdb) not found")
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="af-pg-"))
        self.datadir = self.root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user="postgres", group="postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.root)

    def start(self) -> str:
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -F -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.datadir), "-o", options, "-l", str(self.root / "log"), "-w", "start")
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


_postgres: PostgresServer | None = None
_session_data_dir = tempfile.mkdtemp(prefix="af-test-data-")


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Runs before Django reads its settings: give the session its own data dir and, if asked, PostgreSQL."""
    global _postgres
    os.environ["ANALYTICAFLOW_DATA_DIR"] = _session_data_dir
    os.environ.pop("DATABASE_URL", None)
    if os.environ.get("ANALYTICAFLOW_TEST_POSTGRES") == "1":
        try:
            _postgres = PostgresServer()
        except FileNotFoundError:
            if IN_CI:
                raise
            print("PostgreSQL binaries not found: this run uses SQLite")
        else:
            os.environ["DATABASE_URL"] = _postgres.start()
    return (yield)


def pytest_report_header(config) -> str:
    return f"metadata database: {'PostgreSQL (started for this session)' if _postgres else 'SQLite'}"


def pytest_unconfigure(config) -> None:
    if _postgres is not None:
        _postgres.stop()
    shutil.rmtree(_session_data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        service_missing("redis-server")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="af-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)
