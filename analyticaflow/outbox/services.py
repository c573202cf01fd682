"""Writes to the outbox: ``emit()`` and its typed helpers for the shop, row transitions for the relay.

``emit()`` only inserts a row in the caller's transaction and never touches the network: if the transaction
rolls back the message is gone with it, and if analytics is down the shop's request neither fails nor waits.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from contextlib import nullcontext
from typing import Any

from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

from analyticaflow.outbox import wakeup
from analyticaflow.outbox.messages import build_message
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus

PURGE_CHUNK = 1000


def emit(event: Mapping[str, Any], *, using: str | None = None) -> str:
    """Queue one Segment message (a dict with ``type``, ids, ...) in the current transaction.

    Returns its ``messageId``. Raises ``InvalidMessage`` (a ``ValueError``) for a message the capture API could
    never accept. ``using`` is the database alias of the business transaction (default: the router's choice).
    """
    message, _ = build_message(event)
    db = using or router.db_for_write(OutboxMessage)
    now = timezone.now()
    OutboxMessage.objects.using(db).create(message_id=message["messageId"], message=message,
                                           created_at=now, next_attempt_at=now)
    transaction.on_commit(wakeup.ring, using=db, robust=True)
    return message["messageId"]


def _common(*, user_id: Any, anonymous_id: Any, context: Mapping | None, timestamp: Any, message_id: str | None,
            integrations: Mapping | None) -> dict[str, Any]:
    return {"userId": user_id, "anonymousId": anonymous_id, "context": context, "timestamp": timestamp,
            "messageId": message_id, "integrations": integrations}


def track(*, event: str, user_id: Any = None, anonymous_id: Any = None, properties: Mapping | None = None,
          context: Mapping | None = None, timestamp: Any = None, message_id: str | None = None,
          integrations: Mapping | None = None, using: str | None = None) -> str:
    """Queue a ``track`` message: ``event`` (e.g. "Order Completed") done by a user or anonymous visitor."""
    common = _common(user_id=user_id, anonymous_id=anonymous_id, context=context, timestamp=timestamp,
                     message_id=message_id, integrations=integrations)
    return emit({"type": "track", "event": event, "properties": properties, **common}, using=using)


def identify(*, user_id: Any = None, anonymous_id: Any = None, traits: Mapping | None = None,
             context: Mapping | None = None, timestamp: Any = None, message_id: str | None = None,
             integrations: Mapping | None = None, using: str | None = None) -> str:
    """Queue an ``identify`` message: who the user is (``traits`` such as email, name, plan)."""
    common = _common(user_id=user_id, anonymous_id=anonymous_id, context=context, timestamp=timestamp,
                     message_id=message_id, integrations=integrations)
    return emit({"type": "identify", "traits": traits, **common}, using=using)


def page(*, user_id: Any = None, anonymous_id: Any = None, name: str | None = None, category: str | None = None,
         properties: Mapping | None = None, context: Mapping | None = None, timestamp: Any = None,
         message_id: str | None = None, integrations: Mapping | None = None, using: str | None = None) -> str:
    """Queue a ``page`` message (a page view; put url/path/referrer in ``properties``, UTM in ``context``)."""
    common = _common(user_id=user_id, anonymous_id=anonymous_id, context=context, timestamp=timestamp,
                     message_id=message_id, integrations=integrations)
    return emit({"type": "page", "name": name, "category": category, "properties": properties, **common},
                using=using)


def screen(*, user_id: Any = None, anonymous_id: Any = None, name: str | None = None, category: str | None = None,
           properties: Mapping | None = None, context: Mapping | None = None, timestamp: Any = None,
           message_id: str | None = None, integrations: Mapping | None = None, using: str | None = None) -> str:
    """Queue a ``screen`` message (a mobile app screen view)."""
    common = _common(user_id=user_id, anonymous_id=anonymous_id, context=context, timestamp=timestamp,
                     message_id=message_id, integrations=integrations)
    return emit({"type": "screen", "name": name, "category": category, "properties": properties, **common},
                using=using)


def group(*, group_id: Any, user_id: Any = None, anonymous_id: Any = None, traits: Mapping | None = None,
          context: Mapping | None = None, timestamp: Any = None, message_id: str | None = None,
          integrations: Mapping | None = None, using: str | None = None) -> str:
    """Queue a ``group`` message: the user belongs to ``group_id`` (a company, an account)."""
    common = _common(user_id=user_id, anonymous_id=anonymous_id, context=context, timestamp=timestamp,
                     message_id=message_id, integrations=integrations)
    return emit({"type": "group", "groupId": group_id, "traits": traits, **common}, using=using)


def alias(*, user_id: Any, previous_id: Any, context: Mapping | None = None, timestamp: Any = None,
          message_id: str | None = None, integrations: Mapping | None = None, using: str | None = None) -> str:
    """Queue an ``alias`` message: ``previous_id`` (e.g. an anonymous id) and ``user_id`` are the same person."""
    common = _common(user_id=user_id, anonymous_id=None, context=context, timestamp=timestamp,
                     message_id=message_id, integrations=integrations)
    return emit({"type": "alias", "previousId": previous_id, **common}, using=using)


# --- relay side ---------------------------------------------------------------------------------------------


def new_claim_token() -> str:
    return uuid.uuid4().hex


def outbox_claim(*, token: str, limit: int, lease: float, due_at: dt.datetime | None = None,
                 now: dt.datetime | None = None) -> list[OutboxMessage]:
    """Take up to ``limit`` pending messages due at ``due_at`` (earliest due first) for the relay holding ``token``.

    A taken row's ``next_attempt_at`` moves ``lease`` seconds ahead, so concurrent relays skip it. On databases
    with ``SELECT ... FOR UPDATE SKIP LOCKED`` the candidates are locked while being taken; elsewhere (SQLite)
    the guarded UPDATE alone decides who gets a row, and a relay that lost every candidate tries the next ones.
    """
    now = now or timezone.now()
    due_at = due_at or now
    db = router.db_for_write(OutboxMessage)
    skip_locked = connections[db].features.has_select_for_update_skip_locked
    for _ in range(5):
        # Without SKIP LOCKED a read-then-write transaction would only add lock upgrades (SQLite "database is
        # locked"); the guarded UPDATE is atomic on its own.
        with transaction.atomic(using=db) if skip_locked else nullcontext():
            due = (OutboxMessage.objects.using(db)
                   .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=due_at)
                   .order_by("next_attempt_at", "id"))  # the order of the index: no sort of a large backlog
            if skip_locked:
                due = due.select_for_update(skip_locked=True)
            candidates = list(due.values_list("id", flat=True)[:limit])
            if not candidates:
                return []
            taken = (OutboxMessage.objects.using(db)
                     .filter(id__in=candidates, status=OutboxStatus.PENDING, next_attempt_at__lte=due_at)
                     .update(claimed_by=token, next_attempt_at=now + dt.timedelta(seconds=lease)))
        if taken:
            claimed = OutboxMessage.objects.using(db).filter(id__in=candidates, claimed_by=token)
            return sorted(claimed, key=lambda row: candidates.index(row.id))
    return []


def outbox_mark_sent(*, ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """The server answered 2xx for these messages: they are delivered."""
    return (OutboxMessage.objects.filter(id__in=list(ids), status=OutboxStatus.PENDING)
            .update(status=OutboxStatus.SENT, sent_at=now or timezone.now(), attempts=F("attempts") + 1,
                    last_error=""))


def outbox_mark_failed(*, reasons: Mapping[int, str], now: dt.datetime | None = None) -> int:
    """The server rejected these messages for good (``reasons`` by row id): never retried automatically."""
    now = now or timezone.now()
    changed = 0
    for row_id, reason in reasons.items():
        changed += (OutboxMessage.objects.filter(id=row_id, status=OutboxStatus.PENDING)
                    .update(status=OutboxStatus.FAILED, failed_at=now, attempts=F("attempts") + 1,
                            last_error=reason))
    return changed


def outbox_schedule_retry(*, ids: Iterable[int], delay: float, error: str, attempted: bool = True,
                          now: dt.datetime | None = None) -> int:
    """Send these again after ``delay`` seconds; ``attempted`` counts the failed try against them."""
    now = now or timezone.now()
    changes: dict[str, Any] = {"next_attempt_at": now + dt.timedelta(seconds=delay), "last_error": error[:2000]}
    if attempted:
        changes["attempts"] = F("attempts") + 1
    return OutboxMessage.objects.filter(id__in=list(ids), status=OutboxStatus.PENDING).update(**changes)


def outbox_purge_sent(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete delivered messages sent more than ``older_than`` ago, in chunks. Pending and failed rows stay."""
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
    while True:
        chunk = list(OutboxMessage.objects.filter(status=OutboxStatus.SENT, sent_at__lt=cutoff)
                     .order_by("id").values_list("id", flat=True)[:PURGE_CHUNK])
        if not chunk:
            return deleted
        deleted += OutboxMessage.objects.filter(id__in=chunk).delete()[0]


def outbox_requeue_failed(*, ids: Iterable[int] | None = None, now: dt.datetime | None = None) -> int:
    """Give failed messages (all, or those ``ids``) another chance, e.g. after the server's rules changed."""
    rows = OutboxMessage.objects.filter(status=OutboxStatus.FAILED)
    if ids is not None:
        rows = rows.filter(id__in=list(ids))
    return rows.update(status=OutboxStatus.PENDING, next_attempt_at=now or timezone.now(), failed_at=None,
                       attempts=0)
