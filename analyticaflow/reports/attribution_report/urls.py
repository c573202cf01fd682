from django.urls import path

from analyticaflow.reports.attribution_report import api

urlpatterns = [
    path(
        "projects/<int:project_id>/reports/attribution", api.AttributionReportView.as_view(), name="reports-attribution"
    ),
]
