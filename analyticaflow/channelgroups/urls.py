from django.urls import path

from analyticaflow.channelgroups import api

urlpatterns = [
    path("projects/<int:project_id>/channel-grouping", api.ChannelGroupingView.as_view(), name="channel-grouping"),
]
