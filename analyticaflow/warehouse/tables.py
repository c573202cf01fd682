"""The warehouse tables (same columns on DuckDB and ClickHouse).

Served names (``events``, ``sessions``, ...) are views over the physical tables of the served generation
(``events_g3``...); reports read the served names only. On ClickHouse the views apply ``FINAL``, so readers
never see replaced row versions or tombstones. Timestamps are UTC (DuckDB ``TIMESTAMP`` holds UTC wall time);
``*_date`` columns are UTC dates — reports convert to the project's time zone from the timestamps.

Identity: ``distinct_id`` is ``u:<userId>`` for events with a userId, else ``a:<anonymousId>``.
``person_id`` is the ``distinct_id`` that stands for the merged person (see projections/identity.py).
"""

from __future__ import annotations

from analyticaflow.warehouse.schema import DATE, FLAG, FLOAT, INT, TEXT, TEXT_MAP, TIMESTAMP, TableSpec, col

RAW_EVENTS = TableSpec(
    "raw_events",
    (
        col("project_id", INT),
        col("seq", INT),
        col("message_id", TEXT),
        col("type", TEXT),
        col("name", TEXT, True),
        col("anonymous_id", TEXT, True),
        col("user_id", TEXT, True),
        col("event_date", DATE),
        col("event_datetime", TIMESTAMP),
        col("received_at", TIMESTAMP),
        col("payload", TEXT),  # the original message as JSON, with the server's stamps
    ),
    key=("project_id", "seq"),
    partition_by_month="event_date",
)

EVENTS = TableSpec(
    "events",
    (
        col("project_id", INT),
        col("event_date", DATE),
        col("event_datetime", TIMESTAMP),
        col("seq", INT),
        col("message_id", TEXT),
        col("received_at", TIMESTAMP),
        col("source_type", TEXT),  # the channel of the event's own context (see projections/channels.py)
        col("event_type", TEXT),  # Segment type: track, page, screen, identify, group, alias
        col("event_name", TEXT, True),  # track: event; page/screen: name
        col("campaign_name", TEXT, True),
        col("campaign_source", TEXT, True),
        col("campaign_medium", TEXT, True),
        col("campaign_term", TEXT, True),
        col("ad_creative_name", TEXT, True),  # utm_content
        col("cost", FLOAT),
        col("revenue", FLOAT),
        col("currency", TEXT, True),
        col("transactions", INT),
        col("order_id", TEXT, True),
        col("client_id", TEXT, True),  # the anonymousId (device/browser)
        col("user_id", TEXT, True),
        col("distinct_id", TEXT, True),
        col("person_id", TEXT, True),
        col("page_url", TEXT, True),
        col("page_path", TEXT, True),
        col("page_title", TEXT, True),
        col("referrer", TEXT, True),
        col("referrer_domain", TEXT, True),
        col("gclid", TEXT, True),
        col("fbclid", TEXT, True),
        col("yclid", TEXT, True),
        col("twclid", TEXT, True),
        col("attributes", TEXT_MAP),  # properties (traits for identify/group), values as text/JSON
    ),
    key=("project_id", "seq"),
    order=("project_id", "event_date"),
    partition_by_month="event_date",
)

IDENTITY_MAP = TableSpec(
    "identity_map",
    (
        col("project_id", INT),
        col("distinct_id", TEXT),
        col("person_id", TEXT),
        col("first_seq", INT),  # first identify/alias that linked this id
        col("link_role", INT),  # 0: named as userId/anonymousId; 1: only as an alias previousId
    ),
    key=("project_id", "distinct_id"),
)

PERSONS = TableSpec(
    "persons",
    (
        col("project_id", INT),
        col("person_id", TEXT),
        col("user_id", TEXT, True),  # the person's userId (none for guests)
        col("first_seen_at", TIMESTAMP),
        col("last_seen_at", TIMESTAMP),
        col("event_count", INT),
        col("traits", TEXT_MAP),  # identify traits merged in time order, the latest value wins
    ),
    key=("project_id", "person_id"),
)

SESSIONS = TableSpec(
    "sessions",
    (
        col("project_id", INT),
        col("person_id", TEXT),
        col("session_id", INT),  # the seq of the session's first event
        col("session_date", DATE),
        col("started_at", TIMESTAMP),
        col("ended_at", TIMESTAMP),
        col("event_count", INT),
        col("page_count", INT),
    ),
    key=("project_id", "person_id", "session_id"),
)

TOUCHPOINTS = TableSpec(
    "touchpoints",
    (
        col("project_id", INT),
        col("person_id", TEXT),
        col("seq", INT),  # the page event's seq
        col("message_id", TEXT),
        col("session_id", INT),
        col("touch_date", DATE),
        col("touched_at", TIMESTAMP),
        col("channel", TEXT),
        col("source", TEXT, True),
        col("medium", TEXT, True),
        col("campaign", TEXT, True),
        col("term", TEXT, True),
        col("content", TEXT, True),
        col("gclid", TEXT, True),
        col("fbclid", TEXT, True),
        col("yclid", TEXT, True),
        col("twclid", TEXT, True),
        col("referrer", TEXT, True),
        col("referrer_domain", TEXT, True),
        col("landing_url", TEXT, True),
        col("landing_path", TEXT, True),
        col("is_first_page", FLAG),  # the person's first page event ever
    ),
    key=("project_id", "person_id", "seq"),
)

ORDERS = TableSpec(
    "orders",
    (
        col("project_id", INT),
        col("order_id", TEXT),
        col("seq", INT),
        col("message_id", TEXT),
        col("person_id", TEXT, True),
        col("distinct_id", TEXT, True),
        col("order_date", DATE),
        col("ordered_at", TIMESTAMP),
        col("revenue", FLOAT),
        col("currency", TEXT, True),
    ),
    key=("project_id", "order_id"),
)

# Tables rebuilt by replay, in the order the projector writes them.
PROJECTED_TABLES = (EVENTS, IDENTITY_MAP, PERSONS, SESSIONS, TOUCHPOINTS, ORDERS)
ARCHIVE_TABLES = (RAW_EVENTS,)
ALL_TABLES = ARCHIVE_TABLES + PROJECTED_TABLES
