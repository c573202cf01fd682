"""What an analysis can be broken down by, per person: where they came from, or a property of an event.

Touchpoint breakdowns (``channel``, ``channel_group``, ``campaign``) take the person's latest touchpoint at or
before the event that puts them in the analysis (a funnel's step-1 event): the visit that brought them. A
person with no such touchpoint is ``direct`` (no campaign). ``property`` takes a property of that event.
The value ``''`` stands for "none" (no campaign, property not set); labels are the API's business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from analyticaflow.analysis.grouping import GroupMap
from analyticaflow.channelgroups.rules import LABELS as GROUP_LABELS
from analyticaflow.reports.sqlparts import Params
from analyticaflow.warehouse.dialects import Dialect

NO_BREAKDOWN = "none"
NONE_LABELS = {"campaign": "(no campaign)", "property": "(not set)"}
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)


def epoch_micros(moment: datetime) -> int:
    """Microseconds since the epoch of a naive-UTC (or aware) datetime."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class Breakdown:
    name: str
    description: str
    touch_sql: Callable[[Params, GroupMap], str] | None = None  # over the touchpoint ``tp``; never NULL
    default: str = ""  # the value of persons without a touchpoint
    needs_property: bool = False

    @property
    def on_entry_event(self) -> bool:
        return self.touch_sql is None

    def entry_event_sql(self, dialect: Dialect, params: Params, prop: str | None) -> str:
        """The breakdown value read from an event (alias ``e``); ``''`` when absent."""
        return f"coalesce({dialect.map_value('e.attributes', params.add(prop or '', 'bk'))}, '')"

    def label(self, value: str) -> str:
        if self.name == "channel_group":
            return GROUP_LABELS.get(value, value)
        return value if value != "" else NONE_LABELS.get(self.name, "(none)")


BREAKDOWNS: dict[str, Breakdown] = {
    b.name: b
    for b in (
        Breakdown("channel", "The channel of the visit that brought the person (direct when none).",
                  lambda params, groups: "tp.channel", default="direct"),
        Breakdown("channel_group", "The channel group (paid search, paid social, email, organic, referral, "
                  "direct) of that visit, by the project's channel grouping.",
                  lambda params, groups: groups.sql(params, "tp"), default="direct"),
        Breakdown("campaign", "The campaign (utm_campaign) of that visit.",
                  lambda params, groups: "coalesce(tp.campaign, '')"),
        Breakdown("property", "A property of the event that puts the person in the analysis "
                  "(breakdown_property names it).", needs_property=True),
    )
}


def entry_breakdown(dialect: Dialect, params: Params, *, kind: Breakdown, groups: GroupMap, entered: str,
                    project_marker: str) -> str:
    """CTE ``fb``: the rows of ``entered`` (person_id, k1, t1) with ``bv``, the touchpoint breakdown value at k1."""
    key = dialect.order_key("tp.touched_at", "tp.seq")
    default = params.add(kind.default, "bd")
    return f"""
        fb AS (
            SELECT f.person_id AS person_id, f.k1 AS k1, f.t1 AS t1,
                   coalesce(nullIf(x.bv, ''), {default}) AS bv
            FROM {entered} AS f
            LEFT JOIN (
                SELECT f.person_id AS person_id, argMax({kind.touch_sql(params, groups)}, {key}) AS bv
                FROM {entered} AS f
                INNER JOIN touchpoints AS tp ON tp.person_id = f.person_id
                WHERE tp.project_id = {project_marker} AND {key} <= f.k1
                GROUP BY f.person_id
            ) AS x ON x.person_id = f.person_id
        )"""
