"""Running the attribution report for a project on the process-wide warehouse."""

from __future__ import annotations

from typing import Any

from analyticaflow.accounts.models import Project
from analyticaflow.channelgroups.selectors import channel_grouping_for
from analyticaflow.reports.attribution_report.query import AttributionQuery, validate_attribution_query
from analyticaflow.reports.attribution_report.runner import attribution_report
from analyticaflow.reports.selectors import rate_book, report_warehouse


def report_attribution(*, project: Project, query: AttributionQuery) -> dict[str, Any]:
    validate_attribution_query(query)
    return attribution_report(warehouse=report_warehouse(), query=query, rates=rate_book(project=project),
                              grouping=channel_grouping_for(project_id=project.id))
