"""Entry points of the analyses (reads): each resolves what the project's settings add to a query (time zone,
currency, exchange rates, channel grouping, ad spend), runs it on the process-wide warehouse and shapes the
answer (``responses``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from analyticaflow.accounts.models import Project
from analyticaflow.analysis import responses
from analyticaflow.analysis.acquisition import resolve
from analyticaflow.analysis.cohorts import CohortQuery, cohort_run
from analyticaflow.analysis.funnels import DroppedQuery, FunnelQuery, funnel_run
from analyticaflow.analysis.grouping import group_map
from analyticaflow.analysis.ltv import LtvQuery, ltv_run
from analyticaflow.analysis.paths import PathsQuery, paths_run
from analyticaflow.analysis.timeline import TimelineQuery, timeline_run
from analyticaflow.channeldata.platforms import platform_channel
from analyticaflow.channelgroups.rules import ChannelGrouping
from analyticaflow.channelgroups.selectors import channel_grouping_for
from analyticaflow.errors import InvalidInput, NotFound
from analyticaflow.reports.collect import ReportRun
from analyticaflow.reports.currency import RateBook
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import Filters, ReportQuery
from analyticaflow.reports.selectors import rate_book, report_accounts, report_warehouse
from analyticaflow.warehouse.backends import Warehouse


def analysis_funnel(*, project: Project, query: FunnelQuery, dropped: DroppedQuery | None) -> dict[str, Any]:
    warehouse = report_warehouse()
    query = _with_acquisition(query, warehouse, project)
    if query.breakdown == "channel_group":
        query = _with_groups(query, warehouse, project)
    result = funnel_run(warehouse=warehouse, query=query, dropped=dropped)
    return responses.funnel_response(query, result, dropped)


def analysis_cohorts(*, project: Project, query: CohortQuery) -> dict[str, Any]:
    warehouse = report_warehouse()
    result = cohort_run(warehouse=warehouse, query=_with_acquisition(query, warehouse, project),
                        rates=rate_book(project=project))
    return responses.cohorts_response(query, result)


def analysis_ltv(*, project: Project, query: LtvQuery) -> dict[str, Any]:
    warehouse = report_warehouse()
    grouping = channel_grouping_for(project_id=project.id)
    query = _with_acquisition(query, warehouse, project)
    if query.by == "channel_group":
        query = _with_groups(query, warehouse, project, grouping=grouping)
    rates = rate_book(project=project)
    spend, warnings = spend_by_acquisition(
        warehouse=warehouse, project=project, period=query.period, by=query.by, rates=rates, grouping=grouping,
        filters=query.acquired.filters if query.acquired else None)
    result = ltv_run(warehouse=warehouse, query=query, rates=rates, spend=spend)
    return responses.ltv_response(query, result, warnings)


def analysis_paths(*, project: Project, query: PathsQuery) -> dict[str, Any]:
    warehouse = report_warehouse()
    result = paths_run(warehouse=warehouse, query=_with_acquisition(query, warehouse, project),
                       rates=rate_book(project=project),
                       grouping=channel_grouping_for(project_id=project.id))
    return responses.paths_response(query, result)


def analysis_timeline(*, project: Project, query: TimelineQuery) -> dict[str, Any]:
    timeline = timeline_run(warehouse=report_warehouse(), query=query)
    if timeline is None:
        raise NotFound(f"No person in this project has the id or e-mail {query.person!r}.",
                       fields={"person": ["No person has this id or e-mail."]})
    return responses.timeline_response(query, timeline)


def _with_acquisition(query, warehouse: Warehouse, project: Project):
    """The query with its account filter resolved to first-touch combinations; 400 for an account the project
    does not have (the dashboard menu's accounts)."""
    wanted = query.acquired
    if wanted is None:
        return query
    known = {(account["source"], account["account_id"]) for account in report_accounts(project=project)}
    if (wanted.source, wanted.account_id) not in known:
        raise InvalidInput(f"account: the project has no account {wanted.source}:{wanted.account_id}.",
                           fields={"account": [f"The project has no account {wanted.account_id!r} on "
                                               f"{wanted.source!r}."]})
    return replace(query, acquired=resolve(warehouse=warehouse, project_id=project.id, acquisition=wanted))


def _with_groups(query, warehouse: Warehouse, project: Project, grouping: ChannelGrouping | None = None):
    grouping = grouping or channel_grouping_for(project_id=project.id)
    return replace(query, group_map=group_map(warehouse=warehouse, project_id=project.id, grouping=grouping))


def spend_by_acquisition(*, warehouse: Warehouse, project: Project, period: Period, by: str, rates: RateBook,
                         grouping: ChannelGrouping, filters: Filters | None = None,
                         ) -> tuple[dict[str, float], list[dict]]:
    """The period's ad spend per channel (an ad platform's spend counts for its visits' channel) or per channel
    group, in the reporting currency, through the KPI report's own run (same rates and warnings); ``filters``:
    only these spend rows (an account's)."""
    run = ReportRun(warehouse=warehouse, rates=rates, query=ReportQuery(
        project_id=project.id, timezone=project.timezone, currency=project.currency, period=period,
        metrics=("spend",), group_by="source", filters=filters or Filters()))
    try:
        collected = run.collect(period, "current")
    finally:
        run.close()
    spend: dict[str, float] = defaultdict(float)
    for (key, _bucket), parts in collected.cells.items():
        source = key[0] or ""
        amount = float(parts.get("spend") or 0)
        if not source or not amount:
            continue
        target = platform_channel(source) if by == "channel" else grouping.spend_group(source=source)
        spend[target] += amount
    return dict(spend), list(collected.warnings)
