from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "analyticaflow.accounts"
    label = "accounts"
    verbose_name = "Accounts and projects"

    def ready(self) -> None:
        # Registers the OpenAPI descriptions of our authentication classes.
        from analyticaflow.accounts import schema  # noqa: F401
