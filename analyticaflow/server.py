"""The production HTTP server: gunicorn with threaded workers, configured from the CLI.

Embedded mode runs one worker process (DuckDB allows a single writer) with many threads; scale mode may run
several stateless workers.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


def _post_worker_init(worker: Any) -> None:
    from analyticaflow.runtime import start_background_services

    start_background_services()


class ProductServer(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from analyticaflow.wsgi import application

        return application


def run(*, host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    options: dict[str, Any] = {
        "bind": bind,
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 120,
        "graceful_timeout": 20,
        "keepalive": 30,
        "post_worker_init": _post_worker_init,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "analyticaflow",
        # One shared control socket path per user would collide between several servers on one machine.
        "control_socket_disable": True,
    }
    if access_log:
        options["accesslog"] = "-"
    ProductServer(options).run()
