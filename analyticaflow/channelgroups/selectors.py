"""Reading a project's channel grouping."""

from __future__ import annotations

from analyticaflow.channelgroups.models import ChannelGroupingSetting
from analyticaflow.channelgroups.rules import ChannelGrouping


def channel_grouping_for(*, project_id: int) -> ChannelGrouping:
    """The project's rules over the built-in classification (no rules: the built-in classification alone)."""
    rules = ChannelGroupingSetting.objects.filter(project_id=project_id).values_list("rules", flat=True).first()
    return ChannelGrouping(rules=dict(rules or {}))


def channel_grouping_updated(*, project_id: int) -> ChannelGroupingSetting | None:
    return ChannelGroupingSetting.objects.filter(project_id=project_id).select_related("updated_by").first()
