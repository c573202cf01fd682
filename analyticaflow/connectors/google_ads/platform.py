"""Google Ads: OAuth 2.0 with PKCE and refresh tokens, developer token, customer ids, 30-day restatement."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework import serializers

from analyticaflow.connectors.base import Connector, Endpoints
from analyticaflow.connectors.google_ads.normalize import normalize_pages
from analyticaflow.connectors.google_ads.policy import GoogleAdsPolicy
from analyticaflow.connectors.google_ads.sync import LEVELS, GoogleAdsSession
from analyticaflow.connectors.http import ResponsePolicy
from analyticaflow.connectors.oauth import OAuth2Settings
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.streams import ad_spend_stream

CUSTOMER_ID = re.compile(r"^\d{3}-?\d{3}-?\d{4}$")


class CustomerIdField(serializers.CharField):
    """``123-456-7890`` or ``1234567890`` → ``1234567890`` (the form URLs, headers and GAQL use)."""

    default_error_messages = {"invalid": "Expected a 10-digit customer id like 123-456-7890."}

    def to_internal_value(self, data: Any) -> str:
        text = super().to_internal_value(data).strip()
        if not CUSTOMER_ID.match(text):
            self.fail("invalid")
        return text.replace("-", "")


class GoogleAdsSettings(serializers.Serializer):
    customer_id = CustomerIdField(required=False)
    login_customer_id = CustomerIdField(required=False)
    level = serializers.ChoiceField(choices=tuple(LEVELS), default="campaign")


class GoogleAdsConnector(Connector):
    name = "google_ads"
    label = "Google Ads"
    settings_prefix = "GOOGLE_ADS"
    default_endpoints = Endpoints(api_url="https://googleads.googleapis.com",
                                  oauth_url="https://accounts.google.com/o/oauth2/v2/auth",
                                  token_url="https://oauth2.googleapis.com/token", version="v26")
    restatement_days = 30  # conversions land on the click date within the conversion window (default 30 days)
    backfill_chunk_days = 31
    streams = (ad_spend_stream("campaign_metrics"),)
    settings_serializer = GoogleAdsSettings
    session_class = GoogleAdsSession

    @property
    def auth_settings(self) -> OAuth2Settings:
        return OAuth2Settings(authorize_url=self.endpoints.oauth_url, token_url=self.endpoints.token_url,
                              scopes=("https://www.googleapis.com/auth/adwords",), pkce=True,
                              authorize_params={"access_type": "offline", "prompt": "consent"})

    def client_headers(self) -> dict[str, str]:
        token = self.app.developer_token.reveal() if self.app.developer_token else ""
        return {"developer-token": token} if token else {}

    def response_policy(self) -> ResponsePolicy:
        return GoogleAdsPolicy(self.name)

    def normalize(self, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> list[Any]:
        return normalize_pages(pages, self.validate_settings(settings))
