"""The event types the projections understand: one registry, one pure handler each.

A handler turns one stored log event into typed facts — the denormalized ``events`` row, identity links
(identify/alias) and an order (``Order Completed``) — without touching any storage. Types and track names
not in the registry still become an ``events`` row (and stay in ``raw_events``) and are otherwise ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from analyticaflow.eventlog.contracts import StoredEvent
from analyticaflow.projections.channels import origin_of

ORDER_COMPLETED = "Order Completed"


@dataclass(frozen=True, slots=True)
class IdentityLink:
    """``member`` and ``user`` (both distinct ids) are the same person from ``seq`` on (and before: merges are
    retroactive). ``role`` 0: the member was named as such; 1: only as an alias ``previousId``."""

    project_id: int
    member: str
    user: str
    role: int
    seq: int


@dataclass(frozen=True, slots=True)
class OrderFact:
    order_id: str
    revenue: float
    currency: str | None


@dataclass(frozen=True, slots=True)
class ProjectedEvent:
    row: dict[str, Any]  # the events columns except person_id (resolved after identities)
    links: tuple[IdentityLink, ...] = ()
    order: OrderFact | None = None
    traits: dict[str, str] | None = None  # identify traits for the person


@dataclass(frozen=True, slots=True)
class Message:
    """A stored event with its payload parsed once."""

    stored: StoredEvent
    payload: dict[str, Any]
    context: dict[str, Any]
    properties: dict[str, Any]


Handler = Callable[[Message], ProjectedEvent]


@dataclass(frozen=True, slots=True)
class EventKind:
    type: str
    name: str | None  # a track event name, or None for every event of the type
    description: str
    handler: Handler


EVENT_KINDS: dict[tuple[str, str | None], EventKind] = {}


def event_kind(type_: str, name: str | None = None, *, description: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        EVENT_KINDS[(type_, name)] = EventKind(type_, name, description, handler)
        return handler

    return register


def kind_of(type_: str, name: str | None) -> EventKind | None:
    return EVENT_KINDS.get((type_, name)) or EVENT_KINDS.get((type_, None))


# --- field helpers --------------------------------------------------------------------------------------------


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def scalar_text(value: Any) -> str | None:
    """A JSON scalar as text (numbers and booleans as JSON writes them); objects, arrays and null → None."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return orjson.dumps(value).decode()


def _text(value: Any) -> str | None:
    text = scalar_text(value)
    return text if text != "" else None


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return 0.0


def _attribute_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def attributes_of(values: dict[str, Any]) -> dict[str, str]:
    return {str(key): _attribute_text(value) for key, value in values.items() if value is not None}


def utc_naive(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def distinct_id_of(user_id: str | None, anonymous_id: str | None) -> str | None:
    if user_id:
        return "u:" + user_id
    if anonymous_id:
        return "a:" + anonymous_id
    return None


def path_of(url: str | None) -> str | None:
    if not url:
        return None
    rest = url.split("://", 1)[1] if "://" in url else url
    slash = rest.find("/")
    path = rest[slash:] if slash >= 0 else "/"
    return path.split("?", 1)[0].split("#", 1)[0] or "/"


def base_row(message: Message, *, attributes: dict[str, Any]) -> dict[str, Any]:
    """The ``events`` columns every event has, from its record and context."""
    record = message.stored.record
    context, properties = message.context, message.properties
    page = _dict(context.get("page"))
    is_page = record.type == "page"
    url = _text(properties.get("url")) if is_page else None
    url = url or _text(page.get("url"))
    referrer = (_text(properties.get("referrer")) if is_page else None) or _text(page.get("referrer"))
    title = (_text(properties.get("title")) if is_page else None) or _text(page.get("title"))
    path = (_text(properties.get("path")) if is_page else None) or _text(page.get("path")) or path_of(url)
    origin = origin_of(campaign=_dict(context.get("campaign")), url=url, referrer=referrer)
    moment = utc_naive(record.timestamp)
    return {
        "project_id": record.project_id,
        "event_date": moment.date(),
        "event_datetime": moment,
        "seq": message.stored.seq,
        "message_id": record.message_id,
        "received_at": utc_naive(record.received_at),
        "source_type": origin.channel,
        "event_type": record.type,
        "event_name": record.name,
        "campaign_name": origin.campaign,
        "campaign_source": origin.source,
        "campaign_medium": origin.medium,
        "campaign_term": origin.term,
        "ad_creative_name": origin.content,
        "cost": 0.0,
        "revenue": _number(properties.get("revenue")) if record.type == "track" else 0.0,
        "currency": (_text(properties.get("currency")) or "").upper() or None,
        "transactions": 0,
        "order_id": None,
        "client_id": record.anonymous_id,
        "user_id": record.user_id,
        "distinct_id": distinct_id_of(record.user_id, record.anonymous_id),
        "page_url": url,
        "page_path": path,
        "page_title": title,
        "referrer": referrer,
        "referrer_domain": origin.referrer_domain,
        "gclid": origin.gclid,
        "fbclid": origin.fbclid,
        "yclid": origin.yclid,
        "twclid": origin.twclid,
        "attributes": attributes_of(attributes),
    }


def parse(stored: StoredEvent) -> Message:
    try:
        payload = orjson.loads(stored.record.payload)
    except orjson.JSONDecodeError:
        payload = {}
    payload = _dict(payload)
    return Message(stored, payload, _dict(payload.get("context")), _dict(payload.get("properties")))


def link_facts(
    project_id: int, type_: str, anonymous_id: str | None, user_id: str | None, previous_id: str | None, seq: int
) -> tuple[IdentityLink, ...]:
    """The identity links an identify or alias states (shared by both projection paths)."""
    if type_ == "identify" and user_id and anonymous_id:
        return (IdentityLink(project_id, "a:" + anonymous_id, "u:" + user_id, 0, seq),)
    if type_ == "alias" and user_id and previous_id and previous_id != user_id:
        # previousId may have been either an anonymousId or an earlier userId: both are linked.
        user = "u:" + user_id
        return (
            IdentityLink(project_id, "a:" + previous_id, user, 1, seq),
            IdentityLink(project_id, "u:" + previous_id, user, 1, seq),
        )
    return ()


# --- the handlers ---------------------------------------------------------------------------------------------


@event_kind("track", description="A business event: its properties become attributes.")
def project_track(message: Message) -> ProjectedEvent:
    return ProjectedEvent(base_row(message, attributes=message.properties))


@event_kind("track", ORDER_COMPLETED, description="An order: value = properties.revenue, deduplicated by order_id.")
def project_order(message: Message) -> ProjectedEvent:
    row = base_row(message, attributes=message.properties)
    properties = message.properties
    order_id = _text(properties.get("order_id")) or _text(properties.get("orderId")) or row["message_id"]
    revenue_field = "revenue" if properties.get("revenue") is not None else "total"
    revenue = _number(properties.get(revenue_field))
    row.update(order_id=order_id, revenue=revenue, transactions=1)
    return ProjectedEvent(row, order=OrderFact(order_id, revenue, row["currency"]))


@event_kind("page", description="A page view: a touchpoint when it starts a visit.")
def project_page(message: Message) -> ProjectedEvent:
    return ProjectedEvent(base_row(message, attributes=message.properties))


@event_kind("screen", description="A mobile screen view.")
def project_screen(message: Message) -> ProjectedEvent:
    return ProjectedEvent(base_row(message, attributes=message.properties))


def _traits(message: Message) -> dict[str, Any]:
    traits = _dict(message.payload.get("traits")) or _dict(message.context.get("traits"))
    return traits


@event_kind("identify", description="Who the user is: links the anonymousId to the userId; traits.")
def project_identify(message: Message) -> ProjectedEvent:
    record = message.stored.record
    row = base_row(message, attributes=_traits(message))
    links = link_facts(record.project_id, "identify", record.anonymous_id, record.user_id, None, message.stored.seq)
    return ProjectedEvent(row, links=links, traits=row["attributes"])


@event_kind("alias", description="previousId and userId are the same person.")
def project_alias(message: Message) -> ProjectedEvent:
    record = message.stored.record
    row = base_row(message, attributes={})
    previous = _text(message.payload.get("previousId"))
    links = link_facts(record.project_id, "alias", record.anonymous_id, record.user_id, previous, message.stored.seq)
    return ProjectedEvent(row, links=links)


@event_kind("group", description="The user's account or company; traits become attributes.")
def project_group(message: Message) -> ProjectedEvent:
    return ProjectedEvent(base_row(message, attributes=_traits(message)))


def project_unknown(message: Message) -> ProjectedEvent:
    """A type no handler knows: kept as an events row without a person, so nothing else is derived from it."""
    row = base_row(message, attributes=message.properties)
    row["distinct_id"] = None
    return ProjectedEvent(row)


def project(stored: StoredEvent) -> ProjectedEvent:
    """The facts of one stored event (pure)."""
    record = stored.record
    message = parse(stored)
    kind = kind_of(record.type, record.name)
    handler = kind.handler if kind is not None else project_unknown
    return handler(message)
