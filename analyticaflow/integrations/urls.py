from django.urls import path

from analyticaflow.integrations import api

urlpatterns = [
    path("integrations/platforms", api.PlatformListView.as_view(), name="integration-platforms"),
    path("projects/<int:project_id>/integrations", api.IntegrationListCreateView.as_view(), name="integrations"),
    path(
        "projects/<int:project_id>/integrations/<int:integration_id>",
        api.IntegrationDetailView.as_view(),
        name="integration",
    ),
    path(
        "projects/<int:project_id>/integrations/<int:integration_id>/sync",
        api.IntegrationSyncView.as_view(),
        name="integration-sync",
    ),
    path(
        "projects/<int:project_id>/integrations/<int:integration_id>/reconnect",
        api.IntegrationReconnectView.as_view(),
        name="integration-reconnect",
    ),
    path(
        "projects/<int:project_id>/integrations/<int:integration_id>/accounts",
        api.IntegrationAccountsView.as_view(),
        name="integration-accounts",
    ),
    path(
        "projects/<int:project_id>/integrations/<int:integration_id>/runs",
        api.IntegrationRunsView.as_view(),
        name="integration-runs",
    ),
]
