"""The integrations pages: the platform catalogue and connected accounts, the OAuth callback, the account picker.

The page is a shell: the list, progress bars and buttons are driven by ``static/web/js/integrations.js``
through the integrations API. The callback and the account picker are plain server pages (they work
without script) because the platform sends the browser straight to them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from analyticaflow.errors import AppError, NotFound
from analyticaflow.integrations import selectors, services
from analyticaflow.integrations.platforms import catalogue, connector_label
from analyticaflow.web.views import require_membership

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


def integrations_url(project_id: int) -> str:
    return reverse("web:integrations", args=[project_id])


@login_required
def integrations_page(request: HttpRequest, project_id: int) -> HttpResponse:
    membership = require_membership(request, project_id)
    project = membership.project
    config = {
        "project": {"id": project.id, "timezone": project.timezone},
        "can_write": membership.role in ("owner", "marketer"),
        "urls": {
            "integrations": f"/api/v1/projects/{project.id}/integrations",
            "platforms": "/api/v1/integrations/platforms",
        },
        "platforms": catalogue(),
    }
    return render(
        request,
        "web/integrations.html",
        {
            "project": project,
            "membership": membership,
            "section": "integrations",
            "config": config,
            "platforms": config["platforms"],
            "hours": HOURS,
        },
    )


@login_required
def oauth_callback(request: HttpRequest) -> HttpResponse:
    """Where every platform sends the browser back after the user granted (or refused) access."""
    params = request.GET.dict()
    try:
        integration, choose = services.integration_link_complete(
            params=params, user=request.user, session_key=request.session.session_key
        )
    except AppError as exc:
        project_id = selectors.project_of_link(state=params.get("state") or params.get("oauth_token") or "")
        messages.error(request, f"Connecting failed: {exc.message}")
        if project_id is None:
            return HttpResponseRedirect(reverse("web:projects"))
        return HttpResponseRedirect(integrations_url(project_id))
    if choose:
        return HttpResponseRedirect(reverse("web:integration-accounts", args=[integration.project_id, integration.id]))
    messages.success(
        request,
        f"{integration.account_name or integration.account_id} is connected; its history is loading in the background.",
    )
    return HttpResponseRedirect(integrations_url(integration.project_id))


@login_required
@require_http_methods(["GET", "POST"])
def account_picker(request: HttpRequest, project_id: int, integration_id: int) -> HttpResponse:
    membership = require_membership(request, project_id, need="write")
    integration = selectors.integration_get(project_id=project_id, integration_id=integration_id)
    if integration is None:
        raise NotFound("No such integration in this project.")
    link = selectors.link_waiting_for_choice(integration=integration)
    if link is None:
        messages.info(request, "There is no account choice waiting; connect the platform again if needed.")
        return HttpResponseRedirect(integrations_url(project_id))
    connected = selectors.connected_account_ids(
        project_id=project_id, platform=integration.platform, exclude_id=integration.id
    )
    if request.method == "POST":
        try:
            hour = int(request.POST.get("sync_hour", integration.sync_hour))
            attached = services.integration_accounts_choose(
                integration=integration, account_ids=request.POST.getlist("account_ids"), sync_hour=hour
            )
        except (AppError, ValueError) as exc:
            messages.error(request, getattr(exc, "message", "Pick at least one account and a sync hour."))
        else:
            names = ", ".join(item.account_name or item.account_id for item in attached)
            messages.success(request, f"Connected {names}; a year of history is loading in the background.")
            return HttpResponseRedirect(integrations_url(project_id))
    return render(
        request,
        "web/integration_accounts.html",
        {
            "project": membership.project,
            "membership": membership,
            "section": "integrations",
            "integration": integration,
            "accounts": link.accounts,
            "connected": connected,
            "hours": HOURS,
            "platform_label": connector_label(integration.platform),
        },
    )
