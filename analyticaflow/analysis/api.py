"""HTTP API of the analyses: funnel, cohorts, LTV and journeys reports (POST: a read whose query is the body).

Any member of the project (viewers too) and its read API keys may run them; anyone else gets 403.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analyticaflow.accounts.permissions import current_project
from analyticaflow.analysis import selectors
from analyticaflow.analysis.schema import (
    CohortsReportSerializer,
    FunnelReportSerializer,
    JourneysReportSerializer,
    LtvReportSerializer,
)
from analyticaflow.analysis.serializers import (
    CohortsRequestSerializer,
    FunnelRequestSerializer,
    JourneysRequestSerializer,
    LtvRequestSerializer,
    cohort_query,
    funnel_query,
    ltv_query,
    paths_query,
    timeline_query,
)
from analyticaflow.reports.permissions import ProjectReadAccess

FUNNEL_EXAMPLE = {
    "date_from": "2026-03-01", "date_to": "2026-03-31",
    "steps": [{"type": "page", "filters": [{"property": "path", "operator": "contains", "value": "/products/"}]},
              {"event": "Product Added"}, {"event": "Checkout Started"}, {"event": "Order Completed"}],
    "window_seconds": 604800, "breakdown": "channel", "dropped": {"step": 2, "limit": 50},
}


class FunnelReportView(APIView):
    """Persons through ordered steps: a person enters with their first step-1 event in the range (project time
    zone) and reaches step k with a step-k event after the one that took them to step k-1 (time, then arrival
    order, across devices) and within the conversion window from their entry. Per step: persons, conversion from
    the previous and the first step, median time from the previous step; optionally per breakdown value, and one
    page of the persons who dropped out before a step. ``account``: only the persons acquired through that ad
    account (their first-ever touchpoint is one of its campaigns)."""

    permission_classes = [IsAuthenticated, ProjectReadAccess]

    @extend_schema(operation_id="reports_funnel", request=FunnelRequestSerializer, responses=FunnelReportSerializer,
                   examples=[OpenApiExample("four steps by channel", value=FUNNEL_EXAMPLE, request_only=True)])
    def post(self, request: Request, project_id: int) -> Response:
        data = FunnelRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        query, dropped = funnel_query(project, data.validated_data)
        return Response(selectors.analysis_funnel(project=project, query=query, dropped=dropped))


class CohortsReportView(APIView):
    """Retention of cohorts: persons grouped by the day, ISO week or month (project time zone) of their first
    start event; per period k = 0..N after it, the share of the whole cohort with a return event in that period
    (events before the person's start ignored) and the members' revenue per member. Cells not yet complete are
    flagged, cells not yet begun are null. ``account``: only the persons acquired through that ad account."""

    permission_classes = [IsAuthenticated, ProjectReadAccess]

    @extend_schema(operation_id="reports_cohorts", request=CohortsRequestSerializer,
                   responses=CohortsReportSerializer,
                   examples=[OpenApiExample("weekly sign-up cohorts", request_only=True, value={
                       "date_from": "2026-01-01", "date_to": "2026-03-31", "granularity": "week", "periods": 12})])
    def post(self, request: Request, project_id: int) -> Response:
        data = CohortsRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        return Response(selectors.analysis_cohorts(project=project, query=cohort_query(project,
                                                                                       data.validated_data)))


class LtvReportView(APIView):
    """Lifetime value of the customers acquired in the range (first order in it), per month after the first
    order, overall and per acquisition channel (of the first-ever touchpoint) or channel group; the curve over
    observable customers only; CAC from the range's ad spend, LTV/CAC and the payback month. ``account``: only the
    customers acquired through that ad account, and CAC from that account's spend only."""

    permission_classes = [IsAuthenticated, ProjectReadAccess]

    @extend_schema(operation_id="reports_ltv", request=LtvRequestSerializer, responses=LtvReportSerializer,
                   examples=[OpenApiExample("a quarter's customers over a year", request_only=True, value={
                       "date_from": "2026-01-01", "date_to": "2026-03-31", "months": 12, "by": "channel"})])
    def post(self, request: Request, project_id: int) -> Response:
        data = LtvRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        return Response(selectors.analysis_ltv(project=project, query=ltv_query(project, data.validated_data)))


class JourneysReportView(APIView):
    """Customer journeys. `view: paths` (default): the top paths of touchpoint channels before the range's
    conversions (the attribution journeys), with conversions, value, non-converting paths and conversion rate;
    ``account``: only the journeys of the persons acquired through that ad account.
    `view: timeline`: one person's events on every device, identities merged, for support staff (404 when no
    person has the id or e-mail)."""

    permission_classes = [IsAuthenticated, ProjectReadAccess]

    @extend_schema(operation_id="reports_journeys", request=JourneysRequestSerializer,
                   responses=JourneysReportSerializer,
                   examples=[
                       OpenApiExample("top paths", request_only=True, value={
                           "view": "paths", "date_from": "2026-03-01", "date_to": "2026-03-31", "limit": 20}),
                       OpenApiExample("a customer's timeline", request_only=True, value={
                           "view": "timeline", "person": "customer@example.com", "order": "desc"}),
                   ])
    def post(self, request: Request, project_id: int) -> Response:
        data = JourneysRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        if data.validated_data["view"] == "timeline":
            query = timeline_query(project, data.validated_data)
            return Response(selectors.analysis_timeline(project=project, query=query))
        return Response(selectors.analysis_paths(project=project, query=paths_query(project, data.validated_data)))
