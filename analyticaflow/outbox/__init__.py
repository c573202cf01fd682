"""AnalyticaFlow outbox: a small Django app a shop adds to its own project to send analytics reliably.

    from analyticaflow import outbox

    with transaction.atomic():
        order = Order.objects.create(...)
        outbox.track(user_id=order.customer_id, event="Order Completed",
                     properties={"order_id": order.number, "revenue": order.total, "currency": "EUR"})

``emit()`` and the typed helpers only write a row in the shop's transaction; a relay (a thread in the web
process, or ``manage.py outbox_relay``) ships the rows to the AnalyticaFlow capture API afterwards. This app
depends on Django and httpx only, never on the rest of AnalyticaFlow.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_SERVICES = ("emit", "track", "identify", "page", "screen", "group", "alias")
_MESSAGES = ("InvalidMessage",)
__all__ = [*_SERVICES, *_MESSAGES]


def __getattr__(name: str) -> Any:
    # Lazy, so that ``INSTALLED_APPS`` can name this package before Django's app registry is ready.
    if name in _SERVICES:
        return getattr(import_module("analyticaflow.outbox.services"), name)
    if name in _MESSAGES:
        return getattr(import_module("analyticaflow.outbox.messages"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
