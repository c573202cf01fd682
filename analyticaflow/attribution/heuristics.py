"""Heuristic (rule-based) touchpoint models: each gives every touchpoint of a journey a share, the shares
of a journey summing to 1.

A channel appearing k times in a journey gets k shares (shares belong to touchpoints, not to channels).
Journeys are never empty: a conversion without touchpoints has one synthetic ``direct`` touchpoint.
"""

from __future__ import annotations

import numpy as np

from analyticaflow.attribution.contracts import AttributionOptions
from analyticaflow.attribution.journeys import JourneySet
from analyticaflow.attribution.registry import ModelCredit, credit_from_shares, register
from analyticaflow.attribution.segments import segment_reduce

POSITION_FIRST = 0.4
POSITION_LAST = 0.4
POSITION_MIDDLE = 1.0 - POSITION_FIRST - POSITION_LAST


@register("first_touch")
def first_touch(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    return credit_from_shares(journeys, (journeys.touch_position == 0).astype(np.float64))


@register("last_touch")
def last_touch(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    return credit_from_shares(journeys, _is_last(journeys).astype(np.float64))


@register("last_non_direct")
def last_non_direct(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    """The last touchpoint whose channel is not direct; a journey of direct touchpoints only: its last one."""
    index = np.arange(len(journeys.touch_channel), dtype=np.int64)
    non_direct = np.where(journeys.touch_channel != journeys.direct_code, index, -1)
    chosen = segment_reduce(np.maximum, non_direct, journeys.offsets, -1)
    chosen = np.where(chosen >= 0, chosen, journeys.offsets[1:] - 1)
    shares = np.zeros(len(index))
    shares[chosen] = 1.0
    return credit_from_shares(journeys, shares)


@register("linear")
def linear(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    return credit_from_shares(journeys, 1.0 / journeys.lengths[journeys.touch_conversion])


@register("time_decay")
def time_decay(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    """Weight 2^(-age_days / half_life), normalized per conversion.

    Ages are measured from the youngest touchpoint of each journey before exponentiating: the ratio between
    weights is unchanged, and long lookback windows cannot underflow every weight of a journey to zero.
    """
    age = journeys.touch_age_days
    youngest = segment_reduce(np.minimum, age, journeys.offsets, 0.0)
    weight = np.exp2(-(age - youngest[journeys.touch_conversion]) / options.half_life_days)
    total = segment_reduce(np.add, weight, journeys.offsets, 1.0)
    return credit_from_shares(journeys, weight / total[journeys.touch_conversion])


@register("position_based")
def position_based(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    """40% first, 40% last, 20% evenly over the middle; one touchpoint 100%, two 50/50."""
    length = journeys.lengths[journeys.touch_conversion]
    position = journeys.touch_position
    ends = (position == 0) | _is_last(journeys)
    middle_share = POSITION_MIDDLE / np.maximum(length - 2, 1)
    shares = np.where(length == 1, 1.0,
                      np.where(length == 2, 0.5,
                               np.where(position == 0, POSITION_FIRST,
                                        np.where(ends, POSITION_LAST, middle_share))))
    return credit_from_shares(journeys, shares)


def _is_last(journeys: JourneySet) -> np.ndarray:
    return journeys.touch_position == journeys.lengths[journeys.touch_conversion] - 1
