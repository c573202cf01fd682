"""Requests of the analyses (the parse and validate steps: every mistake is a 400 naming its field) and the typed
queries they become."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rest_framework import serializers

from analyticaflow.analysis.acquisition import Acquisition
from analyticaflow.analysis.breakdowns import BREAKDOWNS, NO_BREAKDOWN
from analyticaflow.analysis.cohorts import (
    COHORT_GRANULARITIES,
    DEFAULT_PERIODS,
    ORDER_COMPLETED,
    SIGNED_UP,
    CohortQuery,
)
from analyticaflow.analysis.funnels import DEFAULT_WINDOW, DroppedQuery, FunnelQuery
from analyticaflow.analysis.ltv import DEFAULT_MONTHS, LTV_GROUPINGS, LtvQuery
from analyticaflow.analysis.paths import PATH_GROUPINGS, PathsQuery
from analyticaflow.analysis.steps import EVENT_TYPES, OPERATORS, EventMatcher, PropertyFilter, matcher_errors
from analyticaflow.analysis.timeline import TimelineQuery, parse_cursor
from analyticaflow.reports.periods import Period, bucket_count
from analyticaflow.reports.query import MAX_DAYS
from analyticaflow.reports.serializers import StrictSerializer

MAX_STEPS = 20
MAX_FILTERS = 20
MAX_WINDOW_SECONDS = 366 * 86_400
MAX_COHORTS = 400
MAX_COHORT_PERIODS = 400
MAX_LTV_MONTHS = 60


def choice(choices, what: str, **kwargs) -> serializers.ChoiceField:
    """A choice whose error names the valid values."""
    listed = ", ".join(choices)
    return serializers.ChoiceField(choices=list(choices), error_messages={
        "invalid_choice": f'"{{input}}" is not a known {what}; use one of: {listed}.'}, **kwargs)


class Strict(StrictSerializer):
    """Refuses unknown fields at every level of nesting (a misspelt option is a 400, never ignored)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def now_utc() -> datetime:
    """What the analyses have observed: now, as naive UTC like the warehouse's timestamps."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class DateRangeMixin(serializers.Serializer):
    date_from = serializers.DateField(help_text="First day, inclusive, in the project's time zone.")
    date_to = serializers.DateField(help_text="Last day, inclusive, in the project's time zone.")

    def check_range(self, attrs: dict[str, Any]) -> None:
        if "date_from" not in attrs or "date_to" not in attrs:
            return
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [f"Must not be before date_from ({attrs['date_from']})."]})
        days = (attrs["date_to"] - attrs["date_from"]).days + 1
        if days > MAX_DAYS:
            raise serializers.ValidationError({"date_to": [f"The range is {days} days; at most {MAX_DAYS}."]})


ACCOUNT_HELP = ("Only the persons acquired through this ad account (the dashboard's account: source and account_id "
                "as in the KPI report's filters): persons whose first-ever touchpoint belongs to one of the account's "
                "campaigns, matched to spend campaigns as in the KPI and attribution reports. Persons without a "
                "touchpoint, or first touched by another account or none, are left out even when a later touch is "
                "the account's. LTV: CAC then uses this account's spend only. An account the project does not have "
                "is a 400.")


class AcquisitionAccountSerializer(Strict):
    """An ad account, named as in the KPI report's filters."""

    source = serializers.CharField(max_length=500, help_text="The ad platform, e.g. google_ads or meta_ads.")
    account_id = serializers.CharField(max_length=500, help_text="The account's id on that platform.")


def account_field() -> AcquisitionAccountSerializer:
    return AcquisitionAccountSerializer(required=False, allow_null=True, default=None, help_text=ACCOUNT_HELP)


def acquisition(data: dict[str, Any]) -> Acquisition | None:
    account = data.get("account")
    return Acquisition(account["source"], account["account_id"]) if account else None


class PropertyFilterSerializer(Strict):
    property = serializers.CharField(max_length=500, help_text="An event property (identify: a trait).")
    operator = choice(OPERATORS, "operator", default="equals",
                      help_text="; ".join(f"{o.name}: {o.description}" for o in OPERATORS.values()))
    value = serializers.JSONField(required=False, allow_null=True,
                                  help_text="A string, number or boolean; a list for in/not_in; none for is_set.")


class EventSerializer(Strict):
    type = choice(EVENT_TYPES, "event type", default="track")
    event = serializers.CharField(max_length=500, required=False, allow_null=True, default=None,
                                  help_text="The track event's name, or a page/screen name (none: any).")
    filters = serializers.ListField(child=PropertyFilterSerializer(), required=False, max_length=MAX_FILTERS,
                                    help_text="Every filter must pass.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        errors = matcher_errors(event_matcher(attrs), "")
        if errors:
            raise serializers.ValidationError({name.lstrip("."): reasons for name, reasons in errors.items()})
        return attrs


def event_matcher(data: dict[str, Any]) -> EventMatcher:
    filters = tuple(PropertyFilter(f["property"], f.get("operator", "equals"), f.get("value"))
                    for f in data.get("filters") or ())
    return EventMatcher(type=data.get("type", "track"), event=data.get("event"), filters=filters)


# --- funnel -------------------------------------------------------------------------------------------------
class DroppedSerializer(Strict):
    step = serializers.IntegerField(min_value=2, help_text="List the persons who reached step - 1 but not this "
                                                           "step (steps count from 1).")
    limit = serializers.IntegerField(min_value=1, max_value=500, default=50)
    after = serializers.CharField(max_length=500, required=False, allow_null=True, default=None,
                                  help_text="`dropped.next` of the previous page.")
    group = serializers.CharField(max_length=500, required=False, allow_null=True, default=None,
                                  help_text="Only persons of this breakdown value.")


class FunnelRequestSerializer(DateRangeMixin, Strict):
    steps = serializers.ListField(
        child=EventSerializer(), min_length=2, max_length=MAX_STEPS,
        error_messages={"min_length": "Give at least 2 steps.", "max_length": f"At most {MAX_STEPS} steps."},
        help_text="The ordered steps; persons enter with their first step-1 event in the range.")
    window_seconds = serializers.IntegerField(
        min_value=1, max_value=MAX_WINDOW_SECONDS, default=int(DEFAULT_WINDOW.total_seconds()),
        help_text="Conversion window from the step-1 event (default 7 days); exactly the window still counts.")
    breakdown = choice([NO_BREAKDOWN, *BREAKDOWNS], "breakdown", default=NO_BREAKDOWN,
                       help_text="; ".join(f"{b.name}: {b.description}" for b in BREAKDOWNS.values()))
    breakdown_property = serializers.CharField(max_length=500, required=False, allow_null=True, default=None)
    breakdown_limit = serializers.IntegerField(min_value=1, max_value=50, default=10,
                                               help_text="The biggest groups shown (by persons at step 1).")
    dropped = DroppedSerializer(required=False, allow_null=True, default=None)
    account = account_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        self.check_range(attrs)
        if attrs["breakdown"] == "property" and not attrs.get("breakdown_property"):
            raise serializers.ValidationError({"breakdown_property": ["Name the property to break down by."]})
        dropped = attrs.get("dropped")
        if dropped and dropped["step"] > len(attrs["steps"]):
            raise serializers.ValidationError(
                {"dropped.step": [f"The funnel has {len(attrs['steps'])} steps; give 2 to {len(attrs['steps'])}."]})
        return attrs


def funnel_query(project, data: dict[str, Any]) -> tuple[FunnelQuery, DroppedQuery | None]:
    breakdown = data["breakdown"]
    query = FunnelQuery(
        project_id=project.id, period=Period(data["date_from"], data["date_to"], project.timezone),
        steps=tuple(event_matcher(step) for step in data["steps"]), window=timedelta(seconds=data["window_seconds"]),
        breakdown=None if breakdown == NO_BREAKDOWN else breakdown,
        breakdown_property=data.get("breakdown_property"), breakdown_limit=data["breakdown_limit"],
        acquired=acquisition(data))
    dropped = data.get("dropped")
    return query, (DroppedQuery(step=dropped["step"], limit=dropped["limit"], after=dropped.get("after"),
                                group=dropped.get("group")) if dropped else None)


# --- cohorts ------------------------------------------------------------------------------------------------
class CohortsRequestSerializer(DateRangeMixin, Strict):
    granularity = choice(COHORT_GRANULARITIES, "granularity", default="week",
                         help_text="Cohort periods in the project's time zone; ISO weeks start on Monday.")
    periods = serializers.IntegerField(min_value=0, max_value=MAX_COHORT_PERIODS, required=False,
                                       help_text="N: cells k = 0..N (default 30 days, 12 weeks, 12 months).")
    start_event = EventSerializer(required=False, help_text="Default: track \"Signed Up\".")
    return_event = EventSerializer(required=False, help_text="Default: track \"Order Completed\".")
    account = account_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        self.check_range(attrs)
        count = bucket_count(Period(attrs["date_from"], attrs["date_to"], "UTC"), attrs["granularity"])
        if count > MAX_COHORTS:
            raise serializers.ValidationError({"granularity": [
                f"{count} {attrs['granularity']} cohorts is too many (at most {MAX_COHORTS}); choose a coarser "
                "granularity or a shorter range."]})
        return attrs


def cohort_query(project, data: dict[str, Any]) -> CohortQuery:
    granularity = data["granularity"]
    return CohortQuery(
        project_id=project.id, period=Period(data["date_from"], data["date_to"], project.timezone),
        granularity=granularity, periods=data.get("periods", DEFAULT_PERIODS[granularity]), as_of=now_utc(),
        currency=project.currency,
        start=event_matcher(data["start_event"]) if data.get("start_event") else SIGNED_UP,
        returning=event_matcher(data["return_event"]) if data.get("return_event") else ORDER_COMPLETED,
        acquired=acquisition(data))


# --- LTV ----------------------------------------------------------------------------------------------------
class LtvRequestSerializer(DateRangeMixin, Strict):
    months = serializers.IntegerField(min_value=0, max_value=MAX_LTV_MONTHS, default=DEFAULT_MONTHS,
                                      help_text="N: LTV for month offsets 0..N from the first order.")
    by = choice(LTV_GROUPINGS, "grouping", default="channel",
                help_text="The acquisition channel (of the first-ever touchpoint) or its channel group.")
    account = account_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        self.check_range(attrs)
        return attrs


def ltv_query(project, data: dict[str, Any]) -> LtvQuery:
    return LtvQuery(project_id=project.id, period=Period(data["date_from"], data["date_to"], project.timezone),
                    months=data["months"], as_of=now_utc(), currency=project.currency, by=data["by"],
                    acquired=acquisition(data))


# --- journeys -----------------------------------------------------------------------------------------------
class JourneysRequestSerializer(Strict):
    view = choice(("paths", "timeline"), "view", default="paths",
                  help_text="paths: the top channel paths of the period's conversions; timeline: one person's events.")
    date_from = serializers.DateField(required=False, help_text="paths: first day, inclusive (project time zone).")
    date_to = serializers.DateField(required=False, help_text="paths: last day, inclusive.")
    lookback_days = serializers.IntegerField(min_value=1, max_value=365, default=30,
                                             help_text="paths: touchpoints this many days before a conversion.")
    by = choice(PATH_GROUPINGS, "grouping", default="channel", help_text="paths: channels or channel groups.")
    collapse_repeats = serializers.BooleanField(default=False, help_text="paths: merge consecutive repeats.")
    limit = serializers.IntegerField(min_value=1, max_value=500, required=False,
                                     help_text="paths: how many paths (default 20); timeline: events per page "
                                               "(default 100).")
    person = serializers.CharField(max_length=500, required=False,
                                   help_text="timeline: a userId, anonymousId, person id (u:…/a:…) or e-mail.")
    cursor = serializers.CharField(max_length=100, required=False, allow_null=True, default=None,
                                   help_text="timeline: `next` of the previous page.")
    order = choice(("asc", "desc"), "order", default="asc", help_text="timeline: oldest or newest first.")
    account = account_field()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["view"] == "timeline":
            if not (attrs.get("person") or "").strip():
                raise serializers.ValidationError({"person": ["Give the person's userId, anonymousId or e-mail."]})
            if attrs.get("cursor") and parse_cursor(attrs["cursor"]) is None:
                raise serializers.ValidationError({"cursor": ["Not a cursor this API gave."]})
            if attrs.get("account"):
                raise serializers.ValidationError({"account": ["Only for the paths view."]})
            return attrs
        missing = {name: ["Required for the paths view."] for name in ("date_from", "date_to") if name not in attrs}
        if missing:
            raise serializers.ValidationError(missing)
        DateRangeMixin.check_range(self, attrs)
        if attrs.get("limit", 20) > 200:
            raise serializers.ValidationError({"limit": ["At most 200 paths."]})
        return attrs


def paths_query(project, data: dict[str, Any]) -> PathsQuery:
    return PathsQuery(project_id=project.id, timezone=project.timezone, currency=project.currency,
                      period=Period(data["date_from"], data["date_to"], project.timezone),
                      lookback_days=data["lookback_days"], by=data["by"], limit=data.get("limit", 20),
                      collapse_repeats=data["collapse_repeats"], acquired=acquisition(data))


def timeline_query(project, data: dict[str, Any]) -> TimelineQuery:
    return TimelineQuery(project_id=project.id, person=data["person"].strip(), limit=data.get("limit", 100),
                         cursor=data.get("cursor"), newest_first=data["order"] == "desc")
