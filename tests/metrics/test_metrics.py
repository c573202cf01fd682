from __future__ import annotations

from decimal import Decimal

import pytest

from analyticaflow.errors import InvalidInput
from analyticaflow.metrics.formulas import calculate_roas, calculate_romi, change, safe_ratio
from analyticaflow.metrics.registry import FACTS, METRICS, PARTS, Format, metric_named, metric_values, parts_of


@pytest.mark.parametrize(
    ("revenue", "cost", "expected"),
    [
        (1000, 0, None),  # the seed's case: no cost, no ROMI — and no crash
        (1500, 1000, 0.5),
        (1000, 1000, 0.0),
        (500, 1000, -0.5),
        (0, 1000, -1.0),
        (3000, 1000, 2.0),
        (None, 1000, None),
        (1000, None, None),
        (Decimal("100.10"), Decimal("50.05"), 1.0),
        (0.3, 0.1, 2.0),  # exact: (0.3 - 0.1) / 0.1 would be 1.9999999999999998 in binary floats
    ],
)
def test_calculate_romi(revenue, cost, expected):
    assert calculate_romi(revenue=revenue, cost=cost) == expected


@pytest.mark.parametrize(
    ("revenue", "cost", "expected"), [(300, 100, 3.0), (0, 100, 0.0), (100, 0, None), (None, 5, None)]
)
def test_calculate_roas(revenue, cost, expected):
    assert calculate_roas(revenue=revenue, cost=cost) == expected


@pytest.mark.parametrize(
    ("numerator", "denominator", "scale", "expected"),
    [(1, 4, 1, 0.25), (1, 0, 1, None), (0, 0, 1, None), (None, 3, 1, None), (3, None, 1, None),
     (5, 2000, 1000, 2.5)],
)
def test_safe_ratio(numerator, denominator, scale, expected):
    assert safe_ratio(numerator, denominator, scale=scale) == expected


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (120, 100, {"abs": 20.0, "pct": 0.2}),
        (80, 100, {"abs": -20.0, "pct": -0.2}),
        (-50, -100, {"abs": 50.0, "pct": 0.5}),  # pct divides by |previous|: a loss that halved is +50 %
        (10, 0, {"abs": 10.0, "pct": None}),
        (0, 0, {"abs": 0.0, "pct": None}),
        (None, 5, {"abs": None, "pct": None}),
        (5, None, {"abs": None, "pct": None}),
    ],
)
def test_change(current, previous, expected):
    assert change(current, previous) == expected


# Parts summed over a period: 10,000 impressions, 250 clicks, 500 spent, 20 orders for 2,000, 8 new customers.
PARTS_SUMMED = {"spend": 500.0, "impressions": 10_000, "clicks": 250, "platform_conversions": 25.0,
                "platform_conversion_value": 2_500.0, "orders": 20, "revenue": 2_000.0, "new_customers": 8,
                "sessions": 400, "users": 300}


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("spend", 500.0), ("impressions", 10_000), ("clicks", 250), ("ctr", 0.025), ("cpc", 2.0), ("cpm", 50.0),
        ("orders", 20), ("revenue", 2_000.0), ("aov", 100.0), ("new_customers", 8), ("cac", 62.5), ("cpa", 25.0),
        ("roas", 4.0), ("romi", 3.0), ("platform_roas", 5.0), ("platform_cpa", 20.0), ("conversion_rate", 0.05),
        ("sessions", 400), ("users", 300),
    ],
)
def test_each_metric_from_summed_parts(metric, expected):
    assert metric_values(PARTS_SUMMED, [metric]) == {metric: expected}


@pytest.mark.parametrize("metric", ["ctr", "cpc", "cpm", "aov", "cac", "cpa", "roas", "romi", "platform_roas",
                                    "platform_cpa", "conversion_rate", "ga4_conversion_rate", "engagement_rate"])
def test_a_zero_denominator_gives_null(metric):
    zeros = dict.fromkeys(PARTS, 0)
    assert METRICS[metric].value(zeros) is None


def test_ratios_are_recomputed_from_summed_parts_not_averaged():
    day1 = {"spend": 100.0, "clicks": 1}  # CPC 100
    day2 = {"spend": 100.0, "clicks": 99}  # CPC ~1.01
    summed = {"spend": 200.0, "clicks": 100}
    cpc = METRICS["cpc"]
    assert cpc.value(summed) == 2.0
    assert (cpc.value(day1) + cpc.value(day2)) / 2 != 2.0


def test_every_metric_declares_format_direction_and_known_parts():
    for metric in METRICS.values():
        assert isinstance(metric.format, Format)
        assert isinstance(metric.higher_is_better, bool)
        assert metric.parts and all(part in PARTS for part in metric.parts)
        assert all(fact in FACTS for fact in metric.facts)
    assert METRICS["cac"].higher_is_better is False and METRICS["roas"].higher_is_better is True
    assert METRICS["romi"].format is Format.PERCENT and METRICS["cpm"].format is Format.MONEY


def test_groupings_follow_the_facts_of_the_parts():
    assert METRICS["roas"].groupings == ("none", "source", "account", "campaign", "channel")
    assert METRICS["ga4_sessions"].groupings == ("none", "source", "account")


def test_parts_of_several_metrics_are_listed_once():
    assert parts_of(["roas", "romi", "spend", "cac"]) == ("revenue", "spend", "new_customers")


def test_an_unknown_metric_is_a_400_naming_it():
    with pytest.raises(InvalidInput) as raised:
        metric_named("profit")
    assert "'profit' is not a metric" in raised.value.fields["metrics"][0]
