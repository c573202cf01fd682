"""Journeys: the lookback window, ordering, the direct fallback and the non-converting paths."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest

from analyticaflow.attribution import (
    ConversionColumns,
    TouchpointColumns,
    build_journeys,
    journeys_from_columns,
    non_converting_path,
)
from analyticaflow.errors import InvalidInput
from tests.attribution.builders import T0, order, touch

DAY = timedelta(days=1)
MICRO = timedelta(microseconds=1)


def channels_of(journeys, conversion_id):
    return [channel for channel, _ in journeys.journey(conversion_id)]


@pytest.mark.parametrize(
    ("before", "lookback", "included"),
    [
        (30 * DAY, timedelta(days=30), True),           # exactly at conversion_time - lookback: inside
        (30 * DAY + MICRO, timedelta(days=30), False),  # one microsecond earlier: outside
        (timedelta(0), timedelta(days=30), True),       # at the conversion instant: inside
        (-MICRO, timedelta(days=30), False),            # after the conversion: outside
        (7 * DAY, timedelta(days=7), True),             # a custom window, boundary inside
        (7 * DAY + MICRO, timedelta(days=7), False),
        (timedelta(0), timedelta(0), True),             # a zero window keeps touchpoints at the same instant
    ],
)
def test_window_bounds_are_inclusive(before, lookback, included):
    journeys = build_journeys(touchpoints=[touch("t1", "p", before, "google")],
                              conversions=[order("o1", "p")], lookback=lookback)
    assert channels_of(journeys, "o1") == (["google"] if included else ["direct"])


def test_default_lookback_is_thirty_days():
    touches = [touch("t1", "p", 30 * DAY + MICRO, "email"), touch("t2", "p", 30 * DAY, "google")]
    journeys = build_journeys(touchpoints=touches, conversions=[order("o1", "p")])
    assert channels_of(journeys, "o1") == ["google"]


def test_journey_is_in_time_order_then_touchpoint_id_for_ties():
    touches = [
        touch("t3", "p", DAY, "email"),
        touch("b", "p", 2 * DAY, "facebook"),   # same instant as "a": "a" comes first
        touch("a", "p", 2 * DAY, "google"),
        touch("t0", "p", 3 * DAY, "bing"),
    ]
    journeys = build_journeys(touchpoints=touches, conversions=[order("o1", "p")])
    assert channels_of(journeys, "o1") == ["bing", "google", "facebook", "email"]


def test_conversion_without_touchpoints_is_direct_with_its_own_campaign():
    journeys = build_journeys(touchpoints=[touch("t1", "someone-else", DAY, "google")],
                              conversions=[order("o1", "p", campaign="crm-deal"), order("o2", "q")])
    assert journeys.journey("o1") == [("direct", "crm-deal")]
    assert journeys.journey("o2") == [("direct", None)]


def test_touchpoints_belong_to_their_own_person_and_windows_overlap_between_conversions():
    touches = [touch("t1", "p", 10 * DAY, "google"), touch("t2", "p", 5 * DAY, "email", "news"),
               touch("t3", "q", 6 * DAY, "facebook")]
    conversions = [order("o1", "p", before=6 * DAY), order("o2", "p"), order("o3", "q")]
    journeys = build_journeys(touchpoints=touches, conversions=conversions)
    assert channels_of(journeys, "o1") == ["google"]
    assert journeys.journey("o2") == [("google", None), ("email", "news")]
    assert channels_of(journeys, "o3") == ["facebook"]


def test_repeated_channel_stays_as_separate_touchpoints():
    touches = [touch("t1", "p", 3 * DAY, "google"), touch("t2", "p", 2 * DAY, "google"),
               touch("t3", "p", DAY, "google")]
    journeys = build_journeys(touchpoints=touches, conversions=[order("o1", "p")])
    assert channels_of(journeys, "o1") == ["google", "google", "google"]


def test_age_is_fractional_days_before_the_conversion():
    journeys = build_journeys(touchpoints=[touch("t1", "p", timedelta(hours=36), "google")],
                              conversions=[order("o1", "p", before=timedelta(hours=12))])
    assert journeys.touch_age_days.tolist() == [1.0]


def test_naive_times_are_utc():
    naive = touch("t1", "p", DAY, "google")
    naive = type(naive)(id="t1", person="p", time=(T0 - DAY).replace(tzinfo=None), channel="google")
    journeys = build_journeys(touchpoints=[naive], conversions=[order("o1", "p")])
    assert journeys.touch_age_days.tolist() == [1.0]


# Non-converting paths: per person, touchpoints strictly after the last conversion, within
# [data_end - lookback, data_end].
NULL_CASES = [
    ("no conversion: every touchpoint in the window",
     [touch("a", "p", 20 * DAY, "google"), touch("b", "p", DAY, "email")], [], [["google", "email"]]),
    ("touchpoints before the last window are left out",
     [touch("a", "p", 30 * DAY + MICRO, "google"), touch("b", "p", 30 * DAY, "email")], [], [["email"]]),
    ("only what follows the last conversion",
     [touch("a", "p", 5 * DAY, "google"), touch("b", "p", 3 * DAY, "email"), touch("c", "p", DAY, "facebook")],
     [order("o1", "p", before=4 * DAY), order("o2", "p", before=3 * DAY)], [["facebook"]]),
    ("a touchpoint at the conversion instant belongs to the conversion",
     [touch("a", "p", 2 * DAY, "google")], [order("o1", "p", before=2 * DAY)], []),
    ("a conversion after the end of the data does not count",
     [touch("a", "p", DAY, "google")], [order("o1", "p", before=-DAY)], [["google"]]),
    ("nothing after the last conversion: no path",
     [touch("a", "p", 3 * DAY, "google")], [order("o1", "p", before=DAY)], []),
    ("one path per person, persons in order of their id",
     [touch("a", "q", DAY, "google"), touch("b", "p", 2 * DAY, "email"), touch("c", "p", DAY, "bing")], [],
     [["email", "bing"], ["google"]]),
]


@pytest.mark.parametrize(("case", "touches", "conversions", "expected"), NULL_CASES, ids=[c[0] for c in NULL_CASES])
def test_non_converting_paths(case, touches, conversions, expected):
    journeys = build_journeys(touchpoints=touches, conversions=conversions, data_end=T0)
    assert journeys.null_paths() == expected


@pytest.mark.parametrize(("case", "touches", "conversions", "expected"), NULL_CASES, ids=[c[0] for c in NULL_CASES])
def test_one_persons_non_converting_path(case, touches, conversions, expected):
    persons = sorted({t.person for t in touches})
    paths = []
    for person in persons:
        path = non_converting_path(touchpoints=[t for t in touches if t.person == person],
                                   conversions=[c for c in conversions if c.person == person], data_end=T0)
        if path:
            paths.append([t.channel for t in path])
    assert paths == expected


def test_data_end_defaults_to_the_latest_time_in_the_data():
    touches = [touch("a", "p", 40 * DAY, "google"), touch("b", "p", 15 * DAY, "email")]
    journeys = build_journeys(touchpoints=touches, conversions=[order("o1", "q", before=-5 * DAY)])
    # data end = T0 + 5 days; window starts at T0 - 25 days
    assert journeys.null_paths() == [["email"]]


def test_columns_give_the_same_journeys_as_rows():
    touches = [touch("t1", "p", 3 * DAY, "google", "spring"), touch("t2", "p", DAY, "email"),
               touch("t3", "q", DAY, "facebook")]
    conversions = [order("o1", "p", 50.0), order("o2", "r", 20.0, campaign="deal")]
    by_rows = build_journeys(touchpoints=touches, conversions=conversions)
    by_columns = journeys_from_columns(
        touchpoints=TouchpointColumns(
            id=np.array(["t1", "t2", "t3"]), person=np.array(["p", "p", "q"]),
            time_us=np.array([_us(T0 - 3 * DAY), _us(T0 - DAY), _us(T0 - DAY)]),
            channel=np.array(["google", "email", "facebook"]), campaign=np.array(["spring", "", ""])),
        conversions=ConversionColumns(
            id=np.array(["o1", "o2"]), person=np.array(["p", "r"]), time_us=np.array([_us(T0), _us(T0)]),
            value=np.array([50.0, 20.0]), campaign=np.array(["", "deal"])),
    )
    assert by_columns.pairs == by_rows.pairs
    assert by_columns.journey("o1") == by_rows.journey("o1") == [("google", "spring"), ("email", None)]
    assert by_columns.journey("o2") == [("direct", "deal")]
    assert by_columns.null_paths() == by_rows.null_paths() == [["facebook"]]


def test_columns_accept_object_arrays_with_none_and_numbers():
    day_us = 86_400_000_000
    journeys = journeys_from_columns(
        touchpoints=TouchpointColumns(id=np.array([1, 2], dtype=object), person=[7, 7], time_us=[0, day_us],
                                      channel=np.array(["google", "email"], dtype=object),
                                      campaign=np.array(["brand", None], dtype=object)),
        conversions=ConversionColumns(id=[10], person=[7], time_us=[2 * day_us], value=[5], campaign=[None]),
    )
    assert journeys.journey(10) == [("google", "brand"), ("email", None)]
    assert journeys.touch_age_days.tolist() == [2.0, 1.0]


@pytest.mark.parametrize(
    ("columns", "field"),
    [
        (lambda: TouchpointColumns(id=["a"], person=["p", "q"], time_us=[0], channel=["x"], campaign=[None]),
         "touchpoints"),
        (lambda: ConversionColumns(id=["o"], person=["p"], time_us=["noon"], value=[1.0], campaign=[None]),
         "conversions.time_us"),
    ],
)
def test_bad_columns_name_the_field(columns, field):
    with pytest.raises(InvalidInput) as raised:
        columns()
    assert field in raised.value.fields


def test_integer_persons_match_text_persons():
    journeys = journeys_from_columns(
        touchpoints=TouchpointColumns(id=["t1"], person=[7], time_us=[0], channel=["google"], campaign=[None]),
        conversions=ConversionColumns(id=["o1"], person=["7"], time_us=[5], value=[1.0], campaign=[None]),
    )
    assert journeys.journey("o1") == [("google", None)]


def test_empty_inputs_give_empty_journeys():
    journeys = build_journeys(touchpoints=[], conversions=[])
    assert journeys.n_conversions == 0
    assert journeys.channels == ()
    assert journeys.null_paths() == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"conversions": [order("o1", "p", value=-1.0)]}, "conversions[0].value"),
        ({"conversions": [order("o1", "p"), order("o2", "p", value=float("nan"))]}, "conversions[1].value"),
        ({"conversions": [order("o1", "p"), order("o1", "q")]}, "conversions"),
        ({"touchpoints": [touch("t", "p", DAY, "")]}, "touchpoints[0].channel"),
        ({"lookback": timedelta(days=-1)}, "lookback"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    arguments = {"touchpoints": [], "conversions": [], **kwargs}
    with pytest.raises(InvalidInput) as raised:
        build_journeys(**arguments)
    assert field in raised.value.fields


def _us(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1, tzinfo=T0.tzinfo)) / timedelta(microseconds=1))
