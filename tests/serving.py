"""Run the real product as a subprocess, the way a user does: ``analyticaflow <command>``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.plugins.servers import free_port, wait_for_port

CLI = [sys.executable, "-m", "analyticaflow.cli"]


def product_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(ANALYTICAFLOW_DATA_DIR=str(data_dir), **extra)
    return env


def run_cli(data_dir: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=product_env(data_dir, **extra), capture_output=True, text=True,
                          timeout=120)


@contextmanager
def serving(data_dir: Path, *args: str, command: str = "serve", **extra: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start ``analyticaflow serve`` (or ``demo``) on a free port; yield its base URL and the process."""
    port = free_port()
    log = open(data_dir.parent / f"server-{port}.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen([*CLI, command, "--port", str(port), *args], env=product_env(data_dir, **extra),
                               stdout=log, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}", process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def server_output(data_dir: Path) -> str:
    return "\n".join(p.read_text() for p in sorted(data_dir.parent.glob("server-*.log")))
