"""The attribution page: an HTML shell whose table the browser fetches from the attribution report API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analyticaflow.attribution import model_names
from analyticaflow.reports.attribution_report.catalog import MODEL_TEXT
from analyticaflow.web.dashboard import page_config
from analyticaflow.web.views import require_membership


@login_required
def attribution(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id)
    project = membership.project
    config = page_config(project)
    config["urls"]["attribution"] = f"/api/v1/projects/{project.id}/reports/attribution"
    config["urls"]["channel_grouping_api"] = f"/api/v1/projects/{project.id}/channel-grouping"
    config["models"] = [{"name": name, "label": MODEL_TEXT[name][0], "description": MODEL_TEXT[name][1]}
                        for name in model_names()]
    return render(request, "web/attribution.html", {
        "project": project, "membership": membership, "config": config, "section": "attribution",
    })
