from django.urls import path

from analyticaflow.reports import api

urlpatterns = [
    path("metrics", api.MetricCatalogView.as_view(), name="metrics-catalog"),
    path("projects/<int:project_id>/reports/kpi", api.KpiReportView.as_view(), name="reports-kpi"),
    path("projects/<int:project_id>/reports/timeseries", api.TimeseriesReportView.as_view(),
         name="reports-timeseries"),
    path("projects/<int:project_id>/reports/utm-audit", api.UtmAuditView.as_view(), name="reports-utm-audit"),
    path("projects/<int:project_id>/reports/accounts", api.ChannelAccountsView.as_view(), name="reports-accounts"),
    path("projects/<int:project_id>/exchange-rates", api.ExchangeRatesView.as_view(), name="exchange-rates"),
]
