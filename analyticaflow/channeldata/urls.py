from django.urls import path

from analyticaflow.channeldata import api

urlpatterns = [
    path("projects/<int:project_id>/spend/import", api.SpendImportView.as_view(), name="spend-import"),
]
