"""In-process wake-up of the embedded job threads: an enqueue commits → idle workers look at once.

A generation counter closes the gap between "found nothing to claim" and "started waiting": a worker waits
only while the generation it saw before looking is still the current one.
"""

from __future__ import annotations

import threading

_condition = threading.Condition()
_generation = 0


def generation() -> int:
    with _condition:
        return _generation


def notify() -> None:
    global _generation
    with _condition:
        _generation += 1
        _condition.notify_all()


def wait(*, seen: int, timeout: float) -> None:
    with _condition:
        _condition.wait_for(lambda: _generation != seen, timeout=timeout)
