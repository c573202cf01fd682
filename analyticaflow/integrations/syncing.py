"""The sync job's work: backfill the history in chunks (resumable), then re-pull the restatement window.

Progress is committed after every chunk (cursor, rows, current chunk), and each chunk is loaded as a window
replace, so a crash at any point resumes at the first unfinished chunk without duplicating a row.

Outcomes, decided by the error's type (the connector library's one classification):
- ``ReauthRequired`` (revoked or unrefreshable grant) → ``reauth_required``; the user must reconnect;
- transient (``TransientError``, warehouse busy) → the job is retried with backoff; after the last attempt
  → ``error``;
- anything else (``MalformedResponse``, ``PermanentError``, rows the warehouse refuses...) → ``error`` with a
  readable message. The sync never reports success over a gap.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analyticaflow.connectors.base import Account, Connector, Session
from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.errors import AuthError, CredentialsUnreadable
from analyticaflow.errors import AppError
from analyticaflow.integrations import vault
from analyticaflow.integrations.loading import keep_raw, load_fetch
from analyticaflow.integrations.models import (
    Credential,
    Integration,
    IntegrationStatus,
    SyncKind,
    SyncRun,
    SyncRunStatus,
)
from analyticaflow.integrations.platforms import connector_for
from analyticaflow.jobs.registry import JobContext, is_transient

logger = logging.getLogger(__name__)


def integration_account(integration: Integration) -> Account:
    return Account(
        platform=integration.platform,
        account_id=integration.account_id,
        name=integration.account_name,
        currency=integration.account_currency or None,
        time_zone=integration.account_time_zone or "UTC",
        details=dict(integration.account_details),
    )


class IntegrationGone(AppError):
    """The integration was disconnected while its sync ran: the sync stops without a trace."""

    code = "integration_gone"
    default_message = "The integration was disconnected during the sync."


def credential_store(*, integration_id: int, credentials: Credentials) -> None:
    """Encrypt and save an integration's grant (new, or refreshed by the HTTP layer mid-sync)."""
    if not Integration.objects.filter(id=integration_id).exists():
        raise IntegrationGone()
    ciphertext, key_id = vault.seal_credentials(credentials, context=vault.integration_context(integration_id))
    Credential.objects.update_or_create(
        integration_id=integration_id, defaults={"ciphertext": ciphertext, "key_id": key_id}
    )


def credential_load(*, integration_id: int) -> Credentials | None:
    stored = Credential.objects.filter(integration_id=integration_id).first()
    if stored is None:
        return None
    return vault.open_credentials(stored.ciphertext, context=vault.integration_context(integration_id))


def _save(row: Integration | SyncRun, *fields: str) -> None:
    """Write some fields of a row that a disconnect may have deleted meanwhile (then: ``IntegrationGone``)."""
    values = {name: getattr(row, name) for name in fields}
    if isinstance(row, Integration):
        values["updated_at"] = row.updated_at = timezone.now()
    if not type(row).objects.filter(pk=row.pk).update(**values):
        raise IntegrationGone()


class SyncWork:
    """One sync run of one integration."""

    def __init__(self, *, integration: Integration, connector: Connector, run: SyncRun, job: JobContext) -> None:
        self.integration = integration
        self.connector = connector
        self.run = run
        self.job = job
        self.account = integration_account(integration)

    def now(self) -> datetime:
        return self.connector.options.clock.now()

    def pull(self, session: Session, first: date, last: date) -> int:
        """Fetch and load one window; counts it on the run."""
        result = session.fetch(account=self.account, date_from=first, date_to=last)
        loaded = load_fetch(
            result,
            project_id=self.integration.project_id,
            platform=self.integration.platform,
            date_from=first,
            date_to=last,
        )
        reference = keep_raw(result, platform=self.integration.platform)
        run = self.run
        run.chunks += 1
        run.rows += loaded
        run.date_from = min(run.date_from or first, first)
        run.date_to = max(run.date_to or last, last)
        if reference:
            run.raw_refs = [*run.raw_refs, reference]
        _save(run, "chunks", "rows", "date_from", "date_to", "raw_refs")
        self.job.extend_lease()
        return loaded

    def backfill(self, session: Session) -> None:
        integration = self.integration
        if not integration.backfill_windows:
            windows = self.connector.backfill_windows(
                now=self.now(), account=self.account, days=settings.ANALYTICAFLOW_BACKFILL_DAYS
            )
            integration.backfill_windows = [[first.isoformat(), last.isoformat()] for first, last in windows]
            integration.backfill_cursor, integration.backfill_rows = 0, 0
            integration.backfill_started_at = timezone.now()
            _save(integration, "backfill_windows", "backfill_cursor", "backfill_rows", "backfill_started_at")
        windows = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in integration.backfill_windows]
        for index in range(integration.backfill_cursor, len(windows)):
            first, last = windows[index]
            integration.backfill_chunk = f"{first.isoformat()}..{last.isoformat()}"
            _save(integration, "backfill_chunk")
            loaded = self.pull(session, first, last)
            with transaction.atomic():
                integration.backfill_cursor = index + 1
                integration.backfill_rows += loaded
                _save(integration, "backfill_cursor", "backfill_rows")
        integration.backfill_chunk = ""
        integration.backfill_finished_at = timezone.now()
        _save(integration, "backfill_chunk", "backfill_finished_at")

    def restate(self, session: Session) -> None:
        first, last = self.connector.restatement_range(now=self.now(), account=self.account)
        self.pull(session, first, last)

    def execute(self) -> None:
        credentials = credential_load(integration_id=self.integration.id)
        if credentials is None:
            raise CredentialsUnreadable("The integration has no stored credentials; reconnect it.")
        integration_id = self.integration.id
        session = self.connector.open(
            credentials=credentials,
            settings=self.integration.settings,
            on_credentials_change=lambda fresh: credential_store(integration_id=integration_id, credentials=fresh),
        )
        with session:
            if not self.integration.backfill_done:
                self.backfill(session)
            if self.run.kind != SyncKind.BACKFILL:
                self.restate(session)


def _finish(
    integration: Integration, run: SyncRun, *, status: str, run_status: str, message: str = "", synced: bool = False
) -> None:
    with contextlib.suppress(IntegrationGone):  # disconnected meanwhile: nothing left to report on
        _record_end(integration, run, status=status, run_status=run_status, message=message, synced=synced)


def _record_end(integration: Integration, run: SyncRun, *, status: str, run_status: str, message: str,
                synced: bool) -> None:
    now = timezone.now()
    integration.status, integration.error_message = status, message
    fields = ["status", "error_message"]
    if synced:
        integration.last_synced_at = now
        fields.append("last_synced_at")
    _save(integration, *fields)
    run.status, run.error_message, run.finished_at = run_status, message, now
    _save(run, "status", "error_message", "finished_at")


def integration_sync(*, integration_id: int, kind: str, job: JobContext) -> str | None:
    """Run one sync of an integration (the job function). Returns the final status, None when nothing to do."""
    integration = Integration.objects.filter(id=integration_id).select_related("project").first()
    if integration is None or not integration.account_id:
        return None  # disconnected (or never linked) since the job was queued
    if integration.status == IntegrationStatus.REAUTH_REQUIRED:
        return None  # waits for the user to reconnect; a reconnect queues a new sync
    # A run still "running" was cut short by a crash or restart: this run resumes its work.
    SyncRun.objects.filter(integration=integration, status=SyncRunStatus.RUNNING).update(
        status=SyncRunStatus.ERROR, finished_at=timezone.now(),
        error_message="Interrupted (the process running it stopped); the next run resumed where it left off.")
    run = SyncRun.objects.create(integration=integration, kind=kind, started_at=timezone.now())
    integration.status = IntegrationStatus.SYNCING
    _save(integration, "status")
    try:
        connector = connector_for(integration.platform)
        SyncWork(integration=integration, connector=connector, run=run, job=job).execute()
    except IntegrationGone:
        return None
    except AuthError as exc:
        _finish(
            integration,
            run,
            status=IntegrationStatus.REAUTH_REQUIRED,
            run_status=SyncRunStatus.REAUTH_REQUIRED,
            message=f"{exc.message} Reconnect the account to resume syncing.",
        )
        raise
    except Exception as exc:
        message = exc.message if isinstance(exc, AppError) else f"Internal error ({type(exc).__name__}): {exc}"
        if is_transient(exc) and not job.final_attempt:
            _finish(
                integration,
                run,
                status=IntegrationStatus.SYNCING,
                run_status=SyncRunStatus.RETRYING,
                message=f"Temporary problem (attempt {job.attempt} of {job.max_attempts}), retrying: {message}",
            )
        else:
            _finish(integration, run, status=IntegrationStatus.ERROR, run_status=SyncRunStatus.ERROR, message=message)
        raise
    _finish(integration, run, status=IntegrationStatus.OK, run_status=SyncRunStatus.OK, synced=True)
    return IntegrationStatus.OK
