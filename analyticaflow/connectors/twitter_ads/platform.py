"""X Ads: OAuth 1.0a (tokens never expire, never refresh), settings, 7-day restatement window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework import serializers

from analyticaflow.connectors.auth import OAuth1Auth, TokenHolder
from analyticaflow.connectors.base import Connector, Endpoints
from analyticaflow.connectors.http import Auth, ResponsePolicy
from analyticaflow.connectors.oauth import OAuth1Settings
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.streams import ad_spend_stream
from analyticaflow.connectors.twitter_ads.normalize import normalize_pages
from analyticaflow.connectors.twitter_ads.policy import TwitterAdsPolicy
from analyticaflow.connectors.twitter_ads.sync import TwitterAdsSession


class TwitterAdsSettings(serializers.Serializer):
    account_id = serializers.RegexField(r"^[0-9a-z]{1,20}$", required=False,
                                       error_messages={"invalid": "Expected a base-36 ad account id like 18ce54d4x5t."})
    clicks_metric = serializers.ChoiceField(choices=("url_clicks", "clicks"), default="url_clicks")
    async_after_days = serializers.IntegerField(min_value=7, max_value=90, default=14)


class TwitterAdsConnector(Connector):
    name = "twitter_ads"
    label = "X Ads"
    settings_prefix = "TWITTER_ADS"
    default_endpoints = Endpoints(api_url="https://ads-api.x.com", oauth_url="https://api.x.com", version="12")
    restatement_days = 7  # billed charges are estimates for up to 3 days; metrics settle within a week
    backfill_chunk_days = 90  # one async job window
    streams = (ad_spend_stream("stats"),)
    settings_serializer = TwitterAdsSettings
    session_class = TwitterAdsSession
    refreshable = False

    @property
    def auth_settings(self) -> OAuth1Settings:
        oauth = self.endpoints.oauth_url
        return OAuth1Settings(request_token_url=f"{oauth}/oauth/request_token",
                              authorize_url=f"{oauth}/oauth/authorize", access_token_url=f"{oauth}/oauth/access_token")

    def build_auth(self, holder: TokenHolder) -> Auth:
        return OAuth1Auth(holder, app=self.app)

    def response_policy(self) -> ResponsePolicy:
        return TwitterAdsPolicy(self.name)

    def normalize(self, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> list[Any]:
        return normalize_pages(pages, self.validate_settings(settings))
