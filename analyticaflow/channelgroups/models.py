"""The project's channel-grouping rules (one row per project that changed the built-in classification)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from analyticaflow.accounts.models import Project


class ChannelGroupingSetting(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="channel_grouping")
    rules = models.JSONField(
        default=dict, blank=True, help_text="source or source/medium → group; see channelgroups.rules."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Channel grouping of {self.project}"
