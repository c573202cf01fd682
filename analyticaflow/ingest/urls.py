from django.urls import path

from analyticaflow.ingest import api

urlpatterns = [
    path("projects/<int:project_id>/events/import", api.EventsImportView.as_view(), name="events-import"),
]
