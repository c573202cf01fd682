"""Set-based derivations of the per-person tables (sessions, touchpoints), written once for both dialects.

They are recomputed for the persons a chunk touches, from all of those persons' events, so applying the log
in any chunking gives the tables a full rebuild gives.

- A session is a run of a person's events (any type, any device) ordered by ``(event_datetime, seq)`` with
  no gap longer than 30 minutes: a gap of exactly 30 minutes stays in the session, 30 min + 1 µs starts a
  new one. ``session_id`` is the seq of its first event.
- A touchpoint is a ``page`` event that is the person's first page event, or that comes strictly more than
  30 minutes after the person's previous event of any type (i.e. a page that starts a session).
"""

from __future__ import annotations

from analyticaflow.warehouse.dialects import Dialect
from analyticaflow.warehouse.sql import Sql, ident

SESSION_GAP_MICROS = 30 * 60 * 1_000_000

TIMELINE_COLUMNS = (
    "message_id",
    "source_type",
    "campaign_source",
    "campaign_medium",
    "campaign_name",
    "campaign_term",
    "ad_creative_name",
    "gclid",
    "fbclid",
    "yclid",
    "twclid",
    "referrer",
    "referrer_domain",
    "page_url",
    "page_path",
)


def anchors(dialect: Dialect, *, affected: str, sessions: str) -> Sql:
    """Per affected person, where the recomputation starts (NULL: from the first event) and how many page
    events came before it.

    The anchor is a session start at or before the earliest new event (``since``), so sessions before it
    are unchanged: the start of the person's last session beginning at or before ``since`` — or ``since``
    itself when no stored session can reach it (none before, or the last one ended more than 30 minutes
    before ``since``).
    """
    gap = f"{dialect.epoch_micros('since')} - {dialect.epoch_micros('last_end')}"
    return Sql(
        f"""
        WITH last AS (
            SELECT a.project_id, a.person_id, a.since,
                   max(CASE WHEN s.started_at <= a.since THEN s.started_at END) AS last_start
            FROM {ident(affected)} AS a
            LEFT JOIN {dialect.read_as(sessions, "s")} ON a.project_id = s.project_id AND a.person_id = s.person_id
            GROUP BY a.project_id, a.person_id, a.since
        ), ends AS (
            SELECT l.project_id, l.person_id, l.since, l.last_start,
                   max(CASE WHEN s.started_at = l.last_start THEN s.ended_at END) AS last_end
            FROM last AS l
            LEFT JOIN {dialect.read_as(sessions, "s")} ON l.project_id = s.project_id AND l.person_id = s.person_id
            GROUP BY l.project_id, l.person_id, l.since, l.last_start
        ), anchored AS (
            SELECT project_id, person_id,
                   CASE WHEN since IS NULL THEN NULL
                        WHEN last_start IS NULL THEN since
                        WHEN {gap} > {SESSION_GAP_MICROS} THEN since
                        ELSE last_start END AS anchor
            FROM ends
        )
        SELECT x.project_id, x.person_id, x.anchor,
               coalesce(sum(CASE WHEN s.started_at < x.anchor THEN s.page_count END), 0) AS pages_before
        FROM anchored AS x
        LEFT JOIN {dialect.read_as(sessions, "s")} ON x.project_id = s.project_id AND x.person_id = s.person_id
        GROUP BY x.project_id, x.person_id, x.anchor
        """
    )


def timeline(
    dialect: Dialect, *, events: str, anchors: str | None, carried: tuple[str, ...] = TIMELINE_COLUMNS
) -> Sql:
    """The affected persons' events from their anchor on, with session ids and running page counts.

    ``anchors`` None: every person's events from the first (a set-based rebuild). ``carried``: the events
    columns that come along (a rebuild carries none and :func:`touchpoints` fetches them for its few rows)."""
    order = "ORDER BY e.event_datetime, e.seq"
    window = f"PARTITION BY e.project_id, e.person_id {order}"
    running = (
        "PARTITION BY project_id, person_id ORDER BY event_datetime, seq "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    )
    from_events = "".join(f", e.{ident(c)}" for c in carried)
    carried = "".join(f", {ident(c)}" for c in carried)
    gap = f"{dialect.epoch_micros('event_datetime')} - {dialect.epoch_micros('prev_at')}"
    if anchors is None:
        scope, pages_before = "WHERE e.person_id IS NOT NULL", "0"
    else:
        scope = (
            f"INNER JOIN {ident(anchors)} AS a ON e.project_id = a.project_id AND e.person_id = a.person_id "
            "WHERE a.anchor IS NULL OR e.event_datetime >= a.anchor"
        )
        pages_before = "a.pages_before"
    return Sql(
        f"""
        WITH ev AS (
            SELECT e.project_id, e.person_id, e.seq, e.event_datetime, e.event_type,
                   {pages_before} AS pages_before{from_events},
                   {dialect.previous("e.event_datetime", window)} AS prev_at
            FROM {dialect.read_as(events, "e")}
            {scope}
        ), marked AS (
            SELECT project_id, person_id, seq, event_datetime, event_type, pages_before{carried},
                   CASE WHEN prev_at IS NULL OR {gap} > {SESSION_GAP_MICROS} THEN 1 ELSE 0 END AS is_start
            FROM ev
        ), numbered AS (
            SELECT project_id, person_id, seq, event_datetime, event_type{carried}, is_start,
                   sum(is_start) OVER ({running}) AS session_no,
                   pages_before + sum(CASE WHEN event_type = 'page' THEN 1 ELSE 0 END) OVER ({running}) AS page_no
            FROM marked
        )
        SELECT project_id, person_id, seq, event_datetime, event_type{carried}, is_start, page_no,
               max(is_start * seq) OVER (PARTITION BY project_id, person_id, session_no) AS session_id
        FROM numbered
        """
    )


def sessions(*, timeline: str) -> Sql:
    return Sql(
        f"""
        SELECT project_id, person_id, session_id,
               CAST(min(event_datetime) AS DATE) AS session_date,
               min(event_datetime) AS started_at, max(event_datetime) AS ended_at,
               count(*) AS event_count,
               sum(CASE WHEN event_type = 'page' THEN 1 ELSE 0 END) AS page_count
        FROM {ident(timeline)}
        GROUP BY project_id, person_id, session_id
        """
    )


def touchpoints(*, timeline: str, events: str | None = None, dialect: Dialect | None = None) -> Sql:
    """The touchpoints of ``timeline``; with ``events``, a timeline without carried columns: the touchpoint rows
    take them from their events row."""
    source = ident(timeline)
    if events is not None:
        fetched = ", ".join(f"e.{ident(c)} AS {ident(c)}" for c in TIMELINE_COLUMNS)
        source = (
            "(SELECT t.project_id AS project_id, t.person_id AS person_id, t.seq AS seq, t.session_id AS session_id, "
            "t.event_datetime AS event_datetime, t.event_type AS event_type, t.is_start AS is_start, "
            f"t.page_no AS page_no, {fetched} FROM {ident(timeline)} AS t "
            f"INNER JOIN {dialect.read_as(events, 'e')} ON t.project_id = e.project_id AND t.seq = e.seq "
            "WHERE t.event_type = 'page' AND (t.is_start = 1 OR t.page_no = 1)) AS p"
        )
    return Sql(
        f"""
        SELECT project_id, person_id, seq, message_id, session_id,
               CAST(event_datetime AS DATE) AS touch_date, event_datetime AS touched_at,
               source_type AS channel, campaign_source AS source, campaign_medium AS medium,
               campaign_name AS campaign, campaign_term AS term, ad_creative_name AS content,
               gclid, fbclid, yclid, twclid, referrer, referrer_domain,
               page_url AS landing_url, page_path AS landing_path,
               CASE WHEN page_no = 1 THEN 1 ELSE 0 END AS is_first_page
        FROM {source}
        WHERE event_type = 'page' AND (is_start = 1 OR page_no = 1)
        """
    )


def _person_events(dialect: Dialect, *, events: str, affected: str) -> str:
    # A person recomputed whole (since IS NULL) reads all their events; the others only the chunk's.
    return (
        f"FROM {dialect.read_as(events, 'e')} "
        f"INNER JOIN {ident(affected)} AS a ON e.project_id = a.project_id AND e.person_id = a.person_id "
        "WHERE (a.since IS NULL OR e.seq > {after_seq})"
    )


def person_summaries(dialect: Dialect, *, events: str, affected: str, after_seq: int) -> Sql:
    return Sql(
        f"SELECT e.project_id, e.person_id, min(e.event_datetime), max(e.event_datetime), count(*) "
        f"{_person_events(dialect, events=events, affected=affected)} GROUP BY e.project_id, e.person_id",
        {"after_seq": after_seq},
    )


def person_traits(dialect: Dialect, *, events: str, affected: str, after_seq: int) -> Sql:
    """identify traits in log order: the person's row keeps the latest value of each trait."""
    return Sql(
        f"SELECT e.project_id, e.person_id, e.attributes {_person_events(dialect, events=events, affected=affected)} "
        "AND e.event_type = 'identify' ORDER BY e.project_id, e.person_id, e.seq",
        {"after_seq": after_seq},
    )


def stored_persons(dialect: Dialect, *, persons: str, affected: str) -> Sql:
    return Sql(
        f"SELECT p.project_id, p.person_id, p.first_seen_at, p.last_seen_at, p.event_count, p.traits "
        f"FROM {dialect.read_as(persons, 'p')} "
        f"INNER JOIN {ident(affected)} AS a ON p.project_id = a.project_id AND p.person_id = a.person_id "
        "WHERE a.since IS NOT NULL"
    )
