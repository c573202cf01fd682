"""HTTP API of the attribution report."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analyticaflow.accounts.permissions import current_project
from analyticaflow.reports.attribution_report import selectors
from analyticaflow.reports.attribution_report.serializers import (
    AttributionQuerySerializer,
    AttributionReportSerializer,
    attribution_query,
)
from analyticaflow.reports.permissions import ProjectReadAccess

EXAMPLE = {"date_from": "2026-03-01", "date_to": "2026-03-31", "models": ["last_touch", "linear", "markov"],
           "lookback_days": 30, "group_by": "campaign", "filters": {"source": ["meta_ads"]}}


class AttributionReportView(APIView):
    """Conversions of a period credited to channels, campaigns or channel groups by every attribution model side by
    side, with the spend matched to each row and CPA, ROAS and ROMI per model.

    Conversions are orders (`Order Completed` events and shop orders) and CRM deals won, deduplicated by order
    id, in the project's time zone (dates inclusive). A conversion's journey is its person's touchpoints within
    `lookback_days` before it; a conversion with none is credited to `direct`. Spend is matched by source and by
    campaign (id, or the cleaned name); money is in the project's currency, converted with its exchange rates,
    rows without a rate left out and named in `warnings`. Any member (viewers too) and read API keys may run it.
    """

    permission_classes = [IsAuthenticated, ProjectReadAccess]

    @extend_schema(operation_id="reports_attribution", request=AttributionQuerySerializer,
                   responses=AttributionReportSerializer,
                   examples=[OpenApiExample("three models by campaign", value=EXAMPLE, request_only=True)])
    def post(self, request: Request, project_id: int) -> Response:
        data = AttributionQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        return Response(selectors.report_attribution(project=project,
                                                     query=attribution_query(project, data.validated_data)))
