"""The doorbell between ``emit()`` (after commit) and the in-process relay thread.

Kept free of other outbox imports so the write path (services) never depends on the relay.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_doorbell = threading.Event()
_listeners: list[Callable[[], None]] = []


def ring() -> None:
    """New messages were committed: wake the relay thread (starting it if the shop enabled it)."""
    _doorbell.set()
    for listener in list(_listeners):
        listener()


def interrupt() -> None:
    """End the relay thread's current wait (to stop it) without starting anything."""
    _doorbell.set()


def wait(timeout: float) -> bool:
    """Block until the bell rings or ``timeout`` seconds pass; True if it rang."""
    rang = _doorbell.wait(timeout)
    _doorbell.clear()
    return rang


def on_ring(listener: Callable[[], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)
