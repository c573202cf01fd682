"""The typed attribution request and the models it can ask for."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from analyticaflow.attribution import model_names
from analyticaflow.attribution.contracts import DEFAULT_HALF_LIFE_DAYS
from analyticaflow.errors import InvalidInput
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import MAX_DAYS, Filters

GROUPINGS = ("channel", "campaign", "channel_group")
DEFAULT_LOOKBACK_DAYS = 30
MAX_LOOKBACK_DAYS = 365
MAX_HALF_LIFE_DAYS = 365.0


@dataclass(frozen=True, slots=True)
class AttributionQuery:
    project_id: int
    timezone: str
    currency: str  # the project's reporting currency
    period: Period
    models: tuple[str, ...]
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS
    group_by: str = "channel"
    filters: Filters = field(default_factory=Filters)
    channel_groups: tuple[str, ...] = ()  # rows whose channel group is one of these (none: every group)

    @property
    def lookback(self) -> timedelta:
        return timedelta(days=self.lookback_days)


def validate_attribution_query(query: AttributionQuery) -> AttributionQuery:
    """Domain checks the request serializer cannot make alone; raises ``InvalidInput`` naming the field."""
    errors: dict[str, list[str]] = {}
    known = model_names()
    unknown = [name for name in query.models if name not in known]
    if not query.models:
        errors["models"] = ["Give at least one model."]
    elif unknown:
        errors["models"] = [f"Unknown model {name!r}; use any of: {', '.join(known)}." for name in unknown]
    elif len(set(query.models)) != len(query.models):
        errors["models"] = ["A model is listed twice."]
    if query.group_by not in GROUPINGS:
        errors["group_by"] = [f"Unknown grouping {query.group_by!r}; use one of: {', '.join(GROUPINGS)}."]
    if not 1 <= query.lookback_days <= MAX_LOOKBACK_DAYS:
        errors["lookback_days"] = [f"Must be a whole number of days from 1 to {MAX_LOOKBACK_DAYS}."]
    if not 0 < query.half_life_days <= MAX_HALF_LIFE_DAYS:
        errors["half_life_days"] = [f"Must be more than 0 and at most {MAX_HALF_LIFE_DAYS:g} days."]
    period = query.period
    if period.date_to < period.date_from:
        errors["date_to"] = [f"date_to ({period.date_to}) is before date_from ({period.date_from})."]
    elif period.days > MAX_DAYS:
        errors["date_to"] = [f"The range is {period.days} days; at most {MAX_DAYS} days per report."]
    if errors:
        first = next(iter(errors.items()))
        raise InvalidInput(f"{first[0]}: {first[1][0]}", fields=errors)
    return query
