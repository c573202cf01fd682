"""The optional relay thread inside the shop's web process (``ANALYTICAFLOW_OUTBOX["THREAD"]``, on by default).

It starts lazily, in the process that serves requests or emits messages: on the first request (Django's
``request_started``) or the first committed ``emit()``. Management commands such as ``migrate`` never start
it, and a forked worker process (gunicorn, uwsgi) starts its own. It ships right after each commit that
emitted messages, polls every ``POLL_INTERVAL`` seconds for retries and for rows other processes wrote, and
purges old sent rows. Shops that prefer a separate process set ``"THREAD": False`` and run
``manage.py outbox_relay``.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading

from django.core.signals import request_started, setting_changed
from django.db import connections

from analyticaflow.outbox import conf, wakeup
from analyticaflow.outbox.relay import Relay

logger = logging.getLogger("analyticaflow.outbox")

_lock = threading.Lock()
_running: dict[str, object] = {}  # "thread", "stop", "pid" of the relay thread this process started
_declined: set[int] = set()  # processes whose settings say: no relay thread
EXIT_GRACE = 5.0  # seconds a stopping process gives the thread to finish the request in flight


class RelayThread(threading.Thread):
    def __init__(self, config: conf.OutboxConfig, stop: threading.Event) -> None:
        super().__init__(name="analyticaflow-outbox-relay", daemon=True)
        self.config = config
        self.stop = stop

    def run(self) -> None:
        relay = Relay(self.config)
        logger.info("outbox: relay thread shipping to %s", self.config.batch_url)
        try:
            relay.serve(stop=self.stop, wait=wakeup.wait)
        finally:
            relay.close()
            connections.close_all()


def relay_thread_running() -> bool:
    thread = _running.get("thread")
    return isinstance(thread, threading.Thread) and thread.is_alive() and _running.get("pid") == os.getpid()


def start_relay_thread(config: conf.OutboxConfig | None = None) -> bool:
    """Start this process's relay thread unless it runs already; returns whether one is running.

    Without ``config`` it reads the shop's settings and does nothing unless ``URL`` and ``WRITE_KEY`` are set
    and ``THREAD`` is on.
    """
    if relay_thread_running():
        return True
    if config is None:
        if os.getpid() in _declined:
            return False
        if not conf.configured() or not (config := conf.load_config()).thread:
            _declined.add(os.getpid())
            return False
    with _lock:
        if relay_thread_running():
            return True
        stop = threading.Event()
        thread = RelayThread(config, stop)
        thread.start()
        _running.update(thread=thread, stop=stop, pid=os.getpid())
    return True


@atexit.register
def _stop_at_exit() -> None:
    if relay_thread_running():
        stop_relay_thread(timeout=EXIT_GRACE)


def stop_relay_thread(*, timeout: float = 10.0) -> None:
    """Stop the relay thread (it finishes the request in flight) and wait for it."""
    with _lock:
        thread, stop = _running.pop("thread", None), _running.pop("stop", None)
        _running.pop("pid", None)
    if isinstance(stop, threading.Event):
        stop.set()
        wakeup.interrupt()
    if isinstance(thread, threading.Thread):
        thread.join(timeout)


def _start_on_demand(**_: object) -> None:
    if not relay_thread_running() and os.getpid() not in _declined:
        try:
            start_relay_thread()
        except Exception:
            # Analytics must never break the shop's request; say it once (the system check names bad settings).
            _declined.add(os.getpid())
            logger.exception("outbox: cannot start the relay thread")


def _settings_changed(*, setting: str, **_: object) -> None:
    if setting == conf.SETTING_NAME:
        _declined.clear()


def connect_signals() -> None:
    request_started.connect(_start_on_demand, dispatch_uid="analyticaflow-outbox-start")
    setting_changed.connect(_settings_changed, dispatch_uid="analyticaflow-outbox-settings")
    wakeup.on_ring(_start_on_demand)
