"""Shapley attribution: hand-computed games, brute force over every permutation, and the many-channel case."""

from __future__ import annotations

import random
from datetime import timedelta
from itertools import permutations
from math import factorial

import numpy as np
import pytest

from analyticaflow.attribution import attribute, build_journeys
from analyticaflow.attribution.shapley import shapley_from_game, subset_sums
from tests.attribution.builders import order, path_journeys, shares, touch


def test_hand_computed_two_channels():
    # Journeys {A, B} (1 conversion worth 10) and {A} (1 worth 20).
    # v({A}) = 1, v({B}) = 0, v({A, B}) = 2 -> A: (1 + 2) / 2 = 1.5, B: (0 + 1) / 2 = 0.5.
    # value: v({A}) = 20, v({B}) = 0, v({A, B}) = 30 -> A: (20 + 30) / 2 = 25, B: (0 + 10) / 2 = 5.
    result = attribute(journeys=path_journeys([(["A", "B", "A"], 10.0), (["A"], 20.0)], [["B"]]), model="shapley")
    assert shares(result) == pytest.approx({"A": 1.5, "B": 0.5})
    assert shares(result, "value") == pytest.approx({"A": 25.0, "B": 5.0})


def test_conversion_without_touchpoint_is_direct():
    result = attribute(journeys=path_journeys([([], 7.0), (["email", "direct"], 2.0)]), model="shapley")
    assert shares(result) == pytest.approx({"direct": 1.5, "email": 0.5})
    assert shares(result, "value") == pytest.approx({"direct": 8.0, "email": 1.0})


def test_campaigns_share_their_channels_credit_in_each_journey():
    hour = timedelta(hours=1)
    touches = [touch("t1", "p", 3 * hour, "google", "brand"), touch("t2", "p", 2 * hour, "google", "generic"),
               touch("t3", "p", hour, "facebook", "retarget"), touch("t4", "q", hour, "google", "brand")]
    journeys = build_journeys(touchpoints=touches, conversions=[order("o1", "p", 10.0), order("o2", "q", 4.0)])
    result = attribute(journeys=journeys, model="shapley")
    campaigns = {(c.channel, c.campaign): (c.conversions, c.value) for c in result.campaigns}
    # o1: google 1/2 (brand 1/4, generic 1/4), facebook 1/2; o2: google (brand) 1.
    assert campaigns == pytest.approx({
        ("google", "brand"): (1.25, 2.5 + 4.0),
        ("google", "generic"): (0.25, 2.5),
        ("facebook", "retarget"): (0.5, 5.0),
    })


def brute_force_shapley(journeys: list[tuple[list[str], float]], weight_of) -> dict[str, float]:
    """Average marginal contribution over every ordering of the channels, v(S) counted journey by journey."""
    channels = sorted({c for path, _ in journeys for c in (path or ["direct"])})

    def v(coalition: frozenset) -> float:
        return sum(weight_of(value) for path, value in journeys if set(path or ["direct"]) <= coalition)

    totals = dict.fromkeys(channels, 0.0)
    for ordering in permutations(channels):
        members: set[str] = set()
        before = 0.0
        for channel in ordering:
            members.add(channel)
            after = v(frozenset(members))
            totals[channel] += after - before
            before = after
    count = factorial(len(channels))
    return {c: total / count for c, total in totals.items() if total}


@pytest.mark.parametrize(("seed", "n_channels"), [(1, 3), (2, 5), (3, 6), (4, 7)])
def test_matches_brute_force_over_all_permutations(seed, n_channels):
    rng = random.Random(seed)
    channels = [f"ch{index}" for index in range(n_channels - 1)] + ["direct"]
    journeys = [(rng.choices(channels, k=rng.randint(0, 5)), round(rng.uniform(1, 100), 2)) for _ in range(30)]
    result = attribute(journeys=path_journeys(journeys), model="shapley")
    assert shares(result) == pytest.approx(brute_force_shapley(journeys, lambda value: 1.0))
    assert shares(result, "value") == pytest.approx(brute_force_shapley(journeys, lambda value: value))


def test_general_solver_on_a_game_that_is_not_additive():
    # A random game (not a sum of journey games), checked against every permutation.
    rng = np.random.default_rng(3)
    n = 5
    game = rng.uniform(0, 10, size=1 << n)
    game[0] = 0.0
    expected = np.zeros(n)
    for ordering in permutations(range(n)):
        mask = 0
        for player in ordering:
            expected[player] += game[mask | (1 << player)] - game[mask]
            mask |= 1 << player
    assert shapley_from_game(game) == pytest.approx(expected / factorial(n))
    # The three-player majority game: everyone gets a third.
    majority = np.array([0, 0, 0, 1, 0, 1, 1, 1], dtype=float)
    assert shapley_from_game(majority) == pytest.approx([1 / 3] * 3)


def test_subset_sums():
    coefficients = np.array([1.0, 2.0, 4.0, 8.0])  # masks {}, {0}, {1}, {0, 1}
    assert subset_sums(coefficients).tolist() == [1.0, 3.0, 5.0, 15.0]


def test_more_than_fifteen_channels_stay_exact():
    # 17 channels: one journey through all of them (17 conversions' worth of 34) and one through c0 alone.
    channels = [f"c{index:02d}" for index in range(17)]
    result = attribute(journeys=path_journeys([(channels, 34.0), (["c00"], 10.0)]), model="shapley")
    expected = {c: 1 / 17 for c in channels}
    expected["c00"] += 1
    assert shares(result) == pytest.approx(expected)
    assert result.channel("c05").value == pytest.approx(2.0)
    assert result.channel("c00").value == pytest.approx(12.0)


@pytest.mark.parametrize("n_channels", [15, 16])
def test_bitmask_and_closed_form_agree_around_the_limit(n_channels):
    # Expected: each journey's conversion and value split equally over its distinct channels.
    rng = random.Random(n_channels)
    channels = [f"ch{index:02d}" for index in range(n_channels)]
    journeys = [(rng.sample(channels, k=rng.randint(1, 6)), float(rng.randint(1, 50))) for _ in range(60)]
    journeys.append((channels, 15.0))
    expected_conversions: dict[str, float] = {}
    expected_value: dict[str, float] = {}
    for path, value in journeys:
        distinct = set(path)
        for channel in distinct:
            expected_conversions[channel] = expected_conversions.get(channel, 0.0) + 1 / len(distinct)
            expected_value[channel] = expected_value.get(channel, 0.0) + value / len(distinct)
    result = attribute(journeys=path_journeys(journeys), model="shapley")
    assert shares(result) == pytest.approx(expected_conversions)
    assert shares(result, "value") == pytest.approx(expected_value)
