"""Meta Ads: settings, restatement window, streams (OAuth and Graph plumbing in ``login``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework import serializers

from analyticaflow.connectors.base import Endpoints
from analyticaflow.connectors.meta_ads.login import FacebookLoginConnector
from analyticaflow.connectors.meta_ads.normalize import DEFAULT_CONVERSION_ACTION_TYPES, normalize_pages
from analyticaflow.connectors.meta_ads.sync import MetaAdsSession
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.streams import ad_spend_stream

ATTRIBUTION_WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view", "1d_ev")


class AdAccountIdField(serializers.RegexField):
    default_error_messages = {"invalid": "Expected an ad account id like act_1234567890 or 1234567890."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(r"^(act_)?\d{1,20}$", **kwargs)

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data).removeprefix("act_")


class MetaAdsSettings(serializers.Serializer):
    ad_account_id = AdAccountIdField(required=False)
    level = serializers.ChoiceField(choices=("campaign", "adset", "ad"), default="campaign")
    clicks_metric = serializers.ChoiceField(choices=("clicks", "inline_link_clicks"), default="clicks")
    conversion_action_types = serializers.ListField(
        child=serializers.CharField(max_length=100), min_length=1, max_length=10,
        default=list(DEFAULT_CONVERSION_ACTION_TYPES))
    action_attribution_windows = serializers.ListField(
        child=serializers.ChoiceField(choices=ATTRIBUTION_WINDOWS), required=False, max_length=5)
    page_size = serializers.IntegerField(min_value=1, max_value=5000, default=500)


class MetaAdsConnector(FacebookLoginConnector):
    name = "meta_ads"
    label = "Meta Ads"
    settings_prefix = "META"
    default_endpoints = Endpoints(api_url="https://graph.facebook.com", oauth_url="https://www.facebook.com",
                                  version="v25.0")
    restatement_days = 28  # conversions are credited back to the ad interaction day within 28 days
    backfill_chunk_days = 30
    streams = (ad_spend_stream("insights"),)
    settings_serializer = MetaAdsSettings
    session_class = MetaAdsSession
    scopes = ("ads_read", "business_management")

    def normalize(self, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> list[Any]:
        return normalize_pages(pages, self.validate_settings(settings))
