from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "analyticaflow.demo"
    label = "demo"
    verbose_name = "Demo shop"
