"""The analyses' answers as JSON-ready dicts (the shapes the API documents). Pure functions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from analyticaflow.analysis.breakdowns import BREAKDOWNS
from analyticaflow.analysis.cohorts import CohortQuery, CohortResult
from analyticaflow.analysis.funnels import DroppedQuery, FunnelQuery, FunnelResult, StepStats
from analyticaflow.analysis.ltv import ALL, LtvCurve, LtvQuery, LtvResult
from analyticaflow.analysis.paths import PathsQuery, PathsResult
from analyticaflow.analysis.steps import EventMatcher
from analyticaflow.analysis.timeline import Timeline, TimelineQuery
from analyticaflow.channelgroups.rules import LABELS as GROUP_LABELS

DIGITS = 6
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), DIGITS)


def _instant(value: datetime | int | None) -> str | None:
    """An ISO 8601 UTC instant from a naive-UTC datetime or epoch microseconds."""
    if value is None:
        return None
    if isinstance(value, int):
        value = _EPOCH + timedelta(microseconds=value)
    elif value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def matcher(step: EventMatcher) -> dict[str, Any]:
    return {"type": step.type, "event": step.event,
            "filters": [{"property": f.property, "operator": f.operator, "value": f.value} for f in step.filters]}


def _step(stats: StepStats, step: EventMatcher) -> dict[str, Any]:
    return {
        "step": stats.step, "label": stats.label, "event": matcher(step), "persons": stats.persons,
        "conversion_from_previous": _round(stats.conversion_from_previous),
        "conversion_from_first": _round(stats.conversion_from_first), "dropped": stats.dropped,
        "median_seconds_from_previous": _round(stats.median_seconds_from_previous),
    }


def funnel_response(query: FunnelQuery, result: FunnelResult, dropped: DroppedQuery | None) -> dict[str, Any]:
    breakdown = None
    if query.breakdown and query.breakdown in BREAKDOWNS:
        kind = BREAKDOWNS[query.breakdown]
        breakdown = {
            "by": query.breakdown, "property": query.breakdown_property, "group_count": result.group_count,
            "groups": [{"value": g.value, "label": kind.label(g.value),
                        "steps": [_step(s, step) for s, step in zip(g.steps, query.steps, strict=True)]}
                       for g in result.groups],
        }
    dropped_answer = None
    if dropped is not None:
        dropped_answer = {
            "step": dropped.step, "group": dropped.group, "next": result.dropped_next,
            "persons": [{"person_id": p.person_id, "entered_at": _instant(p.entered_at_us),
                         "last_step_at": _instant(p.last_step_at_us)} for p in result.dropped],
        }
    return {
        "date_from": _day(query.period.date_from), "date_to": _day(query.period.date_to),
        "timezone": query.period.timezone, "window_seconds": int(query.window.total_seconds()),
        "steps": [_step(s, step) for s, step in zip(result.steps, query.steps, strict=True)],
        "breakdown": breakdown, "dropped": dropped_answer,
    }


def cohorts_response(query: CohortQuery, result: CohortResult) -> dict[str, Any]:
    return {
        "date_from": _day(query.period.date_from), "date_to": _day(query.period.date_to),
        "timezone": query.period.timezone, "currency": query.currency, "granularity": query.granularity,
        "periods": query.periods, "as_of": _instant(query.as_of),
        "start_event": matcher(query.start), "return_event": matcher(query.returning),
        "cohorts": [{
            "cohort": _day(row.cohort), "size": row.size,
            "cells": [{"k": c.k, "period_start": _day(c.period_start), "observed": c.observed,
                       "complete": c.complete, "persons": c.persons, "retention": _round(c.retention),
                       "revenue": _round(c.revenue), "revenue_per_member": _round(c.revenue_per_member)}
                      for c in row.cells],
        } for row in result.rows],
        "average": [{"k": a.k, "cohorts": a.cohorts, "members": a.members, "retention": _round(a.retention),
                     "revenue_per_member": _round(a.revenue_per_member)} for a in result.average],
        "warnings": result.warnings,
        "data_as_of": None if result.stored_through is None else {
            "seq": result.stored_through[0], "built_at": _instant(result.stored_through[1])},
    }


def _curve(curve: LtvCurve, by: str) -> dict[str, Any]:
    label = "All customers" if curve.key == ALL else (GROUP_LABELS.get(curve.key, curve.key)
                                                      if by == "channel_group" else curve.key)
    return {
        "key": curve.key, "label": label, "customers": curve.customers,
        "ltv": [_round(v) for v in curve.ltv], "observable_customers": list(curve.observable_customers),
        "ltv_observable": [_round(v) for v in curve.ltv_observable], "spend": _round(curve.spend),
        "cac": _round(curve.cac), "ltv_cac": _round(curve.ltv_cac), "ltv_cac_month": curve.ltv_cac_month,
        "payback_month": curve.payback_month,
    }


def ltv_response(query: LtvQuery, result: LtvResult, spend_warnings: list[dict]) -> dict[str, Any]:
    return {
        "date_from": _day(query.period.date_from), "date_to": _day(query.period.date_to),
        "timezone": query.period.timezone, "currency": query.currency, "months": query.months, "by": query.by,
        "as_of": _instant(query.as_of), "overall": _curve(result.overall, query.by),
        "groups": [_curve(c, query.by) for c in result.groups],
        "warnings": [*spend_warnings, *result.warnings],
    }


def paths_response(query: PathsQuery, result: PathsResult) -> dict[str, Any]:
    def label(name: str) -> str:
        return GROUP_LABELS.get(name, name) if query.by == "channel_group" else name

    return {
        "view": "paths", "date_from": _day(query.period.date_from), "date_to": _day(query.period.date_to),
        "timezone": query.timezone, "currency": query.currency, "lookback_days": query.lookback_days,
        "by": query.by, "collapse_repeats": query.collapse_repeats, "conversions": result.conversions,
        "value": _round(result.value), "non_converting": result.non_converting,
        "distinct_paths": result.distinct_paths,
        "paths": [{"path": list(row.path), "labels": [label(step) for step in row.path],
                   "conversions": row.conversions, "value": _round(row.value),
                   "non_converting": row.non_converting, "conversion_rate": _round(row.conversion_rate)}
                  for row in result.paths],
        "warnings": result.warnings,
    }


def _event(event) -> dict[str, Any]:
    v = event.values
    clicks = {name: v[name] for name in ("gclid", "fbclid", "yclid", "twclid") if v[name]}
    campaign = {"source": v["campaign_source"], "medium": v["campaign_medium"], "name": v["campaign_name"],
                "term": v["campaign_term"], "content": v["ad_creative_name"]}
    page = {"url": v["page_url"], "path": v["page_path"], "title": v["page_title"], "referrer": v["referrer"]}
    return {
        "seq": v["seq"], "timestamp": _instant(v["event_datetime"]), "type": v["event_type"],
        "name": v["event_name"], "message_id": v["message_id"], "channel": v["source_type"],
        "campaign": campaign if any(campaign.values()) else None,
        "page": page if any(page.values()) else None, "click_ids": clicks,
        "revenue": _round(v["revenue"]) if v["revenue"] else None, "currency": v["currency"],
        "order_id": v["order_id"], "anonymous_id": v["client_id"], "user_id": v["user_id"],
        "properties": dict(v["attributes"] or {}), "session_start": event.session_start,
        "touchpoint_channel": event.touchpoint_channel,
    }


def timeline_response(query: TimelineQuery, timeline: Timeline) -> dict[str, Any]:
    person = timeline.person
    return {
        "view": "timeline",
        "person": {"person_id": person.person_id, "user_id": person.user_id,
                   "first_seen_at": _instant(person.first_seen_at), "last_seen_at": _instant(person.last_seen_at),
                   "event_count": person.event_count, "devices": person.devices,
                   "identities": list(person.identities), "traits": person.traits},
        "order": "desc" if query.newest_first else "asc",
        "events": [_event(e) for e in timeline.events],
        "next": timeline.next_cursor,
    }
