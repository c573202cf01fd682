"""The typed report query and its validation (the parse and validate steps of the pipeline).

The API's serializers turn a request body into a :class:`ReportQuery`; :func:`validate_query` then checks
what only the domain knows (metrics, groupings per metric, attribution models, range limits) and raises
``InvalidInput`` naming the field and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyticaflow.errors import InvalidInput
from analyticaflow.metrics.registry import GROUPINGS, METRICS
from analyticaflow.reports.attribution import attribution_model
from analyticaflow.reports.periods import COMPARISONS, GRANULARITIES, Period, bucket_count

MAX_DAYS = 3660  # ten years
MAX_BUCKETS = 1200
MAX_METRICS = 40
FILTER_FIELDS = ("source", "account_id", "campaign_id", "channel")
# Which grouping a metric's fact must support for a filter on each field.
FILTER_GROUPING = {"source": "source", "account_id": "account", "campaign_id": "campaign", "channel": "channel"}


@dataclass(frozen=True, slots=True)
class Filters:
    """Rows whose group values are in every given list (values within a list are alternatives)."""

    source: tuple[str, ...] = ()
    account_id: tuple[str, ...] = ()
    campaign_id: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()

    def given(self) -> tuple[str, ...]:
        return tuple(name for name in FILTER_FIELDS if getattr(self, name))

    def admits(self, **group: str | None) -> bool:
        """Whether a row with these group values passes (fields not given in ``group`` are not checked)."""
        return all(group[name] in getattr(self, name) for name in self.given() if name in group)


@dataclass(frozen=True, slots=True)
class ReportQuery:
    project_id: int
    timezone: str
    currency: str  # the project's reporting currency
    period: Period
    metrics: tuple[str, ...]
    group_by: str = "none"
    filters: Filters = field(default_factory=Filters)
    compare: str | None = None
    attribution_model: str = "last_touch"
    granularity: str | None = None  # time series only

    @property
    def needs_touch_groups(self) -> bool:
        """Whether first-party facts must be split by touchpoint (a grouping or a filter on group values)."""
        return self.group_by != "none" or bool(self.filters.given())


def validate_query(query: ReportQuery) -> ReportQuery:
    """Domain checks of a parsed query; returns it unchanged or raises ``InvalidInput``."""
    errors: dict[str, list[str]] = {}
    unknown = [name for name in query.metrics if name not in METRICS]
    if not query.metrics:
        errors["metrics"] = ["Give at least one metric."]
    elif unknown:
        errors["metrics"] = [f"Unknown metric {name!r}; known metrics: {', '.join(METRICS)}." for name in unknown]
    elif len(query.metrics) > MAX_METRICS:
        errors["metrics"] = [f"At most {MAX_METRICS} metrics per report."]
    if query.group_by not in GROUPINGS:
        errors["group_by"] = [f"Unknown grouping {query.group_by!r}; use one of: {', '.join(GROUPINGS)}."]
    elif not unknown:
        for name in query.metrics:
            if query.group_by not in METRICS[name].groupings:
                errors.setdefault("group_by", []).append(
                    f"Metric {name!r} cannot be grouped by {query.group_by}; it can be grouped by: "
                    f"{', '.join(METRICS[name].groupings)}.")
        for filtered in query.filters.given():
            for name in query.metrics:
                if FILTER_GROUPING[filtered] not in METRICS[name].groupings:
                    errors.setdefault(f"filters.{filtered}", []).append(
                        f"Metric {name!r} cannot be filtered by {filtered}.")
    if query.compare is not None and query.compare not in COMPARISONS:
        errors["compare"] = [f"Unknown comparison {query.compare!r}; use one of: {', '.join(COMPARISONS)}, null."]
    period = query.period
    if period.date_to < period.date_from:
        errors["date_to"] = [f"date_to ({period.date_to}) is before date_from ({period.date_from})."]
    elif period.days > MAX_DAYS:
        errors["date_to"] = [f"The range is {period.days} days; at most {MAX_DAYS} days per report."]
    elif query.granularity is not None:
        if query.granularity not in GRANULARITIES:
            errors["granularity"] = [f"Unknown granularity {query.granularity!r}; use one of: "
                                     f"{', '.join(GRANULARITIES)}."]
        elif (count := bucket_count(period, query.granularity)) > MAX_BUCKETS:
            errors["granularity"] = [f"{count} {query.granularity} buckets is too many (at most {MAX_BUCKETS}); "
                                     "choose a coarser granularity or a shorter range."]
    if errors:
        first = next(iter(errors.items()))
        raise InvalidInput(f"{first[0]}: {first[1][0]}", fields=errors)
    attribution_model(query.attribution_model)  # raises InvalidInput listing the models
    return query
