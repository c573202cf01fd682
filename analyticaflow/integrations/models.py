"""Linked platform accounts: the integration, its encrypted credentials, pending OAuth links and sync history.

Nothing secret is stored in clear: ``Credential.ciphertext`` and ``LinkRequest.ciphertext`` are AES-256-GCM
tokens (``analyticaflow.connectors.crypto``) bound to their row; OAuth ``state`` values are stored as hashes.
Reprs and ``__str__`` never include them.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q

from analyticaflow.accounts.models import Project


class IntegrationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SYNCING = "syncing", "Syncing"
    OK = "ok", "OK"
    ERROR = "error", "Error"
    REAUTH_REQUIRED = "reauth_required", "Reconnect needed"


class Integration(models.Model):
    """One platform account of a project, synced every day at ``sync_hour`` (project time zone)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="integrations")
    platform = models.CharField(max_length=32)
    status = models.CharField(max_length=20, choices=IntegrationStatus.choices, default=IntegrationStatus.PENDING)
    error_message = models.TextField(blank=True, default="")
    settings = models.JSONField(default=dict, blank=True)  # validated by the platform's connector
    # The external account, as the platform describes it ('' until the link picks one).
    account_id = models.CharField(max_length=64, blank=True, default="")
    account_name = models.CharField(max_length=200, blank=True, default="")
    account_currency = models.CharField(max_length=3, blank=True, default="")
    account_time_zone = models.CharField(max_length=64, blank=True, default="")
    account_details = models.JSONField(default=dict, blank=True)  # e.g. manager id, product; never secret
    sync_hour = models.PositiveSmallIntegerField(default=6)
    next_sync_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # Backfill: the planned chunks (newest first), how many are loaded (the resumable cursor), rows so far.
    backfill_windows = models.JSONField(default=list, blank=True)
    backfill_cursor = models.PositiveIntegerField(default=0)
    backfill_rows = models.BigIntegerField(default=0)
    backfill_chunk = models.CharField(max_length=40, blank=True, default="")
    backfill_started_at = models.DateTimeField(null=True, blank=True)
    backfill_finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project_id", "platform", "account_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "platform", "account_id"],
                condition=~Q(account_id=""),
                name="one_integration_per_account",
            ),
            models.CheckConstraint(condition=Q(sync_hour__lte=23), name="sync_hour_of_day"),
        ]

    def __str__(self) -> str:
        account = self.account_name or self.account_id or "no account yet"
        return f"{self.platform}: {account}"

    def __repr__(self) -> str:
        return f"<Integration {self.pk} {self.platform} account={self.account_id or '-'} status={self.status}>"

    @property
    def backfill_percent(self) -> int:
        total = len(self.backfill_windows)
        if not total:
            return 100 if self.backfill_finished_at else 0
        return min(100, round(100 * self.backfill_cursor / total))

    @property
    def backfill_done(self) -> bool:
        return self.backfill_finished_at is not None


class Credential(models.Model):
    """An integration's grant (tokens), encrypted; deleted when the integration is disconnected."""

    integration = models.OneToOneField(
        Integration, on_delete=models.CASCADE, primary_key=True, related_name="credential"
    )
    ciphertext = models.TextField()
    key_id = models.CharField(max_length=16)  # which credentials key encrypted it (rotation)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"credentials of integration {self.integration_id} (key {self.key_id})"

    def __repr__(self) -> str:
        return f"<Credential integration={self.integration_id} key_id={self.key_id}>"


class LinkStatus(models.TextChoices):
    STARTED = "started", "Waiting for the platform"
    AUTHORIZED = "authorized", "Choose accounts"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class LinkRequest(models.Model):
    """One OAuth authorization in flight, bound to the user (and browser session) that started it."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="link_requests")
    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state_hash = models.CharField(max_length=64, unique=True)  # SHA-256 of the OAuth state / request token
    session_hash = models.CharField(max_length=64, blank=True, default="")  # SHA-256 of the starting session
    redirect_uri = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=LinkStatus.choices, default=LinkStatus.STARTED)
    # Encrypted: the PKCE verifier / OAuth 1.0a request-token secret, then the credentials the callback got.
    ciphertext = models.TextField(blank=True, default="")
    accounts = models.JSONField(default=list, blank=True)  # what the grant can read (after the callback)
    error_message = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"link {self.pk} of integration {self.integration_id} ({self.status})"

    def __repr__(self) -> str:
        return f"<LinkRequest {self.pk} integration={self.integration_id} status={self.status}>"


class SyncKind(models.TextChoices):
    BACKFILL = "backfill", "Backfill"
    DAILY = "daily", "Daily"
    MANUAL = "manual", "Manual"


class SyncRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "OK"
    RETRYING = "retrying", "Will retry"
    ERROR = "error", "Error"
    REAUTH_REQUIRED = "reauth_required", "Reconnect needed"


class SyncRun(models.Model):
    """One run of a sync job: what it pulled, how long it took and how it ended."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(max_length=16, choices=SyncKind.choices)
    status = models.CharField(max_length=20, choices=SyncRunStatus.choices, default=SyncRunStatus.RUNNING)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    chunks = models.PositiveIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    error_message = models.TextField(blank=True, default="")
    raw_refs = models.JSONField(default=list, blank=True)  # where the raw API pages of this run are kept
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["integration", "-started_at"], name="syncrun_history")]

    def __str__(self) -> str:
        return f"{self.kind} sync of integration {self.integration_id} ({self.status})"

    def __repr__(self) -> str:
        return f"<SyncRun {self.pk} integration={self.integration_id} {self.kind} {self.status} rows={self.rows}>"

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return round((self.finished_at - self.started_at).total_seconds(), 3)
