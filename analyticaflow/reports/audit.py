"""The UTM audit: the tracking gaps that silently break ROAS.

* Spend without tracked visits: campaigns with spend in the period that no touchpoint of the period matches
  (by id or cleaned name, see ``touches``) — the money at stake, whose orders can only show up as direct.
* UTM campaigns without spend: campaigns in the period's paid-looking touchpoints (an ad platform's UTM source
  with a paid medium or click id, or a source that has spend rows) that match no spend campaign at all —
  typically a typo in the tag or an account that is not connected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from analyticaflow.reports.collect import ReportRun
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.query import ReportQuery
from analyticaflow.reports.sqlparts import touch_columns
from analyticaflow.reports.touches import TouchCombo, group_of
from analyticaflow.warehouse.backends import Warehouse
from analyticaflow.warehouse.sql import Sql


def utm_audit_report(*, warehouse: Warehouse, query: ReportQuery, rates: RateBook) -> dict[str, Any]:
    spend_query = replace(query, metrics=("spend", "impressions", "clicks"), group_by="campaign", compare=None)
    run = ReportRun(warehouse=warehouse, query=spend_query, rates=rates)
    try:
        spent = run.collect(query.period, "current")
        catalog = run.catalog()
        period = query.period
        touches = warehouse.query(Sql(
            f"SELECT {touch_columns('t')}, count(*) AS touches, count(DISTINCT t.person_id) AS people, "
            "min(t.touched_at) AS first_at, max(t.touched_at) AS last_at "
            "FROM touchpoints AS t WHERE t.project_id = {project} AND t.touched_at >= {start} "
            "AND t.touched_at < {end} GROUP BY t_source, t_medium, t_campaign, t_channel, t_click",
            {"project": query.project_id, "start": period.start, "end": period.end}))
    finally:
        run.close()

    matched: set[tuple[str, str, str]] = set()
    unmatched: dict[tuple[str, str, str, str], dict[str, Any]] = defaultdict(
        lambda: {"touchpoints": 0, "visitors": 0, "first_seen": None, "last_seen": None})
    for source, medium, campaign, channel, click, count, people, first, last in touches:
        group = group_of(TouchCombo(source, medium, campaign, channel, click), catalog)
        if group.matched:
            matched.add((group.source, group.account_id or "", group.campaign_id or ""))
        elif campaign.strip() and group.paid:
            entry = unmatched[(group.source, source, medium, campaign)]
            entry["touchpoints"] += int(count)
            entry["visitors"] += int(people)
            entry["first_seen"] = min(filter(None, (entry["first_seen"], first)))
            entry["last_seen"] = max(filter(None, (entry["last_seen"], last)))

    untracked = []
    for ((source, account, campaign_id, _), _), parts in spent.cells.items():
        if parts.get("spend", 0) > 0 and (source, account or "", campaign_id or "") not in matched:
            untracked.append({"source": source, "account_id": account, "campaign_id": campaign_id,
                              "campaign_name": catalog.name(source, account, campaign_id),
                              "spend": parts["spend"], "impressions": parts.get("impressions", 0),
                              "clicks": parts.get("clicks", 0)})
    untracked.sort(key=lambda row: (-row["spend"], row["source"], row["campaign_id"] or ""))
    utm_only = [
        {"source": platform, "utm_source": source, "utm_medium": medium, "utm_campaign": campaign,
         "touchpoints": entry["touchpoints"], "visitors": entry["visitors"],
         "first_seen": entry["first_seen"].isoformat() + "Z", "last_seen": entry["last_seen"].isoformat() + "Z"}
        for (platform, source, medium, campaign), entry in unmatched.items()
    ]
    utm_only.sort(key=lambda row: (-row["touchpoints"], row["utm_source"], row["utm_campaign"]))
    return {
        "date_from": query.period.date_from.isoformat(),
        "date_to": query.period.date_to.isoformat(),
        "currency": query.currency,
        "spend_without_touchpoints": {
            "spend": round(sum(row["spend"] for row in untracked), 6),
            "campaigns": untracked,
        },
        "utm_campaigns_without_spend": utm_only,
        "warnings": spent.warnings,
    }
