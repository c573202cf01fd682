"""The documented shapes of the analyses' answers (OpenAPI); ``responses`` builds them."""

from __future__ import annotations

from rest_framework import serializers

from analyticaflow.reports.serializers import ReportWarningSerializer


def _share(help_text: str = "") -> serializers.FloatField:
    return serializers.FloatField(allow_null=True, help_text=help_text or "A fraction (0.25 is 25 %); null when "
                                                                          "there is nothing to divide by.")


class FilterOutSerializer(serializers.Serializer):
    property = serializers.CharField()
    operator = serializers.CharField()
    value = serializers.JSONField(allow_null=True)


class EventOutSerializer(serializers.Serializer):
    type = serializers.CharField()
    event = serializers.CharField(allow_null=True)
    filters = FilterOutSerializer(many=True)


class FunnelStepSerializer(serializers.Serializer):
    step = serializers.IntegerField(help_text="1-based position.")
    label = serializers.CharField()
    event = EventOutSerializer()
    persons = serializers.IntegerField(help_text="Persons who reached this step.")
    conversion_from_previous = _share("persons / persons of the previous step (null for step 1).")
    conversion_from_first = _share("persons / persons of step 1.")
    dropped = serializers.IntegerField(help_text="Reached the previous step, not this one.")
    median_seconds_from_previous = serializers.FloatField(allow_null=True,
                                                          help_text="Median time from the previous step.")


class FunnelGroupSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The breakdown value ('' for none).")
    label = serializers.CharField()
    steps = FunnelStepSerializer(many=True)


class FunnelBreakdownSerializer(serializers.Serializer):
    by = serializers.CharField()
    property = serializers.CharField(allow_null=True)
    group_count = serializers.IntegerField(help_text="Distinct values; `groups` holds the biggest.")
    groups = FunnelGroupSerializer(many=True)


class DroppedPersonSerializer(serializers.Serializer):
    person_id = serializers.CharField(help_text="u:<userId> or a:<anonymousId> (a guest).")
    entered_at = serializers.DateTimeField(help_text="Their step-1 event.")
    last_step_at = serializers.DateTimeField(help_text="The event that took them to the last step they reached.")


class DroppedPageSerializer(serializers.Serializer):
    step = serializers.IntegerField()
    group = serializers.CharField(allow_null=True)
    persons = DroppedPersonSerializer(many=True, help_text="By person id.")
    next = serializers.CharField(allow_null=True, help_text="Pass as `dropped.after` for the next page.")


class FunnelReportSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    timezone = serializers.CharField()
    window_seconds = serializers.IntegerField()
    steps = FunnelStepSerializer(many=True)
    breakdown = FunnelBreakdownSerializer(allow_null=True)
    dropped = DroppedPageSerializer(allow_null=True)


class CohortCellSerializer(serializers.Serializer):
    k = serializers.IntegerField(help_text="Periods after the cohort's own.")
    period_start = serializers.DateField()
    observed = serializers.BooleanField(help_text="The period has begun (otherwise the values are null).")
    complete = serializers.BooleanField(help_text="The period has ended: the cell is final.")
    persons = serializers.IntegerField(allow_null=True, help_text="Members with a return event in the period.")
    retention = _share("persons / cohort size.")
    revenue = serializers.FloatField(allow_null=True, help_text="The members' order revenue in the period.")
    revenue_per_member = serializers.FloatField(allow_null=True)


class CohortSerializer(serializers.Serializer):
    cohort = serializers.DateField(help_text="The cohort period's first day.")
    size = serializers.IntegerField()
    cells = CohortCellSerializer(many=True)


class CohortAverageSerializer(serializers.Serializer):
    k = serializers.IntegerField()
    cohorts = serializers.IntegerField(help_text="Cohorts whose cell k is complete.")
    members = serializers.IntegerField()
    retention = _share("Size-weighted over complete cells.")
    revenue_per_member = serializers.FloatField(allow_null=True)


class DataAsOfSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="The last event-log seq included.")
    built_at = serializers.DateTimeField(help_text="When the stored rows were built.")


class CohortsReportSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    timezone = serializers.CharField()
    currency = serializers.CharField()
    granularity = serializers.CharField()
    periods = serializers.IntegerField()
    as_of = serializers.DateTimeField()
    start_event = EventOutSerializer()
    return_event = EventOutSerializer()
    cohorts = CohortSerializer(many=True)
    average = CohortAverageSerializer(many=True)
    warnings = ReportWarningSerializer(many=True)
    data_as_of = DataAsOfSerializer(
        allow_null=True,
        help_text="What the stored cohort rows answering the report include (they may lag the live event stream "
                  "while a background rebuild runs); null when read live from the events.")


def _curve_values(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.FloatField(allow_null=True), help_text=help_text)


class LtvCurveSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The channel or channel group; 'all' for every customer.")
    label = serializers.CharField()
    customers = serializers.IntegerField(help_text="Customers acquired in the range (first order in it).")
    ltv = _curve_values("Per month offset m = 0..N: revenue of orders up to month m / customers.")
    observable_customers = serializers.ListField(child=serializers.IntegerField(),
                                                 help_text="Customers whose month m has ended.")
    ltv_observable = _curve_values("The same over the observable customers only.")
    spend = serializers.FloatField(allow_null=True, help_text="Ad spend in the range (null: no spend data).")
    cac = serializers.FloatField(allow_null=True, help_text="spend / customers.")
    ltv_cac = serializers.FloatField(allow_null=True, help_text="Observable LTV at `ltv_cac_month` / CAC.")
    ltv_cac_month = serializers.IntegerField(allow_null=True, help_text="The last month with observable customers.")
    payback_month = serializers.IntegerField(allow_null=True,
                                             help_text="First m with observable LTV ≥ CAC; null if none yet.")


class LtvReportSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    timezone = serializers.CharField()
    currency = serializers.CharField()
    months = serializers.IntegerField()
    by = serializers.CharField()
    as_of = serializers.DateTimeField()
    overall = LtvCurveSerializer()
    groups = LtvCurveSerializer(many=True, help_text="Biggest first by customers; channels with spend but no "
                                                     "customers too.")
    warnings = ReportWarningSerializer(many=True)


class PathSerializer(serializers.Serializer):
    path = serializers.ListField(child=serializers.CharField())
    labels = serializers.ListField(child=serializers.CharField())
    conversions = serializers.IntegerField()
    value = serializers.FloatField()
    non_converting = serializers.IntegerField(help_text="Non-converting paths equal to this one.")
    conversion_rate = _share("conversions / (conversions + non_converting).")


class PersonSerializer(serializers.Serializer):
    person_id = serializers.CharField()
    user_id = serializers.CharField(allow_null=True)
    first_seen_at = serializers.DateTimeField(allow_null=True)
    last_seen_at = serializers.DateTimeField(allow_null=True)
    event_count = serializers.IntegerField()
    devices = serializers.IntegerField(help_text="Distinct anonymousIds.")
    identities = serializers.ListField(child=serializers.CharField(), help_text="Distinct ids merged into them.")
    traits = serializers.DictField(child=serializers.CharField())


class TimelineEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    type = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    message_id = serializers.CharField()
    channel = serializers.CharField(help_text="The channel of the event's own context.")
    campaign = serializers.DictField(child=serializers.CharField(allow_null=True), allow_null=True)
    page = serializers.DictField(child=serializers.CharField(allow_null=True), allow_null=True)
    click_ids = serializers.DictField(child=serializers.CharField())
    revenue = serializers.FloatField(allow_null=True)
    currency = serializers.CharField(allow_null=True)
    order_id = serializers.CharField(allow_null=True)
    anonymous_id = serializers.CharField(allow_null=True, help_text="The device.")
    user_id = serializers.CharField(allow_null=True)
    properties = serializers.DictField(child=serializers.CharField())
    session_start = serializers.BooleanField(help_text="The first event of a visit.")
    touchpoint_channel = serializers.CharField(allow_null=True, help_text="Set when the event is a touchpoint.")


class JourneysReportSerializer(serializers.Serializer):
    view = serializers.ChoiceField(choices=["paths", "timeline"])
    date_from = serializers.DateField(required=False, help_text="paths")
    date_to = serializers.DateField(required=False, help_text="paths")
    timezone = serializers.CharField(required=False, help_text="paths")
    currency = serializers.CharField(required=False, help_text="paths")
    lookback_days = serializers.IntegerField(required=False, help_text="paths")
    by = serializers.CharField(required=False, help_text="paths")
    collapse_repeats = serializers.BooleanField(required=False, help_text="paths")
    conversions = serializers.IntegerField(required=False, help_text="paths: conversions in the range.")
    value = serializers.FloatField(required=False, help_text="paths")
    non_converting = serializers.IntegerField(required=False, help_text="paths: non-converting paths.")
    distinct_paths = serializers.IntegerField(required=False, help_text="paths")
    paths = PathSerializer(many=True, required=False, help_text="paths: most conversions first.")
    warnings = ReportWarningSerializer(many=True, required=False)
    person = PersonSerializer(required=False, help_text="timeline")
    order = serializers.CharField(required=False, help_text="timeline")
    events = TimelineEventSerializer(many=True, required=False, help_text="timeline")
    next = serializers.CharField(required=False, allow_null=True, help_text="timeline: the next page's cursor.")
