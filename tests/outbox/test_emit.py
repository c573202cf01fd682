"""emit() belongs to the shop's transaction: rolled back with it, committed with it, never on the network."""

from __future__ import annotations

import pytest
from django.db import transaction

from analyticaflow import outbox
from analyticaflow.outbox import wakeup
from analyticaflow.outbox.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.django_db


class ShopError(Exception):
    pass


def test_a_rolled_back_transaction_leaves_no_message():
    with pytest.raises(ShopError), transaction.atomic():
        outbox.track(user_id="u1", event="Order Completed", properties={"order_id": "A-1"})
        raise ShopError("payment declined")
    assert OutboxMessage.objects.count() == 0


def test_a_committed_transaction_keeps_its_messages_in_order():
    with transaction.atomic():
        first = outbox.identify(user_id="u1", traits={"email": "ann@shop.test"})
        second = outbox.track(user_id="u1", event="Order Completed", properties={"revenue": 30})
    rows = list(OutboxMessage.objects.order_by("id"))
    assert [row.message_id for row in rows] == [first, second]
    assert [row.message["type"] for row in rows] == ["identify", "track"]
    assert rows[1].message["properties"] == {"revenue": 30}
    assert all(row.status == OutboxStatus.PENDING and row.attempts == 0 and row.sent_at is None for row in rows)
    assert all(row.message["messageId"] == row.message_id for row in rows)


def test_only_the_rolled_back_savepoint_loses_its_message():
    with transaction.atomic():
        kept = outbox.track(user_id="u1", event="Cart Viewed")
        with pytest.raises(ShopError), transaction.atomic():
            outbox.track(user_id="u1", event="Coupon Applied")
            raise ShopError
    assert list(OutboxMessage.objects.values_list("message_id", flat=True)) == [kept]


def test_an_invalid_message_raises_before_anything_is_written():
    with pytest.raises(ValueError, match="'event' is required"):
        outbox.emit({"type": "track", "userId": "u1"})
    with pytest.raises(outbox.InvalidMessage, match="'userId' or 'anonymousId' is required"):
        outbox.track(event="Signed Up")
    assert OutboxMessage.objects.count() == 0


@pytest.mark.parametrize(("helper", "kwargs", "expected"), [
    (outbox.track, {"user_id": 7, "event": "Signed Up", "properties": {"plan": "pro"}},
     {"type": "track", "userId": "7", "event": "Signed Up", "properties": {"plan": "pro"}}),
    (outbox.identify, {"anonymous_id": "a-1", "traits": {"email": "x@shop.test"}},
     {"type": "identify", "anonymousId": "a-1", "traits": {"email": "x@shop.test"}}),
    (outbox.page, {"anonymous_id": "a-1", "name": "Home", "properties": {"path": "/"},
                   "context": {"campaign": {"source": "google", "medium": "cpc"}}},
     {"type": "page", "anonymousId": "a-1", "name": "Home", "properties": {"path": "/"}}),
    (outbox.screen, {"user_id": "u1", "name": "Cart"}, {"type": "screen", "userId": "u1", "name": "Cart"}),
    (outbox.group, {"user_id": "u1", "group_id": "acme", "traits": {"seats": 5}},
     {"type": "group", "userId": "u1", "groupId": "acme", "traits": {"seats": 5}}),
    (outbox.alias, {"user_id": "u1", "previous_id": "a-1"}, {"type": "alias", "userId": "u1", "previousId": "a-1"}),
])
def test_typed_helpers_write_segment_messages(helper, kwargs, expected):
    message_id = helper(**kwargs, timestamp="2025-02-03T04:05:06Z")
    row = OutboxMessage.objects.get()
    assert {key: row.message.get(key) for key in expected} == expected
    assert row.message["messageId"] == message_id
    assert row.message["timestamp"] == "2025-02-03T04:05:06.000Z"
    assert set(row.message) == {*expected, "messageId", "timestamp", "context"}


def test_a_message_id_given_by_the_shop_is_kept():
    assert outbox.track(user_id="u1", event="Order Completed", message_id="order-A-1") == "order-A-1"
    assert OutboxMessage.objects.get().message["messageId"] == "order-A-1"


def test_the_relay_is_woken_only_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    rings = []
    monkeypatch.setattr(wakeup, "_listeners", [lambda: rings.append("rang")])
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        outbox.track(user_id="u1", event="X")
        assert rings == []
    assert len(callbacks) == 1 and rings == ["rang"]
    with pytest.raises(ShopError), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox.track(user_id="u1", event="Y")
        raise ShopError
    assert rings == ["rang"]

