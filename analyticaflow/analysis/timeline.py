"""A person's timeline for support staff: who they are (every id merged into them) and every event they did,
on any device, in time order (then arrival order), one page at a time.

A person is looked up by any of their ids: a person or distinct id (``u:<userId>``, ``a:<anonymousId>``), a bare
userId or anonymousId, or the ``email`` trait of an identify. Merged ids lead to the merged person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from analyticaflow.reports.sqlparts import Params
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql

EVENT_COLUMNS = (
    "seq", "event_datetime", "event_type", "event_name", "message_id", "source_type", "campaign_source",
    "campaign_medium", "campaign_name", "campaign_term", "ad_creative_name", "page_url", "page_path", "page_title",
    "referrer", "gclid", "fbclid", "yclid", "twclid", "revenue", "currency", "order_id", "client_id", "user_id",
    "distinct_id", "attributes",
)
MAX_IDENTITIES = 200


@dataclass(frozen=True, slots=True)
class TimelineQuery:
    project_id: int
    person: str
    limit: int = 100
    cursor: str | None = None  # "<epoch µs>.<seq>" of the last event of the previous page
    newest_first: bool = False


@dataclass(frozen=True, slots=True)
class PersonSummary:
    person_id: str
    user_id: str | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    event_count: int
    traits: dict[str, str]
    identities: tuple[str, ...]  # the distinct ids merged into the person
    devices: int  # distinct anonymousIds seen


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    values: dict  # EVENT_COLUMNS
    session_start: bool  # the first event of a visit (30-minute rule)
    touchpoint_channel: str | None  # set when the event is a touchpoint


@dataclass(frozen=True, slots=True)
class Timeline:
    person: PersonSummary
    events: tuple[TimelineEvent, ...]
    next_cursor: str | None


def parse_cursor(cursor: str) -> tuple[int, int] | None:
    moment, _, seq = cursor.partition(".")
    try:
        return int(moment), int(seq)
    except ValueError:
        return None


def resolve_person(*, warehouse: Warehouse, project_id: int, person: str) -> str | None:
    """The person id of any of their ids or their e-mail; None when nobody matches."""
    text = person.strip()
    candidates = [text] if text.startswith(("u:", "a:")) else [f"u:{text}", f"a:{text}"]
    params = Params()
    p = params.add(project_id, "p")
    linked = warehouse.query(params.sql(
        f"SELECT person_id FROM identity_map WHERE project_id = {p} AND {params.in_list('distinct_id', candidates)} "
        "ORDER BY distinct_id DESC LIMIT 1"))  # u: before a: when both exist
    if linked:
        return str(linked[0][0])
    params = Params()
    p = params.add(project_id, "p")
    known = warehouse.query(params.sql(
        f"SELECT person_id FROM persons WHERE project_id = {p} AND {params.in_list('person_id', candidates)} "
        "ORDER BY person_id DESC LIMIT 1"))
    if known:
        return str(known[0][0])
    params = Params()
    by_email = warehouse.query(params.sql(
        f"SELECT person_id FROM persons WHERE project_id = {params.add(project_id, 'p')} "
        f"AND {warehouse.dialect.map_value('traits', params.add('email', 'k'))} = {params.add(text, 'e')} "
        "ORDER BY last_seen_at DESC, person_id LIMIT 1"))
    return str(by_email[0][0]) if by_email else None


def _summary(warehouse: Warehouse, project_id: int, person_id: str) -> PersonSummary:
    args = {"p": project_id, "person": person_id}
    found = warehouse.query(Sql(
        "SELECT user_id, first_seen_at, last_seen_at, event_count, traits FROM persons "
        "WHERE project_id = {p} AND person_id = {person}", args))
    identities = [row[0] for row in warehouse.query(Sql(
        "SELECT distinct_id FROM identity_map WHERE project_id = {p} AND person_id = {person} "
        f"ORDER BY distinct_id LIMIT {MAX_IDENTITIES}", args))] or [person_id]
    (devices,) = warehouse.query(Sql(
        "SELECT count(DISTINCT client_id) FROM events WHERE project_id = {p} AND person_id = {person}", args))[0]
    user_id, first, last, count, traits = found[0] if found else (None, None, None, 0, {})
    return PersonSummary(person_id=person_id, user_id=user_id, first_seen_at=first, last_seen_at=last,
                         event_count=int(count), traits=dict(traits or {}), identities=tuple(identities),
                         devices=int(devices))


def timeline_sql(warehouse: Warehouse, query: TimelineQuery, person_id: str) -> Sql:
    dialect = warehouse.dialect
    params = Params()
    p, who = params.add(query.project_id, "p"), params.add(person_id, "who")
    conditions = [f"e.project_id = {p}", f"e.person_id = {who}"]
    after = parse_cursor(query.cursor) if query.cursor else None
    epoch = dialect.epoch_micros("e.event_datetime")
    if after is not None:
        moment, seq = params.add(after[0], "t"), params.add(after[1], "s")
        sign = "<" if query.newest_first else ">"
        conditions.append(f"({epoch} {sign} {moment} OR ({epoch} = {moment} AND e.seq {sign} {seq}))")
    direction = "DESC" if query.newest_first else "ASC"
    columns = ", ".join(f"e.{c}" for c in EVENT_COLUMNS)
    return params.sql(f"""
        SELECT {columns}, {epoch} AS t_us, coalesce(s.started, 0) AS session_start,
               nullIf(coalesce(tp.channel, ''), '') AS touch_channel
        FROM events AS e
        LEFT JOIN (SELECT session_id, 1 AS started FROM sessions WHERE project_id = {p} AND person_id = {who}) AS s
          ON s.session_id = e.seq
        LEFT JOIN (SELECT seq, channel FROM touchpoints WHERE project_id = {p} AND person_id = {who}) AS tp
          ON tp.seq = e.seq
        WHERE {" AND ".join(conditions)}
        ORDER BY e.event_datetime {direction}, e.seq {direction}
        LIMIT {params.add(query.limit + 1, "lim")}
    """)


def timeline_run(*, warehouse: Warehouse, query: TimelineQuery) -> Timeline | None:
    """The person's summary and one page of events; None when no person has that id."""
    person_id = resolve_person(warehouse=warehouse, project_id=query.project_id, person=query.person)
    if person_id is None:
        return None
    rows = warehouse.query(timeline_sql(warehouse, query, person_id))
    page = rows[:query.limit]
    n = len(EVENT_COLUMNS)
    events = tuple(TimelineEvent(values=dict(zip(EVENT_COLUMNS, row[:n], strict=True)),
                                 session_start=bool(row[n + 1]), touchpoint_channel=row[n + 2]) for row in page)
    next_cursor = f"{page[-1][n]}.{page[-1][0]}" if len(rows) > query.limit else None
    return Timeline(person=_summary(warehouse, query.project_id, person_id), events=events, next_cursor=next_cursor)
