"""Every model's credit per channel in the attribution report, on both warehouses, against the hand-computed shop
of ``report_scenario``."""

from __future__ import annotations

import pytest

from tests.attribution.report_scenario import ALL_MODELS, attribution_query, credit_by, report

D7 = 2 ** (-1 / 7)  # ann: facebook 2 days old, google 1 day: weights 2^(-2/7) : 2^(-1/7)
A = D7 / (1 + D7)  # facebook's time-decay share of o1
D47 = 2 ** (-4 / 7)  # bob: newsletter 4 days 1 hour old, direct 1 hour: 2^(-(4+1/24)/7) : 2^(-(1/24)/7)
B = D47 / (1 + D47)  # newsletter's time-decay share of o2

EVEN = {"facebook": (0.5, 50), "google": (1.5, 1050), "newsletter": (0.5, 30), "direct": (1.5, 230)}
EXPECTED = {
    "first_touch": {"facebook": (1, 100), "google": (1, 1000), "newsletter": (1, 60), "direct": (1, 200)},
    "last_touch": {"facebook": (0, 0), "google": (2, 1100), "newsletter": (0, 0), "direct": (2, 260)},
    "last_non_direct": {"facebook": (0, 0), "google": (2, 1100), "newsletter": (1, 60), "direct": (1, 200)},
    "linear": EVEN,
    "position_based": EVEN,  # two touchpoints: 50/50
    "shapley": EVEN,  # no journey repeats a channel: an equal split over its channels
    "time_decay": {"facebook": (A, 100 * A), "google": (2 - A, 100 * (1 - A) + 1000),
                   "newsletter": (B, 60 * B), "direct": (2 - B, 60 * (1 - B) + 200)},
    "markov": {"facebook": (2 / 3, 1360 * 110 / 408), "google": (4 / 3, 1360 * 220 / 408),
               "newsletter": (2 / 3, 1360 * 26 / 408), "direct": (4 / 3, 1360 * 52 / 408)},
}


@pytest.fixture(scope="module")
def result(shop_warehouse):
    return report(shop_warehouse)


@pytest.mark.parametrize("model", ALL_MODELS)
def test_credit_per_channel(result, model):
    expected = {channel: (pytest.approx(c, abs=1e-5), pytest.approx(v, abs=1e-5))
                for channel, (c, v) in EXPECTED[model].items()}
    assert credit_by(result, "channel", model) == expected


def test_every_model_credits_exactly_the_conversions(result):
    assert result["conversions"] == {"count": 4, "value": 1360.0, "orders": 3, "deals": 1,
                                     "without_touchpoints": 1, "non_converting_paths": 1}
    for model in ALL_MODELS:
        assert result["totals"]["credit"][model]["conversions"] == pytest.approx(4)
        assert result["totals"]["credit"][model]["value"] == pytest.approx(1360)


def test_the_response_names_each_model_and_its_parameters(result):
    assert [m["name"] for m in result["models"]] == list(ALL_MODELS)
    assert all(m["label"] and m["description"] for m in result["models"])
    assert (result["lookback_days"], result["half_life_days"], result["group_by"]) == (30, 7.0, "channel")
    markov = next(m for m in result["models"] if m["name"] == "markov")
    # Removal effects relative to P(conversion) = 4/5: facebook 1/5, google 2/5, newsletter 1/5, direct 2/5.
    assert markov["diagnostics"]["removal_effect_conversions"] == {
        "direct": pytest.approx(0.5), "facebook": pytest.approx(0.25), "google": pytest.approx(0.5),
        "newsletter": pytest.approx(0.25)}


def test_the_half_life_is_a_parameter(shop_warehouse):
    # A half-life of 1 day: facebook's share of o1 is 2^-2 / (2^-2 + 2^-1) = 1/3.
    result = report(shop_warehouse, attribution_query(models=["time_decay"], half_life_days=1))
    assert credit_by(result, "channel", "time_decay")["facebook"] == (pytest.approx(1 / 3, abs=1e-4),
                                                                     pytest.approx(100 / 3, abs=1e-4))


def test_the_lookback_window_is_a_parameter(shop_warehouse):
    # One day back: o1 keeps only google (3 Mar, 24 h before), o2 only direct; bob's newsletter visit is out.
    result = report(shop_warehouse, attribution_query(models=["first_touch"], lookback_days=1))
    assert credit_by(result, "channel", "first_touch") == {
        "google": (2, 1100), "direct": (2, 260), "facebook": (0, 0)}
