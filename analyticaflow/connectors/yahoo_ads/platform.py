"""Yahoo! JAPAN Ads: OAuth 2.0 (Business ID, refresh tokens), Search and Display products, 30-day restatement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework import serializers

from analyticaflow.connectors.base import Connector, Endpoints
from analyticaflow.connectors.http import ResponsePolicy
from analyticaflow.connectors.oauth import OAuth2Settings
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.streams import ad_spend_stream
from analyticaflow.connectors.yahoo_ads.normalize import normalize_pages
from analyticaflow.connectors.yahoo_ads.policy import YahooAdsPolicy
from analyticaflow.connectors.yahoo_ads.sync import PRODUCT_REPORT_OPTIONS, YahooAdsSession


class YahooAdsSettings(serializers.Serializer):
    account_id = serializers.RegexField(r"^\d{4,20}$", required=False,
                                       error_messages={"invalid": "Expected the numeric ad account id."})
    products = serializers.ListField(child=serializers.ChoiceField(choices=tuple(PRODUCT_REPORT_OPTIONS)),
                                     min_length=1, default=list(PRODUCT_REPORT_OPTIONS))


class YahooAdsConnector(Connector):
    name = "yahoo_ads"
    label = "Yahoo! JAPAN Ads"
    settings_prefix = "YAHOO_ADS"
    default_endpoints = Endpoints(api_url="https://ads-search.yahooapis.jp", oauth_url="https://biz-oauth.yahoo.co.jp",
                                  version="v20", extra={"DISPLAY_API_URL": "https://ads-display.yahooapis.jp"})
    restatement_days = 30  # conversions keep arriving for the measurement window; invalid clicks are credited later
    backfill_chunk_days = 31
    streams = (ad_spend_stream("report"),)
    settings_serializer = YahooAdsSettings
    session_class = YahooAdsSession

    @property
    def auth_settings(self) -> OAuth2Settings:
        oauth = self.endpoints.oauth_url
        return OAuth2Settings(authorize_url=f"{oauth}/oauth/v1/authorize", token_url=f"{oauth}/oauth/v1/token",
                              scopes=("yahooads",))

    def response_policy(self) -> ResponsePolicy:
        return YahooAdsPolicy(self.name)

    def normalize(self, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> list[Any]:
        return normalize_pages(pages)
