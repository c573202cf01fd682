from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "analyticaflow.outbox"
    # A label of its own so the app never clashes with a shop app called "outbox".
    label = "analyticaflow_outbox"
    verbose_name = "Analytics outbox"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from analyticaflow.outbox import checks, worker  # noqa: F401 - registers the system check

        worker.connect_signals()
