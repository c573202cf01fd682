"""Meta Ads: OAuth (Facebook Login, long-lived tokens, no refresh), settings, restatement window."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework import serializers

from analyticaflow.connectors.auth import QueryTokenAuth, TokenHolder
from analyticaflow.connectors.base import Connector, Endpoints
from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.http import Auth, ResponsePolicy
from analyticaflow.connectors.meta_ads.graph import GraphPolicy
from analyticaflow.connectors.meta_ads.normalize import DEFAULT_CONVERSION_ACTION_TYPES, normalize_pages
from analyticaflow.connectors.meta_ads.sync import MetaAdsSession
from analyticaflow.connectors.oauth import OAuth2Settings, TokenEndpoint
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.secret import Secret
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


class MetaAdsConnector(Connector):
    name = "meta_ads"
    label = "Meta Ads"
    settings_prefix = "META"
    default_endpoints = Endpoints(api_url="https://graph.facebook.com", oauth_url="https://www.facebook.com",
                                  version="v25.0")
    restatement_days = 28  # conversions are credited back to the ad interaction day within 28 days
    backfill_chunk_days = 30
    streams = (ad_spend_stream("insights"),)
    settings_serializer = MetaAdsSettings
    refreshable = False  # long-lived user tokens (~60 days) have no refresh token: expired means reconnect
    session_class = MetaAdsSession
    scopes: tuple[str, ...] = ("ads_read", "business_management")

    def graph_url(self, path: str) -> str:
        return f"{self.endpoints.api_url}/{self.endpoints.version}/{path.lstrip('/')}"

    @property
    def auth_settings(self) -> OAuth2Settings:
        return OAuth2Settings(
            authorize_url=f"{self.endpoints.oauth_url}/{self.endpoints.version}/dialog/oauth",
            token_url=self.endpoints.token_url or self.graph_url("oauth/access_token"),
            scopes=self.scopes, scope_separator=",", token_method="GET")

    def token_endpoint(self) -> TokenEndpoint:
        return TokenEndpoint(self.auth_settings, app=self.app, platform=self.name, options=self.options,
                             policy=GraphPolicy(self.name))

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: Secret | None) -> Credentials:
        """Code → short-lived token → long-lived token (about 60 days)."""
        endpoint = self.token_endpoint()
        short = endpoint.exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)
        long_lived = endpoint.call({"grant_type": "fb_exchange_token",
                                    "fb_exchange_token": short.access_token.reveal()})
        return endpoint.credentials_from(long_lived)

    def response_policy(self) -> ResponsePolicy:
        return GraphPolicy(self.name)

    def build_auth(self, holder: TokenHolder) -> Auth:
        return QueryTokenAuth(holder, param="access_token")

    def normalize(self, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> list[Any]:
        return normalize_pages(pages, self.validate_settings(settings))
