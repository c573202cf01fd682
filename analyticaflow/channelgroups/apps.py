from django.apps import AppConfig


class ChannelGroupsConfig(AppConfig):
    name = "analyticaflow.channelgroups"
    label = "channelgroups"
    verbose_name = "Channel grouping"
