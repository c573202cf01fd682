"""Building blocks for projection tests: Segment messages as stored log events, and an in-memory log."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import orjson

from analyticaflow.eventlog.contracts import AppendResult, EventRecord, StoredEvent

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
_ids = itertools.count(1)


def at(minutes: float = 0, seconds: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


def message(
    type_: str,
    *,
    project_id: int = 1,
    anonymous_id: str | None = None,
    user_id: str | None = None,
    timestamp: datetime = T0,
    name: str | None = None,
    properties: dict | None = None,
    traits: dict | None = None,
    context: dict | None = None,
    message_id: str | None = None,
    **extra,
) -> EventRecord:
    message_id = message_id or f"m-{next(_ids)}"
    payload: dict = {"type": type_, "messageId": message_id, "timestamp": timestamp.isoformat()}
    if anonymous_id is not None:
        payload["anonymousId"] = anonymous_id
    if user_id is not None:
        payload["userId"] = user_id
    if type_ == "track":
        payload["event"] = name
    elif name is not None:
        payload["name"] = name
    if properties is not None:
        payload["properties"] = properties
    if traits is not None:
        payload["traits"] = traits
    payload["context"] = context or {}
    payload.update(extra)
    return EventRecord(
        project_id=project_id,
        message_id=message_id,
        type=type_,
        name=name,
        anonymous_id=anonymous_id,
        user_id=user_id,
        timestamp=timestamp,
        received_at=timestamp + timedelta(seconds=1),
        payload=orjson.dumps(payload),
    )


def page(url: str = "https://shop.test/", *, referrer: str | None = None, campaign: dict | None = None, **kw):
    context = {"page": {"url": url, **({"referrer": referrer} if referrer else {})}}
    if campaign:
        context["campaign"] = campaign
    properties = {"url": url, **({"referrer": referrer} if referrer else {})}
    return message("page", properties=properties, context=context, **kw)


def track(name: str, **kw):
    return message("track", name=name, **kw)


def identify(**kw):
    return message("identify", **kw)


def alias(previous_id: str, **kw):
    return message("alias", previousId=previous_id, **kw)


class ListLog:
    """The EventLog contract over a Python list (tests that need no file)."""

    def __init__(self, records: Sequence[EventRecord] = ()) -> None:
        self.events: list[StoredEvent] = []
        self._seen: set[tuple[int, str]] = set()
        self.append(records)

    def append(self, records: Sequence[EventRecord]) -> AppendResult:
        stored = duplicates = 0
        for record in records:
            key = (record.project_id, record.message_id)
            if key in self._seen:
                duplicates += 1
                continue
            self._seen.add(key)
            self.events.append(StoredEvent(seq=len(self.events) + 1, record=record))
            stored += 1
        return AppendResult(stored=stored, duplicates=duplicates)

    def read(self, *, after_seq: int, limit: int) -> list[StoredEvent]:
        return self.events[after_seq : after_seq + limit]

    def last_seq(self) -> int:
        return len(self.events)

    def close(self) -> None:
        pass


def generated_stream(
    seed: int, *, people: int = 40, events: int = 600, projects: int = 2, unknown_types: bool = True
) -> list[EventRecord]:
    """A shop's traffic with everything the projections must get right: several devices per person, late
    identify and alias, visits across the 30-minute gap, every channel signal, duplicate orders, events
    arriving out of time order, an unknown type, and two projects sharing ids."""
    import random

    rng = random.Random(seed)
    referrers = [
        None,
        "https://www.google.com/",
        "https://www.bing.com/search",
        "https://t.co/x",
        "https://l.facebook.com/",
        "https://blog.example.org/post",
        "https://shop.test/cart",
    ]
    campaigns = [
        None,
        {"source": "newsletter", "medium": "email", "name": "spring"},
        {"source": "Facebook", "medium": "paid_social", "name": "retarget", "content": "ad-7"},
    ]
    urls = [
        "https://shop.test/",
        "https://shop.test/p/1?gclid=g1",
        "https://shop.test/p/2?fbclid=f2",
        "https://shop.test/p/3?yclid=y3",
        "https://shop.test/p/4?twclid=t4",
        "https://shop.test/?utm_source=partner&utm_medium=referral&utm_campaign=collab",
    ]
    devices = {p: [f"dev-{p}-{d}" for d in range(rng.randint(1, 3))] for p in range(people)}
    clock = {p: rng.uniform(0, 600) for p in range(people)}
    records: list[EventRecord] = []
    orders = 0
    for _ in range(events):
        p = rng.randrange(people)
        project_id = 1 + (p % projects)
        clock[p] += rng.choice([0, 0.5, 5, 29, 30, 30.0001, 31, 45, 200, 3000])
        when = at(clock[p])
        if rng.random() < 0.05:  # arrives late: happened earlier than the person's latest event
            when = at(clock[p] - rng.uniform(1, 120))
        anon = rng.choice(devices[p])
        user = f"user-{p}" if rng.random() < 0.3 else None
        roll = rng.random()
        if roll < 0.45:
            records.append(
                page(
                    rng.choice(urls),
                    referrer=rng.choice(referrers),
                    campaign=rng.choice(campaigns),
                    project_id=project_id,
                    anonymous_id=anon,
                    user_id=user,
                    timestamp=when,
                )
            )
        elif roll < 0.6:
            records.append(
                identify(
                    project_id=project_id,
                    anonymous_id=anon,
                    user_id=f"user-{p}",
                    timestamp=when,
                    traits={"plan": rng.choice(["free", "pro"]), "n": rng.randint(0, 9)},
                )
            )
        elif roll < 0.64:
            records.append(alias(f"user-{p}", project_id=project_id, user_id=f"member-{p}", timestamp=when))
        elif roll < 0.72:
            orders += 1
            order_id = f"o-{rng.randint(1, max(1, orders))}"  # repeats: duplicates by order_id
            records.append(
                track(
                    "Order Completed",
                    project_id=project_id,
                    anonymous_id=anon,
                    user_id=user,
                    timestamp=when,
                    properties={"order_id": order_id, "revenue": rng.choice([10, 25.5]), "currency": "usd"},
                )
            )
        elif roll < 0.74 and unknown_types:  # only a list log takes types outside the Segment spec
            records.append(message("beacon", project_id=project_id, anonymous_id=anon, timestamp=when))
        else:
            records.append(
                track(
                    rng.choice(["Product Viewed", "Signed Up", "Mystery Thing"]),
                    project_id=project_id,
                    anonymous_id=anon,
                    user_id=user,
                    timestamp=when,
                    properties={"sku": "x"},
                )
            )
    return records
