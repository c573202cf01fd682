from django.apps import AppConfig


class ProjectionsConfig(AppConfig):
    name = "analyticaflow.projections"
    label = "projections"
    verbose_name = "Projections"
