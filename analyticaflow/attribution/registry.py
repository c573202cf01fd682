"""The model registry and the two ways a model's credit reaches channels and campaigns.

A model is a function ``(journeys, options) -> ModelCredit`` registered under its name. Touchpoint models
(first_touch, linear, ...) give every touchpoint a share of its conversion; ``credit_from_shares`` turns those
into channel and campaign credit. Models that credit channels as a whole (markov, shapley) split each
channel's credit over its campaigns with ``split_by_campaign``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from analyticaflow.attribution.contracts import AttributionOptions
from analyticaflow.attribution.journeys import JourneySet
from analyticaflow.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class ModelCredit:
    """Credit indexed by channel code and by (channel, campaign) pair code of the journeys."""

    channel_conversions: np.ndarray
    channel_value: np.ndarray
    pair_conversions: np.ndarray
    pair_value: np.ndarray
    diagnostics: Mapping[str, Mapping[str, float]] = field(default_factory=dict)


ModelFunction = Callable[[JourneySet, AttributionOptions], ModelCredit]
MODELS: dict[str, ModelFunction] = {}


def register(name: str) -> Callable[[ModelFunction], ModelFunction]:
    def decorate(function: ModelFunction) -> ModelFunction:
        if name in MODELS:
            raise ValueError(f"attribution model {name!r} is registered twice")
        MODELS[name] = function
        return function

    return decorate


def model_named(name: str) -> ModelFunction:
    try:
        return MODELS[name]
    except KeyError:
        expected = ", ".join(sorted(MODELS))
        raise InvalidInput(f"Unknown attribution model {name!r}.",
                           fields={"model": [f"must be one of: {expected}"]}) from None


def credit_from_shares(journeys: JourneySet, shares: np.ndarray) -> ModelCredit:
    """Touchpoint shares (summing to 1 per conversion) times one conversion and its value."""
    value_shares = shares * journeys.conversion_value[journeys.touch_conversion]
    pair_conversions = _sum_by(journeys.touch_pair, shares, journeys.n_pairs)
    pair_value = _sum_by(journeys.touch_pair, value_shares, journeys.n_pairs)
    return ModelCredit(
        channel_conversions=_sum_by(journeys.touch_channel, shares, journeys.n_channels),
        channel_value=_sum_by(journeys.touch_channel, value_shares, journeys.n_channels),
        pair_conversions=pair_conversions,
        pair_value=pair_value,
    )


def split_by_campaign(journeys: JourneySet, channel_credit: np.ndarray,
                      mixes: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Split each channel's credit over its campaigns in proportion to a campaign mix.

    ``mixes`` are (pair codes, weights) per touchpoint, tried in order: a channel whose weights all
    are zero under one mix falls back to the next (e.g. a channel seen only on non-converting paths).
    """
    pair_channel = pair_channels(journeys)
    pair_weight = np.zeros(journeys.n_pairs)
    settled = np.zeros(journeys.n_channels, dtype=bool)
    for pair_codes, weights in mixes:
        weight = _sum_by(pair_codes, weights, journeys.n_pairs)
        channel_weight = _sum_by(pair_channel, weight, journeys.n_channels)
        usable = (channel_weight > 0) & ~settled
        take = usable[pair_channel]
        pair_weight[take] = weight[take] / channel_weight[pair_channel[take]]
        settled |= usable
    return channel_credit[pair_channel] * pair_weight


def pair_channels(journeys: JourneySet) -> np.ndarray:
    index = {name: code for code, name in enumerate(journeys.channels)}
    return np.array([index[channel] for channel, _ in journeys.pairs], dtype=np.int64)


def _sum_by(codes: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=size).astype(np.float64)
