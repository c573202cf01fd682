"""Instants are stored as integer microseconds since the epoch and must come back exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from analyticaflow.eventlog.records import from_micros, to_micros


@pytest.mark.parametrize(
    ("moment", "micros"),
    [
        (datetime(1970, 1, 1, tzinfo=UTC), 0),
        (datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC), 1),
        (datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), -1),
        (datetime(2024, 3, 1, 0, 0, 0, 123456, tzinfo=UTC), 1_709_251_200_123_456),
        (datetime(2024, 3, 1, 3, 0, 0, 123456, tzinfo=timezone(timedelta(hours=3))), 1_709_251_200_123_456),
        (datetime(2038, 1, 19, 3, 14, 8, 999999, tzinfo=UTC), 2_147_483_648_999_999),
        (datetime(2242, 3, 16, 12, 56, 31, 999999, tzinfo=UTC), 8_589_934_591_999_999),  # last "fast" second
        (datetime(2242, 3, 16, 12, 56, 32, tzinfo=UTC), 8_589_934_592_000_000),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), 253_402_300_799_999_999),
        (datetime(1, 1, 1, tzinfo=UTC), -62_135_596_800_000_000),
    ],
)
def test_instants_convert_to_microseconds_and_back_exactly(moment, micros):
    assert to_micros(moment) == micros
    back = from_micros(micros)
    assert back == moment and back.utcoffset() == timedelta(0)


def test_every_microsecond_of_a_second_survives_the_round_trip():
    base = to_micros(datetime(2031, 7, 4, 9, 30, 15, tzinfo=UTC))
    for offset in range(1_000_000):
        assert from_micros(base + offset).microsecond == offset
