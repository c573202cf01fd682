"""Heuristic models on hand-computed journeys: input path -> expected share per channel."""

from __future__ import annotations

from datetime import timedelta
from math import sqrt

import pytest

from analyticaflow.attribution import AttributionOptions, attribute, build_journeys
from tests.attribution.builders import order, path_journeys, shares, touch

CASES = [
    # model, path, expected channel shares of the one conversion
    ("first_touch", ["google", "facebook", "email"], {"google": 1}),
    ("first_touch", [], {"direct": 1}),
    ("last_touch", ["google", "facebook", "email"], {"email": 1}),
    ("last_touch", ["google", "direct"], {"direct": 1}),
    ("last_non_direct", ["google", "direct", "direct"], {"google": 1}),
    ("last_non_direct", ["direct", "email", "direct"], {"email": 1}),
    ("last_non_direct", ["direct", "direct"], {"direct": 1}),
    ("last_non_direct", [], {"direct": 1}),
    ("linear", ["google", "facebook", "email", "bing"], {"google": .25, "facebook": .25, "email": .25, "bing": .25}),
    ("linear", ["google", "facebook", "google"], {"google": 2 / 3, "facebook": 1 / 3}),  # k repeats, k shares
    ("linear", [], {"direct": 1}),
    ("position_based", ["google"], {"google": 1}),
    ("position_based", ["google", "facebook"], {"google": 0.5, "facebook": 0.5}),
    ("position_based", ["google", "facebook", "email"], {"google": 0.4, "facebook": 0.2, "email": 0.4}),
    ("position_based", ["a", "b", "c", "d", "e"], {"a": 0.4, "b": 0.2 / 3, "c": 0.2 / 3, "d": 0.2 / 3, "e": 0.4}),
    ("position_based", ["google", "facebook", "facebook", "google"], {"google": 0.8, "facebook": 0.2}),
    ("position_based", ["google", "google"], {"google": 1}),
    ("shapley", ["google", "facebook", "google"], {"google": 0.5, "facebook": 0.5}),
]


@pytest.mark.parametrize(("model", "path", "expected"), CASES)
def test_one_conversion(model, path, expected):
    result = attribute(journeys=path_journeys([(path, 80.0)]), model=model)
    assert shares(result) == pytest.approx(expected)
    assert shares(result, "value") == pytest.approx({channel: 80.0 * share for channel, share in expected.items()})


@pytest.mark.parametrize(
    ("ages_days", "half_life", "expected"),
    [
        ((7.0, 0.0), 7.0, (1 / 3, 2 / 3)),                        # 2^-1 = 0.5 against 1
        ((3.5, 0.0), 7.0, (sqrt(2) - 1, 2 - sqrt(2))),            # fractional days: 2^-0.5 against 1
        ((4.0, 2.0, 0.0), 2.0, (1 / 7, 2 / 7, 4 / 7)),            # custom half-life: 0.25, 0.5, 1
        ((1.0, 1.0), 7.0, (0.5, 0.5)),                             # same age, same weight
        ((29.5,), 1.0, (1.0,)),                                    # one touchpoint keeps all of it
        ((900.0, 0.0), 0.5, (0.0, 1.0)),                           # 2^-1800 is below float range: no NaN
    ],
)
def test_time_decay(ages_days, half_life, expected):
    channels = [f"c{index}" for index in range(len(ages_days))]
    touches = [touch(f"t{index}", "p", timedelta(days=age), channel)
               for index, (age, channel) in enumerate(zip(ages_days, channels, strict=True))]
    journeys = build_journeys(touchpoints=touches, conversions=[order("o1", "p", 10.0)], lookback=timedelta(days=1000))
    result = attribute(journeys=journeys, model="time_decay", options=AttributionOptions(half_life_days=half_life))
    got = [result.channel(channel).conversions for channel in channels]
    assert got == pytest.approx(list(expected), abs=1e-12)
    assert [result.channel(channel).value for channel in channels] == pytest.approx([10 * share for share in expected])


def test_time_decay_age_is_from_the_conversion_not_from_the_last_touchpoint():
    # Touchpoints 1 and 8 days before a conversion: weights 2^(-1/7) and 2^(-8/7), i.e. 2 : 1.
    touches = [touch("t1", "p", timedelta(days=8), "google"), touch("t2", "p", timedelta(days=1), "email")]
    result = attribute(journeys=build_journeys(touchpoints=touches, conversions=[order("o1", "p")]),
                       model="time_decay")
    assert shares(result) == pytest.approx({"google": 1 / 3, "email": 2 / 3})


def test_several_conversions_add_up_per_channel_and_campaign():
    touches = [
        touch("t1", "p", timedelta(days=2), "google", "brand"),
        touch("t2", "p", timedelta(days=1), "facebook", "retarget"),
        touch("t3", "q", timedelta(days=3), "google", "generic"),
    ]
    conversions = [order("o1", "p", 100.0), order("o2", "q", 40.0), order("o3", "r", 10.0, campaign="deal")]
    result = attribute(journeys=build_journeys(touchpoints=touches, conversions=conversions), model="linear")
    assert shares(result) == pytest.approx({"google": 1.5, "facebook": 0.5, "direct": 1.0})
    assert shares(result, "value") == pytest.approx({"google": 90.0, "facebook": 50.0, "direct": 10.0})
    campaigns = {(c.channel, c.campaign): (c.conversions, c.value) for c in result.campaigns}
    assert campaigns == pytest.approx({
        ("google", "brand"): (0.5, 50.0),
        ("google", "generic"): (1.0, 40.0),
        ("facebook", "retarget"): (0.5, 50.0),
        ("direct", "deal"): (1.0, 10.0),
    })
    assert (result.total_conversions, result.total_value) == (3.0, 150.0)


def test_channels_without_credit_are_listed_with_zero():
    result = attribute(journeys=path_journeys([(["google", "email"], 1.0)], [["bing"]]), model="first_touch")
    assert {c.channel: c.conversions for c in result.channels} == {"bing": 0.0, "email": 0.0, "google": 1.0}
