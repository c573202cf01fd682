"""Reads on integrations: per project, one, the history, and the dashboard menu's account list."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from analyticaflow.integrations.models import Integration, LinkRequest, LinkStatus, SyncRun
from analyticaflow.integrations.platforms import connector_label


def integrations_for_project(*, project_id: int) -> QuerySet[Integration]:
    return Integration.objects.filter(project_id=project_id).order_by("platform", "account_name", "id")


def integration_get(*, project_id: int, integration_id: int) -> Integration | None:
    return Integration.objects.filter(project_id=project_id, id=integration_id).select_related("project").first()


def sync_runs_of(*, integration: Integration, limit: int = 20) -> list[SyncRun]:
    return list(SyncRun.objects.filter(integration=integration).order_by("-started_at", "-id")[:limit])


def last_runs(*, integrations: list[Integration]) -> dict[int, SyncRun]:
    """The latest run of each integration (one query)."""
    latest: dict[int, SyncRun] = {}
    runs = SyncRun.objects.filter(integration__in=integrations).order_by("integration_id", "-started_at", "-id")
    for run in runs:
        latest.setdefault(run.integration_id, run)
    return latest


def link_waiting_for_choice(*, integration: Integration) -> LinkRequest | None:
    """The authorized link whose accounts the user has yet to pick (None when none or expired)."""
    return (
        LinkRequest.objects.filter(integration=integration, status=LinkStatus.AUTHORIZED, expires_at__gt=timezone.now())
        .order_by("-created_at", "-id")
        .first()
    )


def integration_menu_accounts(*, project_id: int) -> list[dict[str, Any]]:
    """The project's connected accounts for the dashboard's left menu, grouped by platform in menu order.

    Each: ``{"source", "platform_label", "account_id", "name", "currency", "time_zone", "status",
    "last_synced_at", "integration_id"}``. ``source`` and ``account_id`` are the warehouse's keys of the
    account's rows (``ad_spend_daily`` / ``social_daily``), so a menu entry filters reports directly.
    """
    rows = (
        Integration.objects.filter(project_id=project_id)
        .exclude(account_id="")
        .order_by("platform", "account_name", "account_id")
    )
    return [
        {
            "source": integration.platform,
            "platform_label": connector_label(integration.platform),
            "account_id": integration.account_id,
            "name": integration.account_name or integration.account_id,
            "currency": integration.account_currency or None,
            "time_zone": integration.account_time_zone,
            "status": integration.status,
            "last_synced_at": integration.last_synced_at.isoformat() if integration.last_synced_at else None,
            "integration_id": integration.id,
        }
        for integration in rows
    ]


def project_of_link(*, state: str) -> int | None:
    """The project an OAuth state belongs to (to send a failed callback back to the right page)."""
    link = (
        LinkRequest.objects.filter(state_hash=hashlib.sha256(state.encode()).hexdigest())
        .select_related("integration")
        .first()
    )
    return link.integration.project_id if link is not None else None


def connected_account_ids(*, project_id: int, platform: str, exclude_id: int | None = None) -> set[str]:
    """Accounts of ``platform`` already connected in the project."""
    rows = Integration.objects.filter(project_id=project_id, platform=platform).exclude(account_id="")
    if exclude_id is not None:
        rows = rows.exclude(id=exclude_id)
    return set(rows.values_list("account_id", flat=True))
