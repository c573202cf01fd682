"""HTTP API of the reports: KPI and time-series reports, the UTM audit, the account list, the metric
catalog, and the project's exchange rates."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analyticaflow.accounts.permissions import ProjectAccess, current_project
from analyticaflow.metrics.registry import GROUPINGS, METRICS
from analyticaflow.reports import selectors, services
from analyticaflow.reports.attribution import MODELS
from analyticaflow.reports.periods import COMPARISONS, GRANULARITIES
from analyticaflow.reports.permissions import ProjectReadAccess
from analyticaflow.reports.serializers import (
    ChannelAccountSerializer,
    ExchangeRatesSerializer,
    KpiQuerySerializer,
    KpiReportSerializer,
    MetricCatalogSerializer,
    TimeseriesQuerySerializer,
    TimeseriesReportSerializer,
    UtmAuditQuerySerializer,
    UtmAuditSerializer,
    report_query,
)

KPI_EXAMPLE = {"date_from": "2026-03-01", "date_to": "2026-03-31", "metrics": ["spend", "revenue", "roas", "romi"],
               "group_by": "source", "compare": "previous_period", "attribution_model": "last_touch",
               "filters": {"source": ["meta_ads", "google_ads"]}}


class KpiReportView(APIView):
    """KPI values for a period in the project's time zone (dates inclusive), the comparison period and the change,
    overall and per group (source, account, campaign or channel).

    Orders, revenue and new customers of a group are those its touchpoints are credited with by
    `attribution_model`; spend is matched to touchpoints by source and campaign (id or cleaned name). Money is
    in the project's currency: rows in other currencies are converted with the project's exchange rates, and
    rows with no rate are left out and named in `warnings`. Any member (viewers too) and read API keys may run
    reports.
    """

    permission_classes = [IsAuthenticated, ProjectReadAccess]

    @extend_schema(operation_id="reports_kpi", request=KpiQuerySerializer, responses=KpiReportSerializer,
                   examples=[OpenApiExample("by source vs the previous period", value=KPI_EXAMPLE,
                                            request_only=True)])
    def post(self, request: Request, project_id: int) -> Response:
        data = KpiQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        return Response(selectors.report_kpi(project=project, query=report_query(project, data.validated_data)))


class TimeseriesReportView(APIView):
    """Metric values per day, week (ISO, from Monday), month, quarter or year in the project's time zone.

    Every bucket of the range is present (empty ones have zero counts and null ratios); the first and last
    bucket may be partial (`date_from`/`date_to` say which days they cover). With `compare`, the comparison
    period's buckets are aligned bucket by bucket (the i-th beside the i-th). With `group_by`, `rows` holds one
    series per group.
    """

    permission_classes = [IsAuthenticated, ProjectReadAccess]

    @extend_schema(operation_id="reports_timeseries", request=TimeseriesQuerySerializer,
                   responses=TimeseriesReportSerializer)
    def post(self, request: Request, project_id: int) -> Response:
        data = TimeseriesQuerySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        query = report_query(project, data.validated_data, granularity=data.validated_data["granularity"])
        return Response(selectors.report_timeseries(project=project, query=query))


class UtmAuditView(APIView):
    """Tracking gaps: spend of campaigns no tracked visit matches (the money at stake), and paid-looking UTM
    campaigns that match no spend campaign (a typo, or an account not connected)."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(operation_id="reports_utm_audit", parameters=[UtmAuditQuerySerializer],
                   responses=UtmAuditSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        data = UtmAuditQuerySerializer(data=request.query_params)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        query = report_query(project, {**data.validated_data, "metrics": ["spend"]})
        return Response(selectors.report_utm_audit(project=project, query=query))


class ChannelAccountsView(APIView):
    """The accounts the project has data from: ad accounts (`ads`, from the spend rows), organic social
    accounts, GA4 properties (`web`) and CRM accounts, with their currency and first/last date."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    @extend_schema(operation_id="reports_accounts", responses=ChannelAccountSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        return Response(selectors.report_accounts(project=current_project(request)))


class MetricCatalogView(APIView):
    """Every metric (format, direction, parts, the groupings it supports), attribution model, grouping,
    granularity and comparison the reports accept."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="metrics_catalog", responses=MetricCatalogSerializer)
    def get(self, request: Request) -> Response:
        return Response({
            "metrics": [{"name": m.name, "label": m.label, "format": m.format.value,
                         "higher_is_better": m.higher_is_better, "description": m.description,
                         "parts": list(m.parts), "groupings": list(m.groupings)} for m in METRICS.values()],
            "attribution_models": [{"name": m.name, "description": m.description} for m in MODELS.values()],
            "groupings": list(GROUPINGS),
            "granularities": list(GRANULARITIES),
            "comparisons": list(COMPARISONS),
        })


class ExchangeRatesView(APIView):
    """The exchange rates of the project: one unit of `currency` is worth `rate` units of the project's reporting
    currency from `valid_from` on, until the currency's next rate. Reports convert every row in another
    currency with the rate valid on its date; rows with no rate are left out of reports and named in their
    `warnings`. PUT replaces the whole set (owners and marketers)."""

    permission_classes = [IsAuthenticated, ProjectAccess]

    def _body(self, project) -> dict:
        rates = selectors.exchange_rates_list(project=project)
        return {"reporting_currency": project.currency,
                "rates": [{"currency": r.currency, "valid_from": r.valid_from, "rate": r.rate} for r in rates]}

    @extend_schema(operation_id="exchange_rates_list", responses=ExchangeRatesSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        return Response(ExchangeRatesSerializer(self._body(current_project(request))).data)

    @extend_schema(operation_id="exchange_rates_replace", request=ExchangeRatesSerializer,
                   responses=ExchangeRatesSerializer,
                   examples=[OpenApiExample("USD and GBP into EUR", request_only=True, value={"rates": [
                       {"currency": "USD", "valid_from": "2026-01-01", "rate": "0.92"},
                       {"currency": "USD", "valid_from": "2026-02-01", "rate": "0.93"},
                       {"currency": "GBP", "valid_from": "2026-01-01", "rate": "1.17"}]})])
    def put(self, request: Request, project_id: int) -> Response:
        data = ExchangeRatesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = current_project(request)
        services.exchange_rates_replace(project=project, rates=data.validated_data["rates"])
        return Response(ExchangeRatesSerializer(self._body(project)).data)
