"""Admin site: integrations and their sync history, read-mostly. Credentials show only which key sealed them."""

from django.contrib import admin

from analyticaflow.integrations.models import Credential, Integration, LinkRequest, SyncRun


class SyncRunInline(admin.TabularInline):
    model = SyncRun
    extra = 0
    can_delete = False
    fields = ["kind", "status", "started_at", "finished_at", "date_from", "date_to", "chunks", "rows", "error_message"]
    readonly_fields = fields
    ordering = ["-started_at"]
    max_num = 0


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["id", "project", "platform", "account_name", "account_id", "status", "last_synced_at"]
    list_filter = ["platform", "status"]
    search_fields = ["account_name", "account_id", "project__name"]
    readonly_fields = [
        "project",
        "platform",
        "account_id",
        "account_name",
        "account_currency",
        "account_time_zone",
        "account_details",
        "status",
        "error_message",
        "last_synced_at",
        "next_sync_at",
        "backfill_cursor",
        "backfill_rows",
        "backfill_chunk",
        "backfill_started_at",
        "backfill_finished_at",
        "created_by",
        "created_at",
        "updated_at",
    ]
    exclude = ["backfill_windows"]
    inlines = [SyncRunInline]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["integration", "key_id", "updated_at"]
    fields = ["integration", "key_id", "updated_at"]  # never the ciphertext
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LinkRequest)
class LinkRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "integration", "user", "status", "created_at", "expires_at"]
    fields = ["integration", "user", "status", "redirect_uri", "accounts", "error_message", "created_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["id", "integration", "kind", "status", "started_at", "finished_at", "rows"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "integration",
        "kind",
        "status",
        "date_from",
        "date_to",
        "chunks",
        "rows",
        "error_message",
        "raw_refs",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
