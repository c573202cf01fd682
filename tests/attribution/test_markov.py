"""Markov attribution: hand-computed chains, a brute-force removal computation written here, and the
ChannelAttribution package (a simulation of the same chain) on the same paths."""

from __future__ import annotations

import contextlib
import io
import random
from collections import defaultdict
from datetime import timedelta

import numpy as np
import pytest

from analyticaflow.attribution import attribute, build_journeys
from analyticaflow.attribution.markov import PathSet, paths_of, solve
from analyticaflow.attribution.segments import group_identical
from tests.attribution.builders import order, path_journeys, shares, touch
from tests.plugins.servers import service_missing


def test_hand_computed_chain():
    # start -> A (2/3), B (1/3); A -> B (1/2), null (1/2); B -> conversion.
    # P(conv) = 2/3 * 1/2 + 1/3 = 2/3. Without A: 1/3 (effect 1/2). Without B: 0 (effect 1).
    # Conversions: 2 * (1/2) / (3/2) = 2/3 for A, 4/3 for B.
    # Value: both conversions come from B, mean value (30 + 10) / 2 = 20; E[value] = 2/3 * 20 = 40/3.
    # Without A: 20/3 (effect 1/2); without B: 0 (effect 1). Value 40 split 1 : 2.
    result = attribute(journeys=path_journeys([(["A", "B"], 30.0), (["B"], 10.0)], [["A"]]), model="markov")
    assert shares(result) == pytest.approx({"A": 2 / 3, "B": 4 / 3})
    assert shares(result, "value") == pytest.approx({"A": 40 / 3, "B": 80 / 3})
    assert result.diagnostics["removal_effect_conversions"] == pytest.approx({"A": 0.5, "B": 1.0})
    assert result.diagnostics["removal_effect_value"] == pytest.approx({"A": 0.5, "B": 1.0})


def test_value_follows_the_channel_conversions_come_from():
    # start -> A (2/3), B (1/3); A -> conversion (1/2, worth 100), null (1/2); B -> conversion (worth 1).
    # P(conv) = 2/3; without A: 1/3, without B: 1/3 -> effects 1/2 each -> one conversion each.
    # E[value] = 2/3 * 1/2 * 100 + 1/3 * 1 = 101/3; without A: 1/3, without B: 100/3
    # -> effects 100/101 and 1/101 -> the value 101 splits 100 : 1.
    result = attribute(journeys=path_journeys([(["A"], 100.0), (["B"], 1.0)], [["A"]]), model="markov")
    assert shares(result) == pytest.approx({"A": 1.0, "B": 1.0})
    assert shares(result, "value") == pytest.approx({"A": 100.0, "B": 1.0})


def test_consecutive_repeats_collapse_into_one_state():
    repeated = attribute(journeys=path_journeys([(["A", "A", "B", "B", "A"], 5.0), (["B"], 1.0)], [["A", "A"]]),
                         model="markov")
    collapsed = attribute(journeys=path_journeys([(["A", "B", "A"], 5.0), (["B"], 1.0)], [["A"]]), model="markov")
    assert shares(repeated) == pytest.approx(shares(collapsed))
    assert shares(repeated, "value") == pytest.approx(shares(collapsed, "value"))
    probabilities = solve(paths_of(path_journeys([(["A", "A", "B"], 1.0)]))).transition_probabilities
    assert probabilities[0, 0] == 0.0 and probabilities[0, 1] == 1.0  # A -> A never, A -> B always


def test_weighted_distinct_paths_give_the_same_chain_as_every_journey():
    converting, non_converting = random_paths(5, 300, ["google", "facebook", "email", "direct"])
    every = paths_of(path_journeys(converting, non_converting))
    groups = group_identical(every.offsets, every.codes, every.n_channels)
    n = len(groups.offsets) - 1
    # Distinct paths with their weights, plus an empty path of weight zero (it must change nothing).
    weighted = PathSet(offsets=np.r_[0, groups.offsets], codes=groups.codes, n_channels=every.n_channels,
                       conversions=np.r_[0.0, np.bincount(groups.inverse, every.conversions, minlength=n)],
                       value=np.r_[0.0, np.bincount(groups.inverse, every.value, minlength=n)],
                       nulls=np.r_[0.0, np.bincount(groups.inverse, every.nulls, minlength=n)])
    assert n < len(every.offsets) - 1
    expected, got = solve(every), solve(weighted)
    assert got.transition_probabilities == pytest.approx(expected.transition_probabilities)
    assert got.conversion_credit == pytest.approx(expected.conversion_credit)
    assert got.value_credit == pytest.approx(expected.value_credit)


def test_conversion_without_touchpoint_is_the_path_direct():
    no_touch = attribute(journeys=path_journeys([([], 10.0), (["email"], 5.0)], [["email"]]), model="markov")
    explicit = attribute(journeys=path_journeys([(["direct"], 10.0), (["email"], 5.0)], [["email"]]), model="markov")
    assert shares(no_touch) == pytest.approx(shares(explicit))
    assert shares(no_touch) == pytest.approx({"direct": 1.0, "email": 1.0})


def test_campaigns_share_their_channels_credit():
    hour = timedelta(hours=1)
    touches = [
        touch("a1", "p", 3 * hour, "google", "brand"), touch("a2", "p", 2 * hour, "google", "generic"),
        touch("a3", "p", hour, "email", "news"),
        touch("b1", "q", hour, "google", "brand"),
        touch("c1", "v", hour, "bing", "spring"), touch("c2", "v", hour / 2, "email", "news"),
    ]
    journeys = build_journeys(touchpoints=touches, conversions=[order("o1", "p", 30.0), order("o2", "q", 10.0)])
    result = attribute(journeys=journeys, model="markov")
    google = result.channel("google")
    campaigns = {(c.channel, c.campaign): (c.conversions, c.value) for c in result.campaigns}
    # google touchpoints on converting journeys: o1 (worth 30) brand and generic, o2 (worth 10) brand.
    # Conversions: brand 2 of 3 touchpoints; value: brand 30 + 10 of 30 + 30 + 10.
    assert campaigns[("google", "brand")] == pytest.approx((google.conversions * 2 / 3, google.value * 4 / 7))
    assert campaigns[("google", "generic")] == pytest.approx((google.conversions / 3, google.value * 3 / 7))
    # bing is only on a non-converting path, yet leads to email: its credit goes to its campaign there.
    assert result.channel("bing").conversions > 0
    assert campaigns[("bing", "spring")] == pytest.approx(
        (result.channel("bing").conversions, result.channel("bing").value))
    assert sum(c[0] for c in campaigns.values()) == pytest.approx(2.0)
    assert sum(c[1] for c in campaigns.values()) == pytest.approx(40.0)


def test_no_conversions_gives_no_credit():
    result = attribute(journeys=path_journeys([], [["A", "B"], ["B"]]), model="markov")
    assert shares(result) == {}
    assert result.total_conversions == 0.0


# --- independent computations -------------------------------------------------------------------------------

def random_paths(seed: int, n_paths: int, channels: list[str]) -> tuple[list[tuple[list[str], float]], list[list[str]]]:
    rng = random.Random(seed)
    weights = [rng.random() + 0.2 for _ in channels]
    converting, non_converting = [], []
    for _ in range(n_paths):
        path = rng.choices(channels, weights=weights, k=rng.randint(0, 6))
        converts = rng.random() < 0.15 + 0.1 * path.count(channels[0]) + 0.05 * len(set(path))
        if converts:
            converting.append((path, round(rng.uniform(5, 200), 2)))
        elif path:
            non_converting.append(path)
    return converting, non_converting


def brute_force_markov(converting, non_converting):
    """Removal effects by definition: rebuild the chain without the channel and solve it by value iteration."""
    counts = defaultdict(lambda: defaultdict(float))
    value_from = defaultdict(float)
    conversions_from = defaultdict(float)

    def walk(path, end):
        states = ["(start)"]
        for channel in path or ["direct"]:
            if channel != states[-1]:
                states.append(channel)
        for here, there in zip(states, [*states[1:], end], strict=True):
            counts[here][there] += 1
        return states[-1]

    for path, value in converting:
        last = walk(path, "(conversion)")
        value_from[last] += value
        conversions_from[last] += 1
    for path in non_converting:
        walk(path, "(null)")
    channels = sorted({state for state in counts if state != "(start)"})
    mean_value = {c: value_from[c] / conversions_from[c] if conversions_from[c] else 0.0 for c in channels}

    def expected(removed, reward):
        x = {c: 0.0 for c in channels}
        for _ in range(20_000):
            new = {}
            for here in channels:
                if here == removed:
                    new[here] = 0.0
                    continue
                total = sum(counts[here].values())
                new[here] = sum(n / total * (reward(here) if there == "(conversion)" else
                                             0.0 if there in ("(null)", removed) else x[there])
                                for there, n in counts[here].items())
            change = max((abs(new[c] - x[c]) for c in channels), default=0.0)
            x = new
            if change < 1e-15:
                break
        start = counts["(start)"]
        total = sum(start.values())
        return sum(n / total * (0.0 if c == removed else x[c]) for c, n in start.items())

    credit = {}
    for field, reward, total in (("conversions", lambda c: 1.0, len(converting)),
                                 ("value", lambda c: mean_value[c], sum(v for _, v in converting))):
        base = expected(None, reward)
        effects = {c: 1 - expected(c, reward) / base for c in channels}
        mass = sum(effects.values())
        credit[field] = {c: effects[c] / mass * total for c in channels if effects[c] > 1e-15}
    return credit


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_matches_brute_force_removal(seed):
    converting, non_converting = random_paths(seed, 120, ["google", "facebook", "email", "direct", "bing"])
    expected = brute_force_markov(converting, non_converting)
    result = attribute(journeys=path_journeys(converting, non_converting), model="markov")
    assert shares(result) == pytest.approx(expected["conversions"], rel=1e-9, abs=1e-9)
    assert shares(result, "value") == pytest.approx(expected["value"], rel=1e-9, abs=1e-9)


@pytest.fixture(scope="module")
def channel_attribution():
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            import ChannelAttribution
    except ImportError:
        service_missing("the ChannelAttribution package (pip install channelattribution==2.2.5)")
    return ChannelAttribution


def package_table(converting, non_converting):
    """The package's input: one row per distinct path string with its conversions, value and null count.
    Paths are passed uncollapsed (the package collapses repeats itself); no touchpoint is the path "direct"."""
    import pandas as pd

    rows = defaultdict(lambda: [0, 0.0, 0])
    for path, value in converting:
        row = rows[" > ".join(path or ["direct"])]
        row[0] += 1
        row[1] += value
    for path in non_converting:
        rows[" > ".join(path)][2] += 1
    return pd.DataFrame([(path, *row) for path, row in rows.items()],
                        columns=["path", "total_conversions", "total_conversion_value", "total_null"])


@pytest.mark.parametrize("seed", [11, 12])
def test_agrees_with_the_channel_attribution_package(channel_attribution, seed):
    converting, non_converting = random_paths(seed, 400, ["google", "facebook", "email", "direct", "bing", "tiktok"])
    total_conversions = len(converting)
    total_value = sum(value for _, value in converting)
    # Settings: first order like ours; 1e6 simulated walks with a fixed seed; max_step=100 so that no simulated
    # walk is cut short (by default the package stops walks at the longest observed path length and counts
    # them as non-converting, which biases removal effects downwards on chains with loops).
    with contextlib.redirect_stdout(io.StringIO()):
        reference = channel_attribution.markov_model(
            package_table(converting, non_converting), "path", "total_conversions",
            var_value="total_conversion_value", var_null="total_null", order=1, nsim_start=1e6, max_step=100,
            out_more=True, seed=5, ncore=1, verbose=False, flg_pro=False)
    expected = reference["result"].set_index("channel_name")
    result = attribute(journeys=path_journeys(converting, non_converting), model="markov")
    for channel, row in expected.iterrows():
        ours = result.channel(channel)
        # Simulation noise of 1e6 walks is far below one percentage point of the shares.
        assert ours.conversions / total_conversions == pytest.approx(row["total_conversions"] / total_conversions,
                                                                     abs=0.01)
        assert ours.value / total_value == pytest.approx(row["total_conversion_value"] / total_value, abs=0.01)
    effects = reference["removal_effects"].set_index("channel_name")["removal_effects_conversion"]
    assert result.diagnostics["removal_effect_conversions"] == pytest.approx(effects.to_dict(), abs=0.01)
