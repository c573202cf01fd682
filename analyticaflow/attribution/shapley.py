"""Shapley attribution over channel sets.

Characteristic function: v(S) = the conversions (and, as a second game, the value) of the converting
journeys whose set of channels is a subset of S. The grand coalition gets every conversion, the empty one
none, so the Shapley values sum to the totals; a journey's repeats and order do not matter.

Exact computation for up to ``SHAPLEY_BITMASK_MAX_CHANNELS`` channels works on bitmasks: the journeys'
channel sets are counted per mask (the Moebius coefficients of v), a subset-sum (zeta) transform gives v on
all 2^n coalitions, and phi_i = sum over S without i of |S|!(n-|S|-1)!/n! * (v(S + i) - v(S)) is evaluated
with array operations, never by enumerating permutations.

More channels: this v is a sum of unanimity games (one per journey), whose Shapley value is known in closed
form: each journey's conversion (and value) split equally over its distinct channels. That is the same exact
value, computed per journey in linear time, so large channel lists need no grouping and no error.

Campaigns: a channel's credit in a journey is shared equally by that channel's touchpoints in the journey.
"""

from __future__ import annotations

from math import factorial

import numpy as np

from analyticaflow.attribution.contracts import SHAPLEY_BITMASK_MAX_CHANNELS, AttributionOptions
from analyticaflow.attribution.journeys import JourneySet
from analyticaflow.attribution.registry import ModelCredit, register, split_by_campaign
from analyticaflow.attribution.segments import count_within, distinct_within, segment_reduce


def subset_sums(coefficients: np.ndarray) -> np.ndarray:
    """Zeta transform over bitmasks: out[S] = sum of coefficients[T] for T subset of S (axis 0 indexes masks)."""
    values = np.array(coefficients, dtype=np.float64, copy=True)
    n = int(values.shape[0]).bit_length() - 1
    for bit in range(n):
        view = values.reshape(1 << (n - bit - 1), 2, 1 << bit, *values.shape[1:])
        view[:, 1] += view[:, 0]
    return values


def shapley_from_game(game: np.ndarray) -> np.ndarray:
    """Exact Shapley values of the game ``game[S]`` (axis 0: 2^n coalitions as bitmasks; further axes: several
    games at once). Returns shape (n, ...)."""
    n = int(game.shape[0]).bit_length() - 1
    masks = np.arange(1 << n, dtype=np.int64)
    size = np.zeros(1 << n, dtype=np.int64)
    for bit in range(n):
        size += (masks >> bit) & 1
    weight_by_size = np.array([factorial(s) * factorial(n - s - 1) / factorial(n) for s in range(n)])
    values = np.zeros((n, *game.shape[1:]))
    for player in range(n):
        without = masks[((masks >> player) & 1) == 0]
        marginal = game[without | (1 << player)] - game[without]
        weights = weight_by_size[size[without]].reshape(-1, *([1] * (game.ndim - 1)))
        values[player] = (weights * marginal).sum(axis=0)
    return values


@register("shapley")
def shapley(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    n_codes = max(journeys.n_channels, 1)
    distinct = distinct_within(journeys.offsets, journeys.touch_channel, n_codes)
    repeats = count_within(journeys.offsets, journeys.touch_channel, n_codes)
    value = journeys.conversion_value
    per_touch = 1.0 / (distinct[journeys.touch_conversion] * repeats)
    per_touch_value = per_touch * value[journeys.touch_conversion]
    players = np.unique(journeys.touch_channel)
    if len(players) <= SHAPLEY_BITMASK_MAX_CHANNELS:
        channel_conversions, channel_value = _by_bitmask(journeys, players)
    else:
        channel_conversions = np.bincount(journeys.touch_channel, per_touch, minlength=journeys.n_channels)
        channel_value = np.bincount(journeys.touch_channel, per_touch_value, minlength=journeys.n_channels)
    return ModelCredit(
        channel_conversions=channel_conversions,
        channel_value=channel_value,
        pair_conversions=split_by_campaign(journeys, channel_conversions, [(journeys.touch_pair, per_touch)]),
        pair_value=split_by_campaign(journeys, channel_value, [(journeys.touch_pair, per_touch_value),
                                                              (journeys.touch_pair, per_touch)]),
    )


def _by_bitmask(journeys: JourneySet, players: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Channel credit (conversions, value) by the bitmask computation over the journeys' channels."""
    player_of = np.zeros(max(journeys.n_channels, 1), dtype=np.int64)
    player_of[players] = np.arange(len(players))
    bits = np.left_shift(np.int64(1), player_of[journeys.touch_channel])
    masks = segment_reduce(np.bitwise_or, bits, journeys.offsets, 0)
    size = 1 << len(players)
    coefficients = np.stack([np.bincount(masks, minlength=size).astype(np.float64),
                             np.bincount(masks, weights=journeys.conversion_value, minlength=size)], axis=1)
    values = shapley_from_game(subset_sums(coefficients))
    channel_conversions = np.zeros(journeys.n_channels)
    channel_value = np.zeros(journeys.n_channels)
    channel_conversions[players] = values[:, 0]
    channel_value[players] = values[:, 1]
    return channel_conversions, channel_value
