from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "analyticaflow.web"
    label = "web"
    verbose_name = "Web UI"
