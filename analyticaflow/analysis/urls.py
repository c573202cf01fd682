from django.urls import path

from analyticaflow.analysis import api

urlpatterns = [
    path("projects/<int:project_id>/reports/funnel", api.FunnelReportView.as_view(), name="reports-funnel"),
    path("projects/<int:project_id>/reports/cohorts", api.CohortsReportView.as_view(), name="reports-cohorts"),
    path("projects/<int:project_id>/reports/ltv", api.LtvReportView.as_view(), name="reports-ltv"),
    path("projects/<int:project_id>/reports/journeys", api.JourneysReportView.as_view(), name="reports-journeys"),
]
