"""First-order Markov attribution by removal effect, solved exactly as an absorbing chain.

The chain. States: ``(start)``, one per channel, and two absorbing states ``(conversion)`` and ``(null)``.
Every converting journey is a path start > c1 > ... > cm > conversion (a conversion without touchpoints is
the path ``direct``), every non-converting path ends in null; consecutive repeats of a channel collapse
into one state. Transition probabilities are the observed transition counts, normalized per state.

Value. A conversion reached from channel s is worth the mean value of the observed conversions whose last
channel is s; the expected value of a walk is therefore E[value] = sum over s of P(walk converts from s) * mean_s.

Removal effect. Removing channel k sends every walk that reaches k to null, so
P(conversion) - P_without_k(conversion) = P(walk visits k and converts). With N = (I - Q)^-1 the fundamental
matrix over channel states, x = N r the conversion probability from each state (r: one-step conversion
probabilities) and s the start distribution:
    P(visit k) = (s N)_k / N_kk      (expected visits over visits per visit)
    P(visit k and convert) = P(visit k) * x_k   (the walk forgets how it reached k)
and the same with value (r_s * mean_s) instead of r. One matrix inverse yields every channel's removal effect
with no simulation. Credits are the removal effects normalized to total conversions and total value.
The chain has one state per channel (tens, rarely thousands), so a dense inverse is the fast choice; the
paths, which are millions, are aggregated with vectorized numpy counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyticaflow.attribution.contracts import AttributionOptions
from analyticaflow.attribution.journeys import JourneySet
from analyticaflow.attribution.registry import ModelCredit, register, split_by_campaign


@dataclass(frozen=True, slots=True)
class PathSet:
    """Weighted paths over channel codes ``0..n_channels-1``: path i is ``codes[offsets[i]:offsets[i+1]]``,
    observed ``conversions[i]`` times converting (worth ``value[i]`` in total) and ``nulls[i]`` times not."""

    offsets: np.ndarray
    codes: np.ndarray
    conversions: np.ndarray
    value: np.ndarray
    nulls: np.ndarray
    n_channels: int


@dataclass(frozen=True, slots=True)
class MarkovSolution:
    conversion_credit: np.ndarray
    value_credit: np.ndarray
    removal_effect_conversions: np.ndarray
    removal_effect_value: np.ndarray
    conversion_probability: float
    transition_probabilities: np.ndarray


def paths_of(journeys: JourneySet) -> PathSet:
    """Converting journeys (one conversion each, with its value) followed by the non-converting paths."""
    n_conv, n_null = journeys.n_conversions, len(journeys.null_offsets) - 1
    return PathSet(
        offsets=np.concatenate([journeys.offsets[:-1], journeys.null_offsets + journeys.offsets[-1]]),
        codes=np.concatenate([journeys.touch_channel, journeys.null_channel]),
        conversions=np.concatenate([np.ones(n_conv), np.zeros(n_null)]),
        value=np.concatenate([journeys.conversion_value, np.zeros(n_null)]),
        nulls=np.concatenate([np.zeros(n_conv), np.ones(n_null)]),
        n_channels=journeys.n_channels,
    )


def transition_counts(paths: PathSet) -> tuple[np.ndarray, np.ndarray]:
    """Counts of the collapsed chain, rows (channels..., start) x columns (channels..., conversion, null),
    and per channel the total value of conversions reached from it.

    Collapsing consecutive repeats (A > A > B into A > B) removes exactly the A -> A transitions and changes
    neither a path's first nor its last channel, so the counts are taken on the paths as they are and the
    self-transitions dropped: no collapsed copy of millions of paths is ever built."""
    n = paths.n_channels
    width = n + 2
    codes = paths.codes
    lengths = np.diff(paths.offsets)
    filled = lengths > 0
    walks = paths.conversions + paths.nulls
    step_weight = np.repeat(walks, lengths)[1:]
    boundaries = paths.offsets[1:-1]
    step_weight[boundaries[(lengths[1:] > 0) & (boundaries > 0)] - 1] = 0.0  # no step from a path into the next
    steps = np.bincount(codes[:-1] * width + codes[1:], weights=step_weight, minlength=n * width)
    counts = np.zeros((n + 1, width))
    counts[:n] = steps.reshape(n, width)
    counts[np.arange(n), np.arange(n)] = 0.0
    first = codes[paths.offsets[:-1][filled]]
    last = codes[paths.offsets[1:][filled] - 1]
    counts[n, :n] = np.bincount(first, weights=walks[filled], minlength=n)
    counts[:n, n] = np.bincount(last, weights=paths.conversions[filled], minlength=n)
    counts[:n, n + 1] = np.bincount(last, weights=paths.nulls[filled], minlength=n)
    value_from = np.bincount(last, weights=paths.value[filled], minlength=n)
    return counts, value_from


def solve(paths: PathSet) -> MarkovSolution:
    n = paths.n_channels
    counts, value_from = transition_counts(paths)
    leaving = counts.sum(axis=1)
    unseen = leaving == 0
    counts[unseen, n + 1] = 1.0  # a state no walk ever left behaves as null (keeps I - Q invertible)
    probabilities = counts / counts.sum(axis=1, keepdims=True)
    q = probabilities[:n, :n]
    one_step = probabilities[:n, n]
    one_step_value = np.divide(value_from, leaving[:n], out=np.zeros(n), where=leaving[:n] > 0)
    fundamental = np.linalg.inv(np.eye(n) - q)
    to_conversion = fundamental @ one_step
    to_value = fundamental @ one_step_value
    start = probabilities[n, :n]
    visit = (start @ fundamental) / np.diag(fundamental) if n else np.zeros(0)
    removed_conversions = visit * to_conversion
    removed_value = visit * to_value
    p_conversion = float(start @ to_conversion) if n else 0.0
    expected_value = float(start @ to_value) if n else 0.0
    total_conversions, total_value = float(paths.conversions.sum()), float(paths.value.sum())
    return MarkovSolution(
        conversion_credit=_normalized(removed_conversions, total_conversions),
        value_credit=_normalized(removed_value, total_value),
        removal_effect_conversions=removed_conversions / p_conversion if p_conversion > 0 else np.zeros(n),
        removal_effect_value=removed_value / expected_value if expected_value > 0 else np.zeros(n),
        conversion_probability=p_conversion,
        transition_probabilities=probabilities,
    )


@register("markov")
def markov(journeys: JourneySet, options: AttributionOptions) -> ModelCredit:
    """Channels get their removal-effect credit; a channel's campaigns share it in proportion to the channel's
    touchpoints on converting journeys (k touchpoints, k shares; weighted by conversion for conversions and by
    conversion value for value), falling back to its non-converting paths for a channel never on a converting
    journey (such a channel can still lead walks to channels that convert)."""
    solution = solve(paths_of(journeys))
    by_conversion = (journeys.touch_pair, np.ones(len(journeys.touch_pair)))
    by_value = (journeys.touch_pair, journeys.conversion_value[journeys.touch_conversion])
    by_null_path = (journeys.null_pair, np.ones(len(journeys.null_pair)))
    names = journeys.channels
    return ModelCredit(
        channel_conversions=solution.conversion_credit,
        channel_value=solution.value_credit,
        pair_conversions=split_by_campaign(journeys, solution.conversion_credit, [by_conversion, by_null_path]),
        pair_value=split_by_campaign(journeys, solution.value_credit, [by_value, by_conversion, by_null_path]),
        diagnostics={
            "removal_effect_conversions": dict(zip(names, solution.removal_effect_conversions.tolist(), strict=True)),
            "removal_effect_value": dict(zip(names, solution.removal_effect_value.tolist(), strict=True)),
        },
    )


def _normalized(effects: np.ndarray, total: float) -> np.ndarray:
    mass = effects.sum()
    return effects / mass * total if mass > 0 else np.zeros_like(effects)
