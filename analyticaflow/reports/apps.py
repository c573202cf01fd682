from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "analyticaflow.reports"
    label = "reports"
    verbose_name = "Reports"
