"""The ad-account filter of the analyses: the persons *acquired* through an ad account.

A person is acquired through an account when their first-ever touchpoint (time, then log seq) belongs to one of
the account's campaigns, matched exactly as the KPI and attribution reports match visits to spend campaigns
(``reports.touches``: the campaign catalog of the project's daily spend). Persons without a touchpoint, or whose
first touchpoint is another account's or no account's, are left out — a later touch through the account does
not count. The funnel, cohorts, LTV and top paths all restrict their persons to this set; LTV's CAC then uses the
account's spend only.

The matching runs in Python over the distinct first-touch combinations (few), and the reports filter with one
SQL subquery over those combinations, the same on DuckDB and ClickHouse.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyticaflow.reports.query import Filters
from analyticaflow.reports.sqlparts import CLICK_CASE, Params
from analyticaflow.reports.touches import TouchCombo, campaign_catalog
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.dialects import Dialect

SEPARATOR = "\x1f"  # between a combination's fields in its one-column key


@dataclass(frozen=True, slots=True)
class Acquisition:
    """Persons whose first-ever touchpoint's combination key is in ``combos`` (filled by ``resolve``)."""

    source: str
    account_id: str
    combos: tuple[str, ...] = ()

    @property
    def filters(self) -> Filters:
        """The KPI report's filter of this account (its spend rows)."""
        return Filters(source=(self.source,), account_id=(self.account_id,))

    def persons_sql(self, dialect: Dialect, params: Params, *, project_marker: str) -> str:
        """A subquery of the acquired persons' ids."""
        return (f"SELECT ft.person_id FROM ({_first_touch_sql(dialect, params, project_marker)}) AS ft "
                f"WHERE {params.in_list('ft.combo', self.combos, 'acq')}")


def _combo_key(alias: str, separator: str) -> str:
    parts = [f"coalesce({alias}.source, '')", f"coalesce({alias}.medium, '')", f"coalesce({alias}.campaign, '')",
             f"{alias}.channel", CLICK_CASE.replace("t.", alias + ".")]
    return f"concat({f', {separator}, '.join(parts)})"


def _first_touch_sql(dialect: Dialect, params: Params, project_marker: str) -> str:
    """Per person with a touchpoint, the combination key of their first-ever one."""
    key = _combo_key("tp", params.add(SEPARATOR, "sep"))
    return (f"SELECT tp.person_id AS person_id, argMin({key}, {dialect.order_key('tp.touched_at', 'tp.seq')}) "
            f"AS combo FROM touchpoints AS tp WHERE tp.project_id = {project_marker} GROUP BY tp.person_id")


def resolve(*, warehouse: Warehouse, project_id: int, acquisition: Acquisition) -> Acquisition:
    """The acquisition with the first-touch combinations whose campaign belongs to its account."""
    catalog = campaign_catalog(warehouse=warehouse, project_id=project_id)
    params = Params()
    first = _first_touch_sql(warehouse.dialect, params, params.add(project_id, "p"))
    rows = warehouse.query(params.sql(f"SELECT DISTINCT combo FROM ({first}) AS ft"))
    admits = acquisition.filters.admits
    groups = {str(key): catalog.group(TouchCombo(*str(key).split(SEPARATOR))) for (key,) in rows}
    combos = sorted(key for key, group in groups.items() if admits(source=group.source, account_id=group.account_id))
    return Acquisition(acquisition.source, acquisition.account_id, tuple(combos))
