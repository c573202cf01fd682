from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "analyticaflow.ingest"
    label = "ingest"
    verbose_name = "Event capture"
