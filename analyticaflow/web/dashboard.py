"""The account dashboard and the UTM audit: HTML shells whose numbers the browser fetches from the reports API.

The server renders only what is cheap (membership, project settings, the metric and platform catalogs), so
the page answers fast whatever the data volume; reports run when the page asks for them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from analyticaflow.accounts.models import Project
from analyticaflow.web.metric_catalog import metric_catalog
from analyticaflow.web.views import require_membership

REPORTS = ("kpi", "timeseries", "accounts", "utm-audit")


def report_urls(project: Project) -> dict[str, str]:
    base = f"/api/v1/projects/{project.id}/reports/"
    return {name.replace("-", "_"): base + name for name in REPORTS}


def page_config(project: Project) -> dict:
    """What the page's script needs: the project, the API addresses and the metric catalog."""
    return {
        "project": {"id": project.id, "name": project.name, "currency": project.currency,
                    "timezone": project.timezone},
        "urls": {
            **report_urls(project),
            "setup": reverse("web:project-setup", args=[project.id]),
            "settings": reverse("web:project-settings", args=[project.id]),
            "integrations": reverse("web:integrations", args=[project.id]),
            "utm_audit_page": reverse("web:utm-audit", args=[project.id]),
        },
        "metrics": metric_catalog(),
    }


@login_required
def dashboard(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id)
    project = membership.project
    return render(request, "web/dashboard.html", {
        "project": project, "membership": membership, "config": page_config(project), "section": "dashboard",
    })


@login_required
def utm_audit(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id)
    project = membership.project
    return render(request, "web/utm_audit.html", {
        "project": project, "membership": membership, "config": page_config(project), "section": "utm-audit",
    })
