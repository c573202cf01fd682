"""Entry points of the attribution engine: run one model, or every model side by side.

Pure computation over ``JourneySet`` (see ``journeys.build_journeys``); the report layer owns the warehouse
queries and the join with spend.
"""

from __future__ import annotations

from collections.abc import Sequence

# Each model module registers its models on import; this order is the order of model_names().
from analyticaflow.attribution import heuristics, markov, shapley  # noqa: F401
from analyticaflow.attribution.contracts import AttributionOptions, AttributionResult, CampaignCredit, ChannelCredit
from analyticaflow.attribution.journeys import JourneySet
from analyticaflow.attribution.registry import MODELS, ModelCredit, model_named

_DEFAULT_OPTIONS = AttributionOptions()


def model_names() -> tuple[str, ...]:
    """Every registered model, in the order the issue lists them."""
    return tuple(MODELS)


def attribute(*, journeys: JourneySet, model: str, options: AttributionOptions = _DEFAULT_OPTIONS) -> AttributionResult:
    """Credit of ``model`` per channel and per (channel, campaign); sums equal total conversions and value."""
    credit = model_named(model)(journeys, options)
    return _result(model, journeys, credit)


def attribute_all(*, journeys: JourneySet, models: Sequence[str] | None = None,
                  options: AttributionOptions = _DEFAULT_OPTIONS) -> dict[str, AttributionResult]:
    """Several models over the same journeys (all registered models by default), keyed by model name."""
    chosen = model_names() if models is None else tuple(models)
    functions = [model_named(name) for name in chosen]
    return {name: _result(name, journeys, function(journeys, options)) for name, function in zip(chosen, functions,
                                                                                                 strict=True)}


def _result(model: str, journeys: JourneySet, credit: ModelCredit) -> AttributionResult:
    channels = tuple(
        ChannelCredit(channel=name, conversions=float(credit.channel_conversions[code]),
                      value=float(credit.channel_value[code]))
        for code, name in enumerate(journeys.channels)
    )
    campaigns = tuple(
        CampaignCredit(channel=channel, campaign=campaign, conversions=float(credit.pair_conversions[code]),
                       value=float(credit.pair_value[code]))
        for code, (channel, campaign) in enumerate(journeys.pairs)
    )
    return AttributionResult(model=model, total_conversions=float(journeys.n_conversions),
                             total_value=journeys.total_value, channels=channels, campaigns=campaigns,
                             diagnostics=credit.diagnostics)
