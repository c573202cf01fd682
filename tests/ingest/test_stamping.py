"""Server stamps: receivedAt, messageId, clock-skew correction, accepted timestamp formats. Pure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from analyticaflow.ingest.schema import parse_time
from analyticaflow.ingest.stamping import MINUTE_TEXTS_LIMIT, format_time, stamp_message

RECEIVED = datetime(2024, 5, 1, 12, 0, 8, 250000, tzinfo=UTC)
RECEIVED_TEXT = "2024-05-01T12:00:08.250Z"


def stamp(message: dict, *, sent_at: str | None = None, correct_skew: bool = True):
    """Stamp as received at RECEIVED, in a batch whose own ``sentAt`` is ``sent_at``."""
    return stamp_message(message, received_at=RECEIVED, received_at_text=RECEIVED_TEXT,
                         sent_at=parse_time(sent_at), sent_at_text=sent_at, correct_skew=correct_skew)


TIME_TEXTS = [
    ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)),
    ("2024-05-01T12:00:00.123Z", datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)),
    ("2024-05-01T12:00:00.1Z", datetime(2024, 5, 1, 12, 0, 0, 100000, tzinfo=UTC)),
    ("2024-05-01T12:00:00.123456Z", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
    # nanoseconds (Go, Java): truncated to microseconds
    ("2024-05-01T12:00:00.123456789Z", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
    ("2024-05-01T14:00:00+02:00", datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)),
    ("2024-05-01T14:00:00.500+02:00", datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)),
    ("2024-05-01T07:30:00-04:30", datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)),
    ("2024-05-01T12:00:00+00:00", datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)),
    ("2024-05-01T12:00:00.000+0000", datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)),
    ("2024-05-01 12:00:00Z", datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)),
    # refused: no zone, no time, not a string
    ("2024-05-01T12:00:00", None),
    ("2024-05-01T12:00:00.123", None),
    ("2024-05-01", None),
    ("1714564800", None),
    (1714564800, None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), TIME_TEXTS)
def test_timestamp_formats(text, expected):
    parsed = parse_time(text)
    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is UTC


def test_asking_again_gives_the_same_answer_whatever_was_asked_in_between():
    # parse_time remembers its last answer (validation and stamping parse the same timestamp): every answer must
    # stay that of the string asked, repeated, interleaved, for an equal but distinct string and across threads.
    texts = [text for text, _ in TIME_TEXTS]
    expected = {id(text): answer for text, answer in TIME_TEXTS}
    for text in texts + texts[::-1]:
        assert parse_time(text) == expected[id(text)]
        assert parse_time(text) == expected[id(text)]
    for text, answer in TIME_TEXTS:
        assert parse_time("".join(text) if isinstance(text, str) else text) == answer

    def ask_many(out: list) -> None:
        out.append(all(parse_time(text) == expected[id(text)] for _ in range(2000) for text in texts))

    results: list[bool] = []
    threads = [threading.Thread(target=ask_many, args=(results,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 4


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2024, 5, 1, 12, 0, 3, 250000, tzinfo=UTC), "2024-05-01T12:00:03.250Z"),
        (datetime(2024, 5, 1, 12, 0, 3, tzinfo=UTC), "2024-05-01T12:00:03.000Z"),
        (datetime(2024, 5, 1, 12, 0, 3, 123456, tzinfo=UTC), "2024-05-01T12:00:03.123456Z"),
        (datetime(2024, 5, 1, 14, 0, 3, tzinfo=timezone(timedelta(hours=2))), "2024-05-01T12:00:03.000Z"),
        (datetime(2024, 5, 1, 0, 30, 3, 5, tzinfo=timezone(timedelta(hours=1))), "2024-04-30T23:30:03.000005Z"),
        (datetime(2024, 12, 31, 23, 59, 59, 999000, tzinfo=UTC), "2024-12-31T23:59:59.999Z"),
        (datetime(5, 1, 2, 3, 4, 5, 6000, tzinfo=UTC), "0005-01-02T03:04:05.006Z"),
    ],
)
def test_times_are_written_in_utc_with_z(moment, text):
    assert format_time(moment) == text


def test_times_stay_exact_across_more_minutes_than_the_text_cache_holds():
    start = datetime(2024, 5, 1, tzinfo=UTC)
    for minute in range(0, 3 * MINUTE_TEXTS_LIMIT, 7):
        moment = start + timedelta(minutes=minute, seconds=minute % 60, milliseconds=minute % 1000)
        day, hour, minute_of_hour = 1 + minute // 1440, minute // 60 % 24, minute % 60
        expected = f"2024-05-{day:02}T{hour:02}:{minute_of_hour:02}:{minute % 60:02}.{minute % 1000:03}Z"
        assert format_time(moment) == expected


@pytest.mark.parametrize(
    ("timestamp", "sent_at", "corrected", "corrected_text"),
    [
        # sent 5 s after the event, received at 12:00:08.250 → happened at 12:00:03.250 on the server's clock
        ("2024-05-01T12:00:00Z", "2024-05-01T12:00:05Z",
         datetime(2024, 5, 1, 12, 0, 3, 250000, tzinfo=UTC), "2024-05-01T12:00:03.250Z"),
        # a client clock one hour fast, with an offset and fractions: 13:59:59.900+01:00 = 12:59:59.900Z,
        # sent 13:00:00.000Z → 100 ms before sending → 12:00:08.150Z
        ("2024-05-01T13:59:59.900+01:00", "2024-05-01T13:00:00Z",
         datetime(2024, 5, 1, 12, 0, 8, 150000, tzinfo=UTC), "2024-05-01T12:00:08.150Z"),
        # a client clock a day slow; event 2 h 30 min before sending
        ("2024-04-30T09:30:00Z", "2024-04-30T12:00:00.000Z",
         datetime(2024, 5, 1, 9, 30, 8, 250000, tzinfo=UTC), "2024-05-01T09:30:08.250Z"),
        # microsecond precision survives
        ("2024-05-01T12:00:00.000001Z", "2024-05-01T12:00:00Z",
         datetime(2024, 5, 1, 12, 0, 8, 250001, tzinfo=UTC), "2024-05-01T12:00:08.250001Z"),
    ],
)
def test_clock_skew_is_corrected_from_sent_at(timestamp, sent_at, corrected, corrected_text):
    message = {"timestamp": timestamp, "sentAt": sent_at}
    assert stamp(message) == corrected
    assert message["timestamp"] == corrected_text
    assert message["originalTimestamp"] == timestamp
    assert message["sentAt"] == sent_at
    assert message["receivedAt"] == RECEIVED_TEXT


def test_the_batch_sent_at_applies_to_messages_without_their_own():
    message = {"timestamp": "2024-05-01T12:00:00Z"}
    assert stamp(message, sent_at="2024-05-01T12:00:05Z") == datetime(2024, 5, 1, 12, 0, 3, 250000, tzinfo=UTC)
    assert message["sentAt"] == "2024-05-01T12:00:05Z"
    own = {"timestamp": "2024-05-01T12:00:00Z", "sentAt": "2024-05-01T12:00:01Z"}
    assert stamp(own, sent_at="2024-05-01T12:00:05Z") == datetime(2024, 5, 1, 12, 0, 7, 250000, tzinfo=UTC)


def test_without_sent_at_the_timestamp_is_kept_as_sent():
    message = {"timestamp": "2024-05-01T14:00:00+02:00"}
    assert stamp(message) == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert message["timestamp"] == "2024-05-01T14:00:00+02:00"
    assert "originalTimestamp" not in message


@pytest.mark.parametrize("sent_at", [None, "2024-05-01T12:00:05Z"])
def test_without_timestamp_the_event_happened_when_received(sent_at):
    message = {"timestamp": None, "sentAt": sent_at}
    assert stamp(message) == RECEIVED
    assert message["timestamp"] == RECEIVED_TEXT
    assert "originalTimestamp" not in message


def test_history_imports_keep_their_timestamps():
    message = {"timestamp": "2021-01-01T00:00:00Z", "sentAt": "2021-01-01T00:00:30Z"}
    assert stamp(message, correct_skew=False) == datetime(2021, 1, 1, tzinfo=UTC)
    assert message["timestamp"] == "2021-01-01T00:00:00Z"


def test_a_correction_out_of_the_calendar_is_refused_not_crashed():
    message = {"timestamp": "9999-12-31T23:59:59Z", "sentAt": "0001-01-01T00:00:00Z"}
    assert stamp(message) is None
    assert message == {"timestamp": "9999-12-31T23:59:59Z", "sentAt": "0001-01-01T00:00:00Z"}  # left as it was


@pytest.mark.parametrize("given", [None, ""])
def test_a_missing_message_id_gets_a_fresh_uuid(given):
    first, second = {"messageId": given}, {"messageId": given}
    stamp(first)
    stamp(second)
    assert len(first["messageId"]) == 36 and first["messageId"].count("-") == 4
    assert first["messageId"] != second["messageId"]


def test_a_client_message_id_is_kept():
    message = {"messageId": "ajs-next-1714564800-abc"}
    stamp(message)
    assert message["messageId"] == "ajs-next-1714564800-abc"
