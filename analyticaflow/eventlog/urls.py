from django.urls import path

from analyticaflow.eventlog import api

urlpatterns = [
    path("projects/<int:project_id>/events", api.EventListView.as_view(), name="events"),
]
