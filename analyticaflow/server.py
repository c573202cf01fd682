"""The production HTTP server: granian (HTTP in Rust, the product as a WSGI application), configured from the CLI.

Why granian: parsing HTTP and managing connections in Rust costs the server about half the CPU per request of
gunicorn's threaded workers on the capture path (see bench/RESULTS.md), and single-event capture is mostly
per-request cost.

Process model: ``analyticaflow serve`` applies migrations, then replaces itself (same process id) with a lean
supervisor (``python -m analyticaflow.server``) that never loads the application: it only starts, watches and
stops ``workers`` worker processes. Each worker loads the WSGI application, serves it from ``threads`` Python
threads and starts the background services (projector, embedded jobs) once. Embedded mode runs one worker
(DuckDB allows a single writer). SIGTERM or SIGINT stops gracefully: the workers finish the requests in flight
(at most ``GRACEFUL_TIMEOUT_SECONDS``), then the background services stop through their exit handlers. A
worker that dies is started again.
"""

from __future__ import annotations

import argparse
import atexit
import multiprocessing
import os
import sys
from multiprocessing import util as multiprocessing_util
from typing import Any, NoReturn

APPLICATION = "analyticaflow.wsgi:application"  # what the workers serve (loaded by load_worker_application)
GRACEFUL_TIMEOUT_SECONDS = 20


def load_worker_application() -> Any:
    """Runs in each worker process: load the WSGI application, then start the background services there."""
    from analyticaflow.runtime import start_background_services
    from analyticaflow.wsgi import application

    start_background_services()
    if multiprocessing.get_start_method() == "fork":
        # A forked worker leaves through os._exit, which skips atexit handlers; the background services stop
        # through theirs, so run them when the worker's serving loop has returned.
        multiprocessing_util.Finalize(None, atexit._run_exitfuncs, exitpriority=0)
    return application


def run(*, host: str, port: int, workers: int, threads: int, access_log: bool) -> NoReturn:
    """Replace this process with the supervisor, so the application's memory is not held by it as well."""
    from django.db import connections

    connections.close_all()  # nothing of this process's database state is carried over
    argv = [sys.executable, "-m", "analyticaflow.server", "--host", host, "--port", str(port),
            "--workers", str(workers), "--threads", str(threads)]
    if access_log:
        argv.append("--access-log")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)  # noqa: S606 - our own interpreter and fixed arguments, no shell


def serve(*, host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Supervise the workers until SIGTERM/SIGINT (the environment carries the product's settings)."""
    from granian.constants import Interfaces
    from granian.server import Server

    server = Server(
        APPLICATION,
        address=host.strip("[]"),
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        websockets=False,
        log_access=access_log,
        workers_kill_timeout=GRACEFUL_TIMEOUT_SECONDS,
        respawn_failed_workers=True,
    )
    server.serve(target_loader=load_worker_application, wrap_loader=False)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="analyticaflow.server", description="Serve AnalyticaFlow ('analyticaflow serve' migrates, then runs it).")
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    serve(host=args.host, port=args.port, workers=args.workers, threads=args.threads, access_log=args.access_log)


if __name__ == "__main__":
    main()
