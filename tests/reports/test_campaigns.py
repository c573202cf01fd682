"""The campaign catalog kept between reports follows every change of the project's spend."""

from __future__ import annotations

from datetime import date

from analyticaflow.reports.campaigns import campaign_catalog
from tests.reports.helpers import PROJECT, daily_spend, kpi, order, project_events, query, utc, visit

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def campaigns(report: dict) -> list[tuple]:
    return sorted((row["group"]["campaign_id"] or "", row["group"]["campaign_name"] or "",
                   row["metrics"]["orders"]) for row in report["rows"])


def test_grouped_reports_see_new_and_renamed_campaigns_at_once(duck):
    project_events(duck, [visit("ann", utc(2026, 3, 2), source="facebook", medium="cpc", campaign="c2"),
                          order("ann", "a1", utc(2026, 3, 3), 10)])
    daily_spend(duck, source="meta_ads", account="act_1", campaign_id="c1", name="Spring", first=date(2026, 3, 1),
                days=2, spend="5")
    by_campaign = query(*MARCH, ["spend", "orders"], group_by="campaign")
    # c2 has no spend yet: the visit's campaign stays a name of its own.
    assert campaigns(kpi(duck, by_campaign)) == [("", "c2", 1), ("c1", "Spring", 0)]
    assert campaign_catalog(warehouse=duck, project_id=PROJECT) is campaign_catalog(warehouse=duck,
                                                                                    project_id=PROJECT)
    daily_spend(duck, source="meta_ads", account="act_1", campaign_id="c2", name="Summer", first=date(2026, 3, 1),
                days=1, spend="7")
    assert campaigns(kpi(duck, by_campaign)) == [("c1", "Spring", 0), ("c2", "Summer", 1)]
    # The same rows reloaded under a new name: same row count, a newer load.
    daily_spend(duck, source="meta_ads", account="act_1", campaign_id="c2", name="Summer Sale",
                first=date(2026, 3, 1), days=1, spend="7")
    assert campaigns(kpi(duck, by_campaign)) == [("c1", "Spring", 0), ("c2", "Summer Sale", 1)]
