"""The production HTTP server: granian (HTTP in Rust, the product as a WSGI application), configured from the CLI.

Why granian: parsing HTTP and managing connections in Rust costs the server about half the CPU per request of
gunicorn's threaded workers on the capture path (see bench/RESULTS.md), and single-event capture is mostly
per-request cost.

Process model: a main process supervises ``workers`` worker processes; each worker runs the WSGI application in
``threads`` Python threads and starts the background services (projector, embedded jobs) once, after loading
the application. Embedded mode runs one worker (DuckDB allows a single writer). SIGTERM or SIGINT stops
gracefully: the workers finish the requests in flight (at most ``GRACEFUL_TIMEOUT_SECONDS``), then the
background services stop through their exit handlers. A worker that dies is started again.
"""

from __future__ import annotations

import atexit
import multiprocessing
from multiprocessing import util as multiprocessing_util
from typing import Any

from django.db import connections
from granian.constants import Interfaces
from granian.server import Server

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


def run(*, host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    # Workers are forked from this process: none may inherit an open database connection from it.
    connections.close_all()
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
