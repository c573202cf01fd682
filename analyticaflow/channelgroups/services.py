"""Changing a project's channel grouping."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction

from analyticaflow.accounts.models import Project, User
from analyticaflow.channelgroups.models import ChannelGroupingSetting
from analyticaflow.channelgroups.rules import ChannelGrouping, normal_key, validate_rules
from analyticaflow.errors import InvalidInput


def channel_grouping_update(
    *, project: Project, rules: Mapping[str, str | None], replace: bool, user: User | None = None
) -> ChannelGrouping:
    """Set the project's rules: ``replace`` makes them exactly ``rules``; otherwise ``rules`` are merged into the
    current ones, a ``None`` group removing that rule. Raises ``InvalidInput`` naming each rule that does not fit."""
    with transaction.atomic():
        setting, _ = ChannelGroupingSetting.objects.select_for_update().get_or_create(project=project)
        merged: dict[object, object] = {} if replace else dict(setting.rules)
        for raw_key, group in rules.items():
            key = normal_key(raw_key) or raw_key  # an unusable key is kept as given, for the error message
            if group is None and not replace:
                merged.pop(key, None)
            else:
                merged[key] = group
        normalized, errors = validate_rules(merged)
        if errors:
            first = next(iter(errors.items()))
            raise InvalidInput(f"{first[0]}: {first[1][0]}", fields=errors)
        setting.rules = dict(sorted(normalized.items()))
        setting.updated_by = user if getattr(user, "is_authenticated", False) else None
        setting.save()
    return ChannelGrouping(rules=setting.rules)
