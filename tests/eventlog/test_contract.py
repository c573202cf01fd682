"""The EventLog contract, run against every backend (SQLite file and a real redis-server)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from analyticaflow.eventlog.contracts import AppendResult
from tests.eventlog.conftest import MOMENT, record


def message_ids(events) -> list[str]:
    return [stored.record.message_id for stored in events]


def test_an_empty_log_has_last_seq_zero_and_reads_nothing(event_log):
    assert event_log.last_seq() == 0
    assert event_log.read(after_seq=0, limit=10) == []


def test_appended_events_read_back_in_append_order_with_strictly_increasing_seq(event_log):
    assert event_log.append([record("m1"), record("m2")]) == AppendResult(stored=2, duplicates=0)
    assert event_log.append([record("m3")]) == AppendResult(stored=1, duplicates=0)

    events = event_log.read(after_seq=0, limit=10)

    assert message_ids(events) == ["m1", "m2", "m3"]
    seqs = [stored.seq for stored in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3 and seqs[0] >= 1
    assert event_log.last_seq() == seqs[-1]


def test_every_field_comes_back_as_appended(event_log):
    sent = record(
        "m-full",
        project_id=7,
        type="page",
        name="Pricing",
        anonymous_id="anon-9",
        user_id="user-3",
        timestamp=datetime(2023, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        received_at=datetime(2024, 1, 1, 0, 0, 1, 5, tzinfo=UTC),
    )
    event_log.append([sent])

    (stored,) = event_log.read(after_seq=0, limit=1)

    assert stored.record == sent


@pytest.mark.parametrize(
    ("name", "anonymous_id", "user_id"),
    [
        (None, None, "user-1"),  # identify: no name, no anonymous id
        (None, "anon-1", None),
        ("", "", "+starts-with-plus"),  # empty strings stay empty strings, not None
        ("-", "-", "-"),
    ],
)
def test_optional_fields_keep_none_and_empty_strings_apart(event_log, name, anonymous_id, user_id):
    sent = record("m-opt", type="identify", name=name, anonymous_id=anonymous_id, user_id=user_id)
    event_log.append([sent])

    (stored,) = event_log.read(after_seq=0, limit=1)

    assert (stored.record.name, stored.record.anonymous_id, stored.record.user_id) == (name, anonymous_id, user_id)


def test_a_timestamp_with_an_offset_comes_back_as_the_same_instant_in_utc(event_log):
    local = datetime(2024, 3, 10, 15, 0, tzinfo=timezone(timedelta(hours=3)))
    event_log.append([record("m-tz", timestamp=local)])

    (stored,) = event_log.read(after_seq=0, limit=1)

    assert stored.record.timestamp == datetime(2024, 3, 10, 12, 0, tzinfo=UTC)
    assert stored.record.timestamp.utcoffset() == timedelta(0)


def test_payload_bytes_are_kept_exactly_including_unicode_and_odd_spacing(event_log):
    payload = '{ "event" : "Заказ оформлен 🛒",  "properties": {"price": 1.10, "note": "a\\u0000b"} }'.encode()
    event_log.append([record("m-bytes", name="Заказ оформлен 🛒", anonymous_id="匿名-1", payload=payload)])

    (stored,) = event_log.read(after_seq=0, limit=1)

    assert stored.record.payload == payload
    assert stored.record.name == "Заказ оформлен 🛒"
    assert stored.record.anonymous_id == "匿名-1"


def test_unicode_message_ids_dedupe_and_read_back(event_log):
    assert event_log.append([record("id-é-🛒"), record("id-é-🛒")]) == AppendResult(stored=1, duplicates=1)
    assert message_ids(event_log.read(after_seq=0, limit=5)) == ["id-é-🛒"]


@pytest.mark.parametrize(
    ("calls", "expected_results", "expected_stored"),
    [
        # a repeat inside one call
        ([["a", "b", "a"]], [AppendResult(2, 1)], ["a", "b"]),
        # a repeat in a later call (a producer retry)
        ([["a", "b"], ["b", "c"]], [AppendResult(2, 0), AppendResult(1, 1)], ["a", "b", "c"]),
        # a call made only of repeats
        ([["a"], ["a", "a"]], [AppendResult(1, 0), AppendResult(0, 2)], ["a"]),
    ],
)
def test_duplicates_by_message_id_are_counted_not_stored(event_log, calls, expected_results, expected_stored):
    results = [event_log.append([record(message_id) for message_id in call]) for call in calls]

    assert results == expected_results
    assert message_ids(event_log.read(after_seq=0, limit=10)) == expected_stored


def test_the_same_message_id_in_two_projects_is_stored_twice(event_log):
    result = event_log.append([record("shared", project_id=1), record("shared", project_id=2)])

    assert result == AppendResult(stored=2, duplicates=0)
    assert [stored.record.project_id for stored in event_log.read(after_seq=0, limit=5)] == [1, 2]


def test_a_retry_keeps_the_first_payload(event_log):
    event_log.append([record("m", payload=b'{"attempt":1}')])
    event_log.append([record("m", payload=b'{"attempt":2}')])

    assert [stored.record.payload for stored in event_log.read(after_seq=0, limit=5)] == [b'{"attempt":1}']


def test_concurrent_appends_of_the_same_message_ids_store_each_once(event_log):
    ids = [f"m{i}" for i in range(20)]
    results: list[AppendResult] = []
    start = threading.Barrier(8)

    def producer() -> None:
        start.wait()
        for message_id in ids:
            results.append(event_log.append([record(message_id)]))

    threads = [threading.Thread(target=producer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(message_ids(event_log.read(after_seq=0, limit=500))) == sorted(ids)
    assert sum(result.stored for result in results) == 20
    assert sum(result.duplicates for result in results) == 8 * 20 - 20


def test_a_call_with_an_invalid_record_stores_nothing_of_that_call(event_log):
    event_log.append([record("before")])
    bad = record("bad", type="purchase")

    with pytest.raises(ValueError, match="record 1: type"):
        event_log.append([record("good"), bad, record("good-2")])

    assert message_ids(event_log.read(after_seq=0, limit=10)) == ["before"]
    # The valid ids of the failed call were not remembered as seen: they can be stored later.
    assert event_log.append([record("good")]) == AppendResult(stored=1, duplicates=0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"project_id": 0}, "project_id"),
        ({"message_id": ""}, "message_id"),
        ({"timestamp": datetime(2024, 1, 1)}, "timestamp"),  # naive: ambiguous instant
        ({"payload": "not bytes"}, "payload"),
        ({"user_id": 42}, "user_id"),
        ({"project_id": True}, "project_id"),  # a bool is not a project id
        ({"message_id": "m" * 257}, "message_id"),
        ({"type": ["track"]}, "type"),  # unhashable: still a ValueError naming the field
        ({"name": 5}, "name"),
        ({"received_at": datetime(2024, 1, 1)}, "received_at"),
    ],
)
def test_records_breaking_the_contract_are_refused_before_anything_is_written(event_log, change, message):
    fields = {"message_id": "m"} | change
    message_id = fields.pop("message_id")

    with pytest.raises(ValueError, match=message):
        event_log.append([record(message_id, **fields)])

    assert event_log.last_seq() == 0


def test_an_empty_append_stores_nothing(event_log):
    assert event_log.append([]) == AppendResult(stored=0, duplicates=0)
    assert event_log.last_seq() == 0


def test_read_pages_through_the_log_from_an_exclusive_position(event_log):
    event_log.append([record(f"m{i}") for i in range(7)])

    pages, after = [], 0
    while page := event_log.read(after_seq=after, limit=3):
        pages.append(message_ids(page))
        after = page[-1].seq

    assert pages == [["m0", "m1", "m2"], ["m3", "m4", "m5"], ["m6"]]
    assert event_log.read(after_seq=event_log.last_seq(), limit=3) == []
    assert event_log.read(after_seq=0, limit=0) == []


def test_read_spans_projects_in_seq_order(event_log):
    event_log.append([record("a", project_id=2), record("b", project_id=1)])
    event_log.append([record("c", project_id=2)])

    assert [(s.record.project_id, s.record.message_id) for s in event_log.read(after_seq=0, limit=10)] == [
        (2, "a"),
        (1, "b"),
        (2, "c"),
    ]


def test_last_seq_follows_appends_but_not_duplicates(event_log):
    event_log.append([record("a"), record("b")])
    after_two = event_log.last_seq()
    event_log.append([record("a")])

    assert event_log.last_seq() == after_two
    event_log.append([record("c")])
    assert event_log.last_seq() > after_two


def test_wait_for_new_wakes_on_an_append_and_times_out_without_one(event_log):
    event_log.append([record("a")])
    seq = event_log.last_seq()
    assert event_log.wait_for_new(after_seq=seq - 1, timeout=0.1) is True
    assert event_log.wait_for_new(after_seq=seq, timeout=0.1) is False

    timer = threading.Timer(0.2, lambda: event_log.append([record("b")]))
    timer.start()
    try:
        assert event_log.wait_for_new(after_seq=seq, timeout=10) is True
    finally:
        timer.join()


def test_payload_stays_valid_json_of_the_original_message(event_log):
    message = {"type": "track", "event": "Signed Up", "context": {"campaign": {"source": "google"}}}
    event_log.append([record("m", payload=orjson.dumps(message))])

    (stored,) = event_log.read(after_seq=0, limit=1)

    assert orjson.loads(stored.record.payload) == message
    assert stored.record.received_at == MOMENT


@pytest.mark.parametrize(
    ("change", "timestamp_text", "payload"),
    [
        ({}, "2024-03-10T12:00:00.123456+00:00", b'{"k": 1}'),
        ({"timestamp": datetime(2024, 3, 10, 14, 0, 0, 5, tzinfo=timezone(timedelta(hours=2)))},
         "2024-03-10T12:00:00.000005+00:00", b'{"k": 1}'),
        ({"payload": bytearray(b'{"k": 1}')}, "2024-03-10T12:00:00.123456+00:00", b'{"k": 1}'),
        ({"payload": memoryview(b'{"k": 2}')}, "2024-03-10T12:00:00.123456+00:00", b'{"k": 2}'),
    ],
    ids=["utc", "another-offset", "bytearray", "memoryview"],
)
def test_records_of_every_accepted_shape_are_stored_as_utc_instants_and_bytes(event_log, change, timestamp_text,
                                                                                payload):
    fields = {"payload": b'{"k": 1}'} | change

    event_log.append([record("m", **fields)])

    (stored,) = event_log.read(after_seq=0, limit=10)
    assert stored.record.timestamp.isoformat() == timestamp_text
    assert type(stored.record.payload) is bytes and stored.record.payload == payload
