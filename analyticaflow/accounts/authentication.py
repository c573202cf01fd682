"""API authentication: secret project API keys (read-only) beside JWT and the UI session."""

from __future__ import annotations

from dataclasses import dataclass

from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from analyticaflow.accounts import selectors, services
from analyticaflow.accounts.models import API_KEY_PREFIX, ApiKey


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """The caller behind a secret API key: may read exactly one project, nothing else."""

    api_key: ApiKey
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False
    is_anonymous: bool = False

    @property
    def project_id(self) -> int:
        return self.api_key.project_id

    @property
    def pk(self) -> None:
        return None


class ProjectApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer sk_...`` or ``X-API-Key: sk_...``."""

    def authenticate(self, request: Request) -> tuple[ApiKeyPrincipal, ApiKey] | None:
        raw = request.headers.get("X-API-Key", "")
        if not raw:
            header = request.headers.get("Authorization", "")
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.startswith(API_KEY_PREFIX):
                return None
            raw = value
        api_key = selectors.api_key_by_hash(key_hash=services.hash_api_key(raw.strip()))
        if api_key is None:
            raise AuthenticationFailed("Invalid or revoked API key.")
        services.api_key_touch(api_key=api_key)
        return ApiKeyPrincipal(api_key=api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class SessionAuthentication(authentication.SessionAuthentication):
    """The UI's session (CSRF enforced). Answers 401, not 403, when no one is logged in."""

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="api"'
