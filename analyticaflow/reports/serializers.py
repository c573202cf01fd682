"""Input and output serializers of the reports API (the parse step, and the documented response shapes)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analyticaflow.metrics.registry import GROUPINGS, METRICS
from analyticaflow.reports.attribution import DEFAULT_MODEL, MODELS
from analyticaflow.reports.periods import COMPARISONS, GRANULARITIES, Period
from analyticaflow.reports.query import Filters, ReportQuery

VALUE_HELP = ("Metric name → value (money in the project's reporting currency; percent as a fraction: 0.05 is 5 %); "
              "null when a ratio has a zero or missing denominator.")


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (a misspelt option must not be silently ignored)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


def _choice(choices, what: str, **kwargs) -> serializers.ChoiceField:
    """A choice whose error names the valid values (an unknown metric or model is a 400 that lists them)."""
    listed = ", ".join(choices)
    return serializers.ChoiceField(choices=list(choices), error_messages={
        "invalid_choice": f'"{{input}}" is not a known {what}; use one of: {listed}.'}, **kwargs)


def _values(name: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=500), required=False, max_length=500,
                                 help_text=f"Rows whose {name} is one of these.")


class ReportFiltersSerializer(StrictSerializer):
    source = _values("source (ad platform such as meta_ads, or a UTM source; 'ga4' for GA4 rows)")
    account_id = _values("account id (ad account, GA4 property, social or CRM account)")
    campaign_id = _values("spend campaign id")
    channel = _values("channel")


class KpiQuerySerializer(StrictSerializer):
    date_from = serializers.DateField(help_text="First day, inclusive, in the project's time zone.")
    date_to = serializers.DateField(help_text="Last day, inclusive, in the project's time zone.")
    metrics = serializers.ListField(child=_choice(METRICS, "metric"), min_length=1, max_length=40)
    group_by = _choice(GROUPINGS, "grouping", default="none")
    filters = ReportFiltersSerializer(required=False)
    compare = _choice(COMPARISONS, "comparison", allow_null=True, required=False, default=None,
                      help_text="previous_period: the same number of days right before date_from; "
                                "previous_year: the same dates a year earlier.")
    attribution_model = _choice(MODELS, "attribution model", default=DEFAULT_MODEL,
                                help_text="How orders are credited to sources and campaigns.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [f"Must not be before date_from ({attrs['date_from']})."]})
        return attrs


class TimeseriesQuerySerializer(KpiQuerySerializer):
    metrics = serializers.ListField(child=_choice(METRICS, "metric"), min_length=1, max_length=40, required=False)
    metric = _choice(METRICS, "metric", required=False, help_text="One metric (or `metrics`).")
    granularity = _choice(GRANULARITIES, "granularity", default="day",
                          help_text="Buckets in the project's time zone; ISO weeks start on Monday.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        metric = attrs.pop("metric", None)
        if metric is not None:
            attrs["metrics"] = [metric, *[m for m in attrs.get("metrics", []) if m != metric]]
        if not attrs.get("metrics"):
            raise serializers.ValidationError({"metrics": ["Give `metrics` (a list) or `metric`."]})
        return attrs


class UtmAuditQuerySerializer(StrictSerializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [f"Must not be before date_from ({attrs['date_from']})."]})
        return attrs


def report_query(project, data: dict[str, Any], *, granularity: str | None = None) -> ReportQuery:
    """The typed query from validated input and the project's time zone and reporting currency."""
    filters = data.get("filters") or {}
    return ReportQuery(
        project_id=project.id,
        timezone=project.timezone,
        currency=project.currency,
        period=Period(data["date_from"], data["date_to"], project.timezone),
        metrics=tuple(dict.fromkeys(data.get("metrics", ()))),
        group_by=data.get("group_by", "none"),
        filters=Filters(**{name: tuple(dict.fromkeys(values)) for name, values in filters.items()}),
        compare=data.get("compare"),
        attribution_model=data.get("attribution_model", DEFAULT_MODEL),
        granularity=granularity,
    )


# --- documented responses -------------------------------------------------------------------------------------
class ChangeSerializer(serializers.Serializer):
    abs = serializers.FloatField(allow_null=True, help_text="current - previous")
    pct = serializers.FloatField(allow_null=True, help_text="(current - previous) / |previous| as a fraction; "
                                                            "null when previous is 0 or null")


def _values_field(**kwargs) -> serializers.DictField:
    return serializers.DictField(child=serializers.FloatField(allow_null=True), help_text=VALUE_HELP, **kwargs)


class ReportGroupSerializer(serializers.Serializer):
    source = serializers.CharField(required=False, help_text="group_by source/account/campaign")
    account_id = serializers.CharField(required=False, allow_null=True, help_text="group_by account/campaign")
    campaign_id = serializers.CharField(required=False, allow_null=True, help_text="group_by campaign")
    campaign_name = serializers.CharField(required=False, allow_null=True, help_text="group_by campaign")
    channel = serializers.CharField(required=False, help_text="group_by channel")


class ReportWarningSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="missing_exchange_rate")
    message = serializers.CharField()
    currency = serializers.CharField()
    period = serializers.ChoiceField(choices=["current", "previous"])
    data = serializers.CharField(help_text="Which data was left out: ad spend, order, GA4, CRM deal.")
    date_ranges = serializers.ListField(child=serializers.ListField(child=serializers.DateField()),
                                       help_text="[first, last] days without a rate")
    rows = serializers.IntegerField()
    amount = serializers.FloatField(help_text="The amount left out, in `currency`.")


class DateRangeSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()


class KpiRowSerializer(serializers.Serializer):
    group = ReportGroupSerializer()
    label = serializers.CharField()
    metrics = _values_field()
    previous = _values_field(allow_null=True)
    change = serializers.DictField(child=ChangeSerializer(), allow_null=True)


class ReportHeaderSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    timezone = serializers.CharField()
    currency = serializers.CharField(help_text="The reporting currency of every money value.")
    group_by = serializers.CharField()
    compare = serializers.CharField(allow_null=True)
    attribution_model = serializers.CharField()
    previous_range = DateRangeSerializer(allow_null=True)
    warnings = ReportWarningSerializer(many=True)


class KpiReportSerializer(ReportHeaderSerializer):
    current = _values_field()
    previous = _values_field(allow_null=True)
    change = serializers.DictField(child=ChangeSerializer(), allow_null=True)
    rows = KpiRowSerializer(many=True, help_text="One row per group (empty when group_by is none), biggest "
                                                 "first by the first metric.")


class TimeseriesBucketSerializer(serializers.Serializer):
    bucket = serializers.DateField(help_text="The bucket's natural first day (a Monday, the 1st...).")
    date_from = serializers.DateField(help_text="First day of the bucket inside the range.")
    date_to = serializers.DateField(help_text="Last day of the bucket inside the range.")
    previous_date_from = serializers.DateField(allow_null=True)
    previous_date_to = serializers.DateField(allow_null=True)
    metrics = _values_field()
    previous = _values_field(allow_null=True)
    change = serializers.DictField(child=ChangeSerializer(), allow_null=True)


class TimeseriesRowSerializer(serializers.Serializer):
    group = ReportGroupSerializer()
    label = serializers.CharField()
    buckets = TimeseriesBucketSerializer(many=True)


class TimeseriesReportSerializer(ReportHeaderSerializer):
    granularity = serializers.CharField()
    buckets = TimeseriesBucketSerializer(many=True, help_text="Every bucket of the range, in order.")
    rows = TimeseriesRowSerializer(many=True)


class UntrackedSpendSerializer(serializers.Serializer):
    source = serializers.CharField()
    account_id = serializers.CharField()
    campaign_id = serializers.CharField()
    campaign_name = serializers.CharField(allow_null=True)
    spend = serializers.FloatField()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()


class UntrackedSpendTotalSerializer(serializers.Serializer):
    spend = serializers.FloatField(help_text="Spend of these campaigns (the money at stake).")
    campaigns = UntrackedSpendSerializer(many=True)


class UnmatchedUtmSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="The platform (or source) the visits were taken for.")
    utm_source = serializers.CharField()
    utm_medium = serializers.CharField()
    utm_campaign = serializers.CharField()
    touchpoints = serializers.IntegerField()
    visitors = serializers.IntegerField()
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()


class UtmAuditSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    currency = serializers.CharField()
    spend_without_touchpoints = UntrackedSpendTotalSerializer()
    utm_campaigns_without_spend = UnmatchedUtmSerializer(many=True)
    warnings = ReportWarningSerializer(many=True)


class ChannelAccountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["ads", "social", "web", "crm"], allow_null=True,
                                   help_text="Null for a connected account without rows yet.")
    source = serializers.CharField(help_text="meta_ads, google_ads, instagram, ga4, amocrm ...")
    account_id = serializers.CharField()
    currency = serializers.CharField(allow_null=True, help_text="The currency of its latest rows.")
    currencies = serializers.ListField(child=serializers.CharField())
    first_date = serializers.DateField(allow_null=True)
    last_date = serializers.DateField(allow_null=True)
    rows = serializers.IntegerField()
    name = serializers.CharField(allow_null=True, help_text="The account's name, when connected.")
    connected = serializers.BooleanField(help_text="Linked on the integrations page (else: imported data).")
    status = serializers.CharField(allow_null=True, help_text="The link's status, when connected.")


class MetricInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    format = serializers.ChoiceField(choices=["money", "percent", "count", "ratio"])
    higher_is_better = serializers.BooleanField()
    description = serializers.CharField()
    parts = serializers.ListField(child=serializers.CharField())
    groupings = serializers.ListField(child=serializers.CharField())


class AttributionModelInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()


class MetricCatalogSerializer(serializers.Serializer):
    metrics = MetricInfoSerializer(many=True)
    attribution_models = AttributionModelInfoSerializer(many=True)
    groupings = serializers.ListField(child=serializers.CharField())
    granularities = serializers.ListField(child=serializers.CharField())
    comparisons = serializers.ListField(child=serializers.CharField())


class ExchangeRateSerializer(serializers.Serializer):
    currency = serializers.RegexField(r"^[A-Z]{3}$", help_text="ISO 4217 code of the rows' currency, e.g. USD.")
    valid_from = serializers.DateField(help_text="First day this rate applies (until the currency's next rate).")
    rate = serializers.DecimalField(max_digits=24, decimal_places=12, min_value=0, coerce_to_string=True,
                                    help_text="Value of one unit of `currency` in the reporting currency.")

    def validate_rate(self, value):
        if value <= 0:
            raise serializers.ValidationError("Must be greater than 0.")
        return value


class ExchangeRatesSerializer(StrictSerializer):
    reporting_currency = serializers.CharField(read_only=True, help_text="The project's currency.")
    rates = ExchangeRateSerializer(many=True, max_length=100_000)
