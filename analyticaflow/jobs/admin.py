"""Admin site: the job queue, read-only."""

from django.contrib import admin

from analyticaflow.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "status", "attempts", "max_attempts", "run_after", "runner", "finished_at"]
    list_filter = ["status", "name"]
    search_fields = ["name", "dedupe_key"]
    readonly_fields = [
        "name",
        "kwargs",
        "status",
        "dedupe_key",
        "run_after",
        "attempts",
        "max_attempts",
        "runner",
        "lease_expires_at",
        "dispatched_at",
        "last_error",
        "created_at",
        "started_at",
        "finished_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False
