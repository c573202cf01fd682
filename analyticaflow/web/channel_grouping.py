"""The channel-grouping settings page: the rules mapping sources to channel groups, edited in the browser
through the channel-grouping API (owners and marketers; viewers read them)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from analyticaflow.accounts.models import ROLE_CAN_WRITE
from analyticaflow.channelgroups.rules import MAX_KEY_LENGTH, MAX_RULES
from analyticaflow.web.views import require_membership


@login_required
def channel_grouping_page(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id)
    project = membership.project
    config = {
        "api": f"/api/v1/projects/{project.id}/channel-grouping",
        "can_edit": ROLE_CAN_WRITE[membership.role],
        "max_rules": MAX_RULES,
        "max_key_length": MAX_KEY_LENGTH,
        "attribution": reverse("web:attribution", args=[project.id]),
    }
    return render(request, "web/channel_grouping.html", {
        "project": project, "membership": membership, "config": config, "section": "settings",
        "can_edit": config["can_edit"],
    })
