"""The shop's Django admin lists the outbox and sends failed messages again."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from analyticaflow import outbox
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/analyticaflow_outbox/outboxmessage/"


def test_failed_messages_are_listed_and_queued_again(admin_client):
    kept = outbox.track(user_id="u1", event="Signed Up")
    failed = outbox.track(user_id="u2", event="Reserved")
    OutboxMessage.objects.filter(message_id=failed).update(status=OutboxStatus.FAILED,
                                                           last_error='{"event": ["is reserved"]}')
    page = admin_client.get(CHANGELIST, {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert failed in html and kept not in html and "is reserved" in html

    row = OutboxMessage.objects.get(message_id=failed)
    response = admin_client.post(CHANGELIST, {"action": "requeue", ACTION_CHECKBOX_NAME: [row.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 failed message(s) queued again." in response.content.decode()
    assert OutboxMessage.objects.get(message_id=failed).status == OutboxStatus.PENDING


def test_rows_are_read_only(admin_client):
    mid = outbox.track(user_id="u1", event="Signed Up")
    row = OutboxMessage.objects.get(message_id=mid)
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403
    detail = admin_client.get(f"{CHANGELIST}{row.pk}/change/")
    assert detail.status_code == 200 and mid in detail.content.decode()
    admin_client.post(f"{CHANGELIST}{row.pk}/change/", {"status": "sent"})
    assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.PENDING
