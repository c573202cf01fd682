"""Multi-touch attribution: journeys from touchpoints and conversions, and the models that credit channels.

Public interface (other capabilities import from here):
    build_journeys / journeys_from_columns / non_converting_path   -> JourneySet
    attribute / attribute_all / model_names                          -> AttributionResult
    Touchpoint, Conversion, AttributionOptions, AttributionResult, ChannelCredit, CampaignCredit, DIRECT
"""

from analyticaflow.attribution.contracts import (
    DEFAULT_LOOKBACK,
    DIRECT,
    AttributionOptions,
    AttributionResult,
    CampaignCredit,
    ChannelCredit,
    Conversion,
    Touchpoint,
)
from analyticaflow.attribution.journeys import (
    ConversionColumns,
    JourneySet,
    TouchpointColumns,
    build_journeys,
    journeys_from_columns,
    non_converting_path,
)
from analyticaflow.attribution.services import attribute, attribute_all, model_names

__all__ = [
    "DEFAULT_LOOKBACK",
    "DIRECT",
    "AttributionOptions",
    "AttributionResult",
    "CampaignCredit",
    "ChannelCredit",
    "Conversion",
    "ConversionColumns",
    "JourneySet",
    "Touchpoint",
    "TouchpointColumns",
    "attribute",
    "attribute_all",
    "build_journeys",
    "journeys_from_columns",
    "model_names",
    "non_converting_path",
]
