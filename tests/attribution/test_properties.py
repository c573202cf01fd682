"""Properties over generated data: every model hands out exactly the totals; journeys follow the definition."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyticaflow.attribution import (
    AttributionOptions,
    Conversion,
    Touchpoint,
    attribute,
    attribute_all,
    build_journeys,
    model_names,
    non_converting_path,
)
from analyticaflow.errors import InvalidInput
from tests.attribution.builders import T0

CHANNELS = ["google", "facebook", "email", "direct", "bing"]
CAMPAIGNS = [None, "spring", "brand", "news"]
PERSONS = ["p1", "p2", "p3", "p4"]


@st.composite
def shop_data(draw):
    n_touches = draw(st.integers(0, 25))
    touches = [
        Touchpoint(id=f"t{index}", person=draw(st.sampled_from(PERSONS)),
                   time=T0 - timedelta(hours=draw(st.integers(0, 24 * 45))),
                   channel=draw(st.sampled_from(CHANNELS)), campaign=draw(st.sampled_from(CAMPAIGNS)))
        for index in range(n_touches)
    ]
    n_orders = draw(st.integers(0, 8))
    orders = [
        Conversion(id=f"o{index}", person=draw(st.sampled_from(PERSONS)),
                   time=T0 - timedelta(hours=draw(st.integers(0, 24 * 45))),
                   value=draw(st.floats(0, 1000, allow_nan=False)), campaign=draw(st.sampled_from(CAMPAIGNS)))
        for index in range(n_orders)
    ]
    lookback = timedelta(days=draw(st.integers(0, 40)))
    return touches, orders, lookback


@settings(max_examples=60, deadline=None)
@given(data=shop_data(), half_life=st.floats(0.5, 30))
def test_every_model_hands_out_exactly_the_totals(data, half_life):
    touches, orders, lookback = data
    journeys = build_journeys(touchpoints=touches, conversions=orders, lookback=lookback, data_end=T0)
    results = attribute_all(journeys=journeys, options=AttributionOptions(half_life_days=half_life))
    assert tuple(results) == model_names()
    total_value = sum(o.value for o in orders)
    for result in results.values():
        assert result.total_conversions == len(orders)
        assert result.total_value == pytest.approx(total_value)
        for field, total in (("conversions", len(orders)), ("value", total_value)):
            by_channel = {c.channel: getattr(c, field) for c in result.channels}
            assert sum(by_channel.values()) == pytest.approx(total, abs=1e-9 * max(1.0, total))
            assert min(by_channel.values(), default=0.0) >= -1e-9
            by_campaign: dict[str, float] = {}
            for credit in result.campaigns:
                by_campaign[credit.channel] = by_campaign.get(credit.channel, 0.0) + getattr(credit, field)
            assert by_campaign == pytest.approx(by_channel, abs=1e-9 * max(1.0, total))


@settings(max_examples=60, deadline=None)
@given(data=shop_data())
def test_journeys_follow_the_definition(data):
    touches, orders, lookback = data
    journeys = build_journeys(touchpoints=touches, conversions=orders, lookback=lookback, data_end=T0)
    for conversion in orders:
        window = sorted((t for t in touches if t.person == conversion.person
                         and conversion.time - lookback <= t.time <= conversion.time),
                        key=lambda t: (t.time, t.id))
        expected = [(t.channel, t.campaign) for t in window] or [("direct", conversion.campaign)]
        assert journeys.journey(conversion.id) == expected
    expected_null = []
    for person in sorted({t.person for t in touches}):
        path = non_converting_path(touchpoints=[t for t in touches if t.person == person],
                                   conversions=[o for o in orders if o.person == person],
                                   data_end=T0, lookback=lookback)
        if path:
            expected_null.append([t.channel for t in path])
    assert journeys.null_paths() == expected_null


@pytest.mark.parametrize("half_life", [0, -1.0, float("nan"), float("inf"), "7", True])
def test_half_life_must_be_a_positive_number(half_life):
    with pytest.raises(InvalidInput) as raised:
        AttributionOptions(half_life_days=half_life)
    assert "half_life_days" in raised.value.fields


def test_unknown_model_names_the_choices():
    with pytest.raises(InvalidInput) as raised:
        attribute(journeys=build_journeys(touchpoints=[], conversions=[]), model="u_shaped")
    assert "first_touch" in raised.value.fields["model"][0]


def test_models_are_listed_in_the_order_of_the_definition():
    assert model_names() == ("first_touch", "last_touch", "last_non_direct", "linear", "time_decay",
                             "position_based", "markov", "shapley")


def test_empty_data_gives_zero_totals_for_every_model():
    results = attribute_all(journeys=build_journeys(touchpoints=[], conversions=[]))
    assert {name: (r.total_conversions, r.total_value, r.channels, r.campaigns) for name, r in results.items()} == {
        name: (0.0, 0.0, (), ()) for name in model_names()}
