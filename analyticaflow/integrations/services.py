"""Writes on integrations: create and link, pick accounts, reconnect, disconnect, schedule and request syncs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analyticaflow.accounts.models import Project
from analyticaflow.connectors.base import Account
from analyticaflow.errors import Conflict, InvalidInput
from analyticaflow.integrations import linking
from analyticaflow.integrations.models import Integration, IntegrationStatus, LinkRequest, SyncKind
from analyticaflow.integrations.platforms import ACCOUNT_SETTINGS, connector_for
from analyticaflow.integrations.schedule import next_sync_at
from analyticaflow.integrations.selectors import link_waiting_for_choice
from analyticaflow.integrations.syncing import credential_load, credential_store
from analyticaflow.jobs.models import Job
from analyticaflow.jobs.services import job_enqueue

SYNC_JOB = "integrations.sync"


def validate_settings(*, platform: str, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The platform's cleaned settings; ``InvalidInput`` naming each bad field as ``settings.<name>``."""
    connector = connector_for(platform)
    if raw is not None and not isinstance(raw, Mapping):
        raise InvalidInput("settings must be an object.", fields={"settings": ["Expected an object."]})
    try:
        return connector.validate_settings(raw)
    except InvalidInput as exc:
        raise InvalidInput(
            exc.message, fields={f"settings.{name}": reasons for name, reasons in exc.fields.items()}
        ) from None


def validate_sync_hour(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise InvalidInput(
            "sync_hour must be an hour of the day.",
            fields={"sync_hour": ["Expected a whole number from 0 to 23 (project time zone)."]},
        )
    return value


def _sync_key(integration_id: int) -> str:
    return f"integration-sync:{integration_id}"


def integration_sync_enqueue(*, integration: Integration, kind: str) -> Job:
    """Queue a sync of the integration (one at a time per integration: an active one is returned instead)."""
    return job_enqueue(
        name=SYNC_JOB, kwargs={"integration_id": integration.id, "kind": kind}, dedupe_key=_sync_key(integration.id)
    )


@transaction.atomic
def integration_create(
    *,
    project: Project,
    user,
    platform: str,
    settings_data: Mapping[str, Any] | None,
    sync_hour: int | None,
    redirect_uri: str,
    session_key: str | None,
) -> tuple[Integration, str]:
    """A pending integration and the provider URL that completes its link."""
    cleaned = validate_settings(platform=platform, raw=settings_data)
    hour = settings.ANALYTICAFLOW_DEFAULT_SYNC_HOUR if sync_hour is None else validate_sync_hour(sync_hour)
    integration = Integration.objects.create(
        project=project, platform=platform, settings=cleaned, sync_hour=hour, created_by=user
    )
    _, authorize_url = linking.link_start(
        integration=integration, user=user, session_key=session_key, redirect_uri=redirect_uri
    )
    return integration, authorize_url


@transaction.atomic
def integration_reconnect(*, integration: Integration, user, redirect_uri: str, session_key: str | None) -> str:
    """A new authorization for an existing integration (expired or revoked grant); the provider URL."""
    _, authorize_url = linking.link_start(
        integration=integration, user=user, session_key=session_key, redirect_uri=redirect_uri
    )
    return authorize_url


def _named_account(integration: Integration, accounts: list[Account]) -> Account | None:
    """The account the integration's settings name, if they name one (it must be visible to the grant)."""
    wanted = integration.settings.get(ACCOUNT_SETTINGS.get(integration.platform, ""), "")
    if integration.account_id:
        wanted = integration.account_id  # a reconnect keeps its account
    if not wanted:
        return None
    found = next((account for account in accounts if account.account_id == str(wanted)), None)
    if found is None:
        visible = ", ".join(f"{a.account_id} ({a.name})" for a in accounts) or "none"
        raise InvalidInput(
            f"Account {wanted} is not visible to this login (visible: {visible}).",
            fields={"account_ids": [f"{wanted} is not visible to this login."]},
        )
    return found


def integration_link_complete(*, params: Mapping[str, str], user, session_key: str | None) -> tuple[Integration, bool]:
    """The OAuth callback: exchange, list accounts; when the account is already known (settings or reconnect)
    the integration is ready and syncing. Returns the integration and whether accounts remain to be picked."""
    link = linking.link_callback(params=params, user=user, session_key=session_key)
    integration = link.integration
    accounts = linking.link_accounts(link)
    try:
        account = _named_account(integration, accounts)
    except InvalidInput as exc:
        linking.link_fail(link, exc.message)
        raise
    if account is None:
        return integration, True
    _attach(link, [account], sync_hour=integration.sync_hour)
    return integration, False


@transaction.atomic
def integration_accounts_choose(
    *, integration: Integration, account_ids: list[str], sync_hour: int | None = None
) -> list[Integration]:
    """Attach the picked accounts: the integration takes the first, each other gets an integration of its own."""
    link = link_waiting_for_choice(integration=integration)
    if link is None:
        raise Conflict("No authorization is waiting for an account choice: connect the platform first.")
    if not account_ids or not isinstance(account_ids, list):
        raise InvalidInput("Pick at least one account.", fields={"account_ids": ["Pick at least one account."]})
    visible = {account.account_id: account for account in linking.link_accounts(link)}
    unknown = [str(account_id) for account_id in account_ids if str(account_id) not in visible]
    if unknown:
        raise InvalidInput(
            "Some accounts are not visible to this login.",
            fields={"account_ids": [f"{', '.join(unknown)} not visible to this login."]},
        )
    hour = integration.sync_hour if sync_hour is None else validate_sync_hour(sync_hour)
    picked = [visible[str(account_id)] for account_id in dict.fromkeys(account_ids)]
    return _attach(link, picked, sync_hour=hour)


def _attach(link: LinkRequest, accounts: list[Account], *, sync_hour: int) -> list[Integration]:
    integration = link.integration
    taken = set(
        Integration.objects.filter(project_id=integration.project_id, platform=integration.platform)
        .exclude(id=integration.id)
        .exclude(account_id="")
        .values_list("account_id", flat=True)
    )
    clash = [account.account_id for account in accounts if account.account_id in taken]
    if clash:
        raise InvalidInput(
            "Some accounts are already connected in this project.",
            fields={"account_ids": [f"{', '.join(clash)} already connected."]},
        )
    credentials = linking.link_credentials(link)
    extra_settings = {
        name: value
        for name, value in integration.settings.items()
        if name != ACCOUNT_SETTINGS.get(integration.platform)
    }
    attached = []
    with transaction.atomic():
        for index, account in enumerate(accounts):
            target = (
                integration
                if index == 0
                else Integration(
                    project_id=integration.project_id,
                    platform=integration.platform,
                    settings=extra_settings,
                    created_by_id=integration.created_by_id,
                )
            )
            relinked = target.pk is not None and target.account_id == account.account_id
            target.account_id, target.account_name = account.account_id, account.name
            target.account_currency = account.currency or ""
            target.account_time_zone = account.time_zone
            target.account_details = dict(account.details)
            target.sync_hour = sync_hour
            target.status, target.error_message = IntegrationStatus.PENDING, ""
            target.next_sync_at = next_sync_at(
                now=timezone.now(), sync_hour=sync_hour, time_zone=integration.project.timezone
            )
            target.save()
            credential_store(integration_id=target.id, credentials=credentials)
            kind = SyncKind.MANUAL if relinked and target.backfill_done else SyncKind.BACKFILL
            integration_sync_enqueue(integration=target, kind=kind)
            attached.append(target)
        linking.link_complete(link)
    return attached


def integration_schedule_update(
    *, integration: Integration, sync_hour: int | None = None, settings_data: Mapping[str, Any] | None = None
) -> Integration:
    """Change the daily sync hour (project time zone) and/or the platform settings."""
    fields = ["updated_at"]
    if sync_hour is not None:
        integration.sync_hour = validate_sync_hour(sync_hour)
        integration.next_sync_at = next_sync_at(
            now=timezone.now(), sync_hour=integration.sync_hour, time_zone=integration.project.timezone
        )
        fields += ["sync_hour", "next_sync_at"]
    if settings_data is not None:
        cleaned = validate_settings(platform=integration.platform, raw=settings_data)
        account_setting = ACCOUNT_SETTINGS.get(integration.platform)
        if integration.account_id and cleaned.get(account_setting) not in (None, integration.account_id):
            raise InvalidInput(
                "The account of a connected integration cannot change; connect the other account.",
                fields={f"settings.{account_setting}": ["Cannot change once connected."]},
            )
        integration.settings = cleaned
        fields.append("settings")
    integration.save(update_fields=fields)
    return integration


def integration_sync_request(*, integration: Integration) -> Job:
    """ "Sync now": re-pull the restatement window (or continue the backfill) as soon as a runner is free."""
    if not integration.account_id:
        raise Conflict("This integration is not linked to an account yet: finish connecting it first.")
    if (
        integration.status == IntegrationStatus.REAUTH_REQUIRED
        or credential_load(integration_id=integration.id) is None
    ):
        raise Conflict("The platform no longer accepts this connection: reconnect the account first.")
    return integration_sync_enqueue(integration=integration, kind=SyncKind.MANUAL)


@transaction.atomic
def integration_disconnect(*, integration: Integration) -> None:
    """Delete the integration, its encrypted credentials, pending links and history (warehouse rows stay)."""
    integration.delete()


def links_delete_expired(*, now: datetime) -> int:
    """Forget OAuth links a day after they expired (an unfinished one with what it holds encrypted), and
    integrations whose connection was started but never finished, once none of their links can still finish."""
    cutoff = now - timedelta(days=1)
    deleted, _ = LinkRequest.objects.filter(expires_at__lt=cutoff).delete()
    abandoned = (Integration.objects.filter(account_id="", created_at__lt=cutoff)
                 .exclude(link_requests__expires_at__gte=cutoff))
    Integration.objects.filter(id__in=list(abandoned.values_list("id", flat=True))).delete()
    return deleted


def integrations_enqueue_due(*, now: datetime) -> int:
    """Queue the daily sync of every linked integration whose hour has come; move each to its next day."""
    due = (
        Integration.objects.filter(next_sync_at__lte=now)
        .exclude(account_id="")
        .exclude(status=IntegrationStatus.REAUTH_REQUIRED)
        .select_related("project")
    )
    count = 0
    for integration in due:
        with transaction.atomic():
            integration_sync_enqueue(integration=integration, kind=SyncKind.DAILY)
            integration.next_sync_at = next_sync_at(
                now=now, sync_hour=integration.sync_hour, time_zone=integration.project.timezone
            )
            integration.save(update_fields=["next_sync_at"])
        count += 1
    return count
