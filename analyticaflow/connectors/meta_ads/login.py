"""Facebook Login and Graph API plumbing shared by the Meta Ads and Instagram connectors."""

from __future__ import annotations

from typing import ClassVar

from analyticaflow.connectors.auth import QueryTokenAuth, TokenHolder
from analyticaflow.connectors.base import Connector
from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.http import Auth, ResponsePolicy
from analyticaflow.connectors.meta_ads.graph import GraphPolicy
from analyticaflow.connectors.oauth import OAuth2Settings, TokenEndpoint
from analyticaflow.connectors.secret import Secret


class FacebookLoginConnector(Connector):
    """Graph API connectors: the token travels as ``access_token``; long-lived user tokens are never refreshed."""

    refreshable = False  # ~60-day user tokens have no refresh token: an expired one means reconnecting
    scopes: ClassVar[tuple[str, ...]] = ()

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
