from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from analyticaflow.outbox import services
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "message_id", "status", "created_at", "attempts", "next_attempt_at", "sent_at",
                    "last_error")
    list_filter = ("status",)
    search_fields = ("message_id",)
    ordering = ("-id",)
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    actions = ("requeue",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutboxMessage | None = None) -> bool:
        return False

    @admin.action(description="Send the selected failed messages again")
    def requeue(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        ids = list(queryset.filter(status=OutboxStatus.FAILED).values_list("id", flat=True))
        count = services.outbox_requeue_failed(ids=ids)
        self.message_user(request, f"{count} failed message(s) queued again.", messages.SUCCESS)
