"""Input and output serializers of the attribution report API."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analyticaflow.attribution import model_names
from analyticaflow.attribution.contracts import DEFAULT_HALF_LIFE_DAYS
from analyticaflow.channelgroups.rules import GROUPS
from analyticaflow.reports.attribution_report.query import (
    DEFAULT_LOOKBACK_DAYS,
    GROUPINGS,
    MAX_HALF_LIFE_DAYS,
    MAX_LOOKBACK_DAYS,
    AttributionQuery,
)
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import MAX_DAYS, Filters
from analyticaflow.reports.serializers import (
    ReportFiltersSerializer,
    ReportGroupSerializer,
    ReportWarningSerializer,
    StrictSerializer,
    _choice,
)


class AttributionFiltersSerializer(ReportFiltersSerializer):
    channel_group = serializers.ListField(child=_choice(GROUPS, "channel group"), required=False, max_length=20,
                                          help_text="Rows whose channel group is one of these.")


class AttributionQuerySerializer(StrictSerializer):
    date_from = serializers.DateField(help_text="First day of the conversions, inclusive, in the project's time zone.")
    date_to = serializers.DateField(help_text="Last day, inclusive, in the project's time zone.")
    models = serializers.ListField(child=_choice(model_names(), "attribution model"), required=False, min_length=1,
                                   max_length=len(model_names()),
                                   help_text="The models to compare side by side (default: all of them).")
    lookback_days = serializers.IntegerField(default=DEFAULT_LOOKBACK_DAYS, min_value=1, max_value=MAX_LOOKBACK_DAYS,
                                             help_text="A conversion's journey: the person's touchpoints at most this "
                                                       "many days before it.")
    half_life_days = serializers.FloatField(default=DEFAULT_HALF_LIFE_DAYS, min_value=0.001,
                                            max_value=MAX_HALF_LIFE_DAYS,
                                            help_text="time_decay: a touchpoint's weight halves with every "
                                                      "half-life of age before the conversion.")
    group_by = _choice(GROUPINGS, "grouping", default="channel",
                       help_text="channel: the touchpoint's channel; campaign: the spend campaign it matches (by "
                                 "source and id or cleaned name) or its own cleaned campaign; channel_group: the "
                                 "project's channel grouping.")
    filters = AttributionFiltersSerializer(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": [f"Must not be before date_from ({attrs['date_from']})."]})
        if (attrs["date_to"] - attrs["date_from"]).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"date_to": [f"At most {MAX_DAYS} days per report."]})
        models = attrs.get("models")
        if models is not None and len(set(models)) != len(models):
            raise serializers.ValidationError({"models": ["A model is listed twice."]})
        return attrs


def attribution_query(project, data: dict[str, Any]) -> AttributionQuery:
    """The typed query from validated input and the project's time zone and reporting currency."""
    filters = dict(data.get("filters") or {})
    channel_groups = tuple(dict.fromkeys(filters.pop("channel_group", ())))
    return AttributionQuery(
        project_id=project.id,
        timezone=project.timezone,
        currency=project.currency,
        period=Period(data["date_from"], data["date_to"], project.timezone),
        models=tuple(data.get("models") or model_names()),
        lookback_days=data["lookback_days"],
        half_life_days=float(data["half_life_days"]),
        group_by=data["group_by"],
        filters=Filters(**{name: tuple(dict.fromkeys(values)) for name, values in filters.items()}),
        channel_groups=channel_groups,
    )


# --- documented response ------------------------------------------------------------------------------------------
class CreditSerializer(serializers.Serializer):
    conversions = serializers.FloatField(help_text="Conversions credited (fractional).")
    value = serializers.FloatField(help_text="Conversion value credited, in the reporting currency.")
    cpa = serializers.FloatField(allow_null=True, help_text="spend / conversions; null without spend or conversions.")
    roas = serializers.FloatField(allow_null=True, help_text="value / spend; null without spend.")
    romi = serializers.FloatField(allow_null=True, help_text="(value - spend) / spend as a fraction; null without "
                                                             "spend.")


class AttributionGroupSerializer(ReportGroupSerializer):
    channel_group = serializers.ChoiceField(choices=GROUPS, required=False, help_text="group_by channel_group")


class AttributionRowSerializer(serializers.Serializer):
    group = AttributionGroupSerializer()
    label = serializers.CharField()
    spend = serializers.FloatField(help_text="Spend matched to the row, in the reporting currency.")
    credit = serializers.DictField(child=CreditSerializer(), help_text="Model name → its credit and cost metrics.")


class AttributionTotalsSerializer(serializers.Serializer):
    spend = serializers.FloatField()
    credit = serializers.DictField(child=CreditSerializer())


class AttributionModelSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    diagnostics = serializers.DictField(
        child=serializers.DictField(child=serializers.FloatField()),
        help_text="markov: removal effects per channel (share of conversions, of value) lost without it.")


class ConversionsSummarySerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Conversions attributed: orders and won CRM deals of the period, "
                                               "deduplicated by order id.")
    value = serializers.FloatField()
    orders = serializers.IntegerField()
    deals = serializers.IntegerField()
    without_touchpoints = serializers.IntegerField(help_text="Conversions with no touchpoint in their lookback "
                                                             "window (credited to direct).")
    non_converting_paths = serializers.IntegerField(help_text="Persons' paths without a conversion in the last "
                                                              "lookback window (used by markov).")


class AttributionReportSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    timezone = serializers.CharField()
    currency = serializers.CharField(help_text="The reporting currency of every money value.")
    group_by = serializers.ChoiceField(choices=GROUPINGS)
    lookback_days = serializers.IntegerField()
    half_life_days = serializers.FloatField()
    models = AttributionModelSerializer(many=True)
    conversions = ConversionsSummarySerializer()
    rows = AttributionRowSerializer(many=True, help_text="One row per group with credit or spend, biggest first by "
                                                         "the first model's conversions.")
    totals = AttributionTotalsSerializer(help_text="Sums over the rows (after the filters).")
    warnings = ReportWarningSerializer(many=True)
