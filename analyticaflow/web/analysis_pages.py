"""The analysis pages (funnels, cohorts, LTV, journeys, a person's timeline): HTML shells whose numbers the
browser fetches from the analysis reports API, like the dashboard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from analyticaflow.accounts.models import Project
from analyticaflow.web.views import require_membership

PAGES = {
    # section → (template, title)
    "funnels": ("web/analysis_funnel.html", "Funnels"),
    "cohorts": ("web/analysis_cohorts.html", "Cohorts"),
    "ltv": ("web/analysis_ltv.html", "Lifetime value"),
    "journeys": ("web/analysis_journeys.html", "Journeys"),
    "person": ("web/analysis_person.html", "Person"),
}
# Event names every shop sends (Segment's e-commerce spec), offered while typing a step.
KNOWN_EVENTS = ("Product Viewed", "Product Added", "Cart Viewed", "Checkout Started", "Payment Info Entered",
                "Order Completed", "Signed Up", "Signed In", "Product List Viewed", "Products Searched")


def analysis_config(project: Project) -> dict:
    base = f"/api/v1/projects/{project.id}/reports/"
    return {
        "project": {"id": project.id, "name": project.name, "currency": project.currency,
                    "timezone": project.timezone},
        "urls": {
            "funnel": base + "funnel", "cohorts": base + "cohorts", "ltv": base + "ltv", "journeys": base + "journeys",
            "person_page": reverse("web:analysis-person", args=[project.id]),
        },
        "known_events": list(KNOWN_EVENTS),
    }


def _page(section: str):
    template, title = PAGES[section]

    @login_required
    def page(request: HttpRequest, project_id: int) -> HttpResponse:
        membership = require_membership(request, project_id)
        project = membership.project
        return render(request, template, {
            "project": project, "membership": membership, "config": analysis_config(project),
            "section": "journeys" if section == "person" else section, "page_title": title,
        })

    page.__name__ = f"{section}_page"
    return page


funnels_page = _page("funnels")
cohorts_page = _page("cohorts")
ltv_page = _page("ltv")
journeys_page = _page("journeys")
person_page = _page("person")
