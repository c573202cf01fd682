"""The contract every platform implements, and the parts they share.

A ``Connector`` is the platform's static side (OAuth settings, settings validation, restatement window, streams,
offline normalization); ``connector.open(credentials=...)`` gives a ``Session`` bound to one grant that lists the
accounts the grant reaches and fetches a date range of one account. Callers (the linking API, the sync jobs)
use only these two classes, the typed errors and the row types.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc
from django.conf import settings as django_settings
from rest_framework import serializers

from analyticaflow.connectors import dates
from analyticaflow.connectors.auth import BearerAuth, CredentialsListener, TokenHolder
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.http import ApiClient, Auth, HttpOptions, ResponsePolicy
from analyticaflow.connectors.oauth import (
    AuthorizationRequest,
    OAuth1Flow,
    OAuth1Settings,
    OAuth2Settings,
    TokenEndpoint,
    authorization_request,
)
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.secret import Secret
from analyticaflow.connectors.sql_normalize import ad_spend_arrow
from analyticaflow.connectors.streams import Stream
from analyticaflow.errors import InvalidInput


@dataclass(frozen=True)
class Account:
    """An ad or social account a grant reaches. ``details`` holds what later calls need (manager id, product)."""

    platform: str
    account_id: str
    name: str
    currency: str | None
    time_zone: str
    active: bool = True
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for storing the picked account on an integration."""
        return {"platform": self.platform, "account_id": self.account_id, "name": self.name,
                "currency": self.currency, "time_zone": self.time_zone, "active": self.active,
                "details": dict(self.details)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Account:
        return cls(platform=raw["platform"], account_id=raw["account_id"], name=raw.get("name", ""),
                   currency=raw.get("currency"), time_zone=raw["time_zone"], active=raw.get("active", True),
                   details=dict(raw.get("details") or {}))


class FetchResult:
    """Everything one fetch produced: the raw pages (for re-normalization) and the normalized rows.

    A fetch either completes or raises; a result never silently misses part of its range. ``rows`` are the
    platform's row objects (``AdSpendRow``...). A fetch whose pages the platform's set-based transform
    reproduces exactly (``sql_normalize``) also holds them as ``table``, the warehouse columns in one Arrow table,
    and then runs the Python normalizer only if ``rows`` are read (the same rows: the transform claims no other
    input). ``load_rows()`` is what the warehouse loader takes: the table when there is one.
    """

    def __init__(self, *, account: Account, date_from: date, date_to: date, stream: Stream, pages: list[RawPage],
                 rows: list[Any] | None = None, table: pa.Table | None = None,
                 normalize: Callable[[], list[Any]] | None = None) -> None:
        if rows is None and (table is None or normalize is None):
            raise TypeError("a FetchResult needs its rows, or a table and the normalizer of its rows")
        self.account, self.date_from, self.date_to = account, date_from, date_to
        self.stream, self.pages, self.table = stream, pages, table
        self._rows, self._normalize = rows, normalize

    @property
    def rows(self) -> list[Any]:
        if self._rows is None:
            self._rows = self._normalize()
        return self._rows

    def load_rows(self) -> list[Any] | pa.Table:
        return self.table if self.table is not None else self.rows

    def __repr__(self) -> str:
        held = f"table of {self.table.num_rows} rows" if self.table is not None else f"{len(self.rows)} rows"
        return (f"<FetchResult {self.account.platform} {self.account.account_id} {self.date_from}..{self.date_to} "
                f"{len(self.pages)} pages, {held}>")


@dataclass(frozen=True)
class Endpoints:
    api_url: str
    oauth_url: str
    token_url: str = ""
    version: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)


class EmptySettings(serializers.Serializer):
    pass


class Connector(ABC):
    name: ClassVar[str]
    label: ClassVar[str]
    settings_prefix: ClassVar[str]  # ANALYTICAFLOW_<prefix>_API_URL ...
    default_endpoints: ClassVar[Endpoints]
    restatement_days: ClassVar[int]
    backfill_chunk_days: ClassVar[int] = 31
    streams: ClassVar[tuple[Stream, ...]]
    settings_serializer: ClassVar[type[serializers.Serializer]] = EmptySettings
    refreshable: ClassVar[bool] = True

    def __init__(self, *, endpoints: Endpoints | None = None, app: AppCredentials | None = None,
                 options: HttpOptions | None = None) -> None:
        self.endpoints = endpoints or self.endpoints_from_settings()
        self.app = app or self.app_from_settings()
        self.options = options or HttpOptions()

    # --- configuration -------------------------------------------------------------------------------------
    @classmethod
    def setting(cls, suffix: str, default: str) -> str:
        return getattr(django_settings, f"ANALYTICAFLOW_{cls.settings_prefix}_{suffix}", "") or default

    @classmethod
    def endpoints_from_settings(cls) -> Endpoints:
        default = cls.default_endpoints
        return Endpoints(
            api_url=cls.setting("API_URL", default.api_url).rstrip("/"),
            oauth_url=cls.setting("OAUTH_URL", default.oauth_url).rstrip("/"),
            token_url=cls.setting("TOKEN_URL", default.token_url),
            version=cls.setting("API_VERSION", default.version),
            extra={name: cls.setting(name, value).rstrip("/") for name, value in default.extra.items()},
        )

    @classmethod
    def app_from_settings(cls) -> AppCredentials:
        developer_token = cls.setting("DEVELOPER_TOKEN", "")
        return AppCredentials(client_id=cls.setting("CLIENT_ID", ""),
                              client_secret=Secret(cls.setting("CLIENT_SECRET", "")),
                              developer_token=Secret(developer_token) if developer_token else None)

    def validate_settings(self, raw: Mapping[str, Any] | None) -> dict[str, Any]:
        """Cleaned integration settings, or ``InvalidInput`` naming each bad field and why."""
        raw = dict(raw or {})
        serializer = self.settings_serializer(data=raw)
        valid = serializer.is_valid()
        errors = {name: [str(reason) for reason in reasons] for name, reasons in serializer.errors.items()} \
            if not valid else {}
        for unknown in sorted(set(raw) - set(serializer.fields)):
            errors[unknown] = [f"Unknown setting for {self.label}."]
        if errors:
            raise InvalidInput(f"Invalid {self.label} settings.", fields=errors)
        return dict(serializer.validated_data)

    # --- linking ------------------------------------------------------------------------------------------
    @property
    @abstractmethod
    def auth_settings(self) -> OAuth2Settings | OAuth1Settings: ...

    def token_endpoint(self) -> TokenEndpoint:
        return TokenEndpoint(self.auth_settings, app=self.app, platform=self.name, options=self.options)

    def authorization_request(self, *, redirect_uri: str, state: str | None = None) -> AuthorizationRequest:
        """Where to send the user to grant access; keep the returned object in their session."""
        auth = self.auth_settings
        if isinstance(auth, OAuth1Settings):
            return OAuth1Flow(auth, app=self.app, platform=self.name, options=self.options).start(
                callback_uri=redirect_uri)
        return authorization_request(auth, app=self.app, redirect_uri=redirect_uri, state=state)

    def complete_authorization(self, *, callback: Mapping[str, str], pending: AuthorizationRequest,
                               redirect_uri: str) -> Credentials:
        """Turn the provider's callback parameters into credentials, after checking they answer ``pending``."""
        if callback.get("error") or callback.get("denied"):
            reason = callback.get("error_description") or callback.get("error") or "access denied"
            raise InvalidInput(f"The authorization was not granted: {reason}.", fields={"code": [reason]})
        auth = self.auth_settings
        if isinstance(auth, OAuth1Settings):
            if callback.get("oauth_token") != pending.state or not callback.get("oauth_verifier"):
                raise InvalidInput("The callback does not answer this authorization request.",
                                   fields={"oauth_token": ["Does not match the pending request."]})
            return OAuth1Flow(auth, app=self.app, platform=self.name, options=self.options).complete(
                oauth_token=callback["oauth_token"], oauth_verifier=callback["oauth_verifier"],
                request_token_secret=pending.request_token_secret or Secret(""))
        if not callback.get("state") or callback.get("state") != pending.state:
            raise InvalidInput("The callback's state does not match this authorization request.",
                               fields={"state": ["Does not match the pending request."]})
        if not callback.get("code"):
            raise InvalidInput("The callback carries no authorization code.", fields={"code": ["Missing."]})
        return self.exchange_code(code=callback["code"], redirect_uri=redirect_uri, code_verifier=pending.code_verifier)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: Secret | None) -> Credentials:
        return self.token_endpoint().exchange_code(code=code, redirect_uri=redirect_uri, code_verifier=code_verifier)

    # --- syncing ------------------------------------------------------------------------------------------
    @abstractmethod
    def response_policy(self) -> ResponsePolicy: ...

    def supports_refresh(self) -> bool:
        """Whether an expired access token can be renewed without the user (an OAuth 2.0 refresh token)."""
        return self.refreshable and isinstance(self.auth_settings, OAuth2Settings)

    def build_auth(self, holder: TokenHolder) -> Auth:
        return BearerAuth(holder)

    def client_headers(self) -> dict[str, str]:
        return {}

    def open(self, *, credentials: Credentials, on_credentials_change: CredentialsListener | None = None,
             settings: Mapping[str, Any] | None = None) -> Session:
        """A session for one grant. ``on_credentials_change`` receives refreshed credentials to store."""
        refresher = self.token_endpoint().refresh if self.supports_refresh() else None
        holder = TokenHolder(credentials, clock=self.options.clock, platform=self.name, refresher=refresher,
                             on_change=on_credentials_change)
        client = ApiClient(platform=self.name, policy=self.response_policy(), auth=self.build_auth(holder),
                           options=self.options, headers=self.client_headers())
        return self.session_class(connector=self, client=client, settings=self.validate_settings(settings))

    session_class: ClassVar[type[Session]]

    @abstractmethod
    def normalize(self, pages: Sequence[RawPage], *, settings: Mapping[str, Any] | None = None) -> list[Any]:
        """Rows from raw pages alone (no API call): re-run after a mapping change."""

    def restatement_range(self, *, now: datetime, account: Account) -> tuple[date, date]:
        """The days a daily sync re-pulls: the platform's restatement window up to yesterday, account time."""
        return dates.restatement_range(today=dates.today_in(account.time_zone, now=now), days=self.restatement_days)

    def backfill_windows(self, *, now: datetime, account: Account, days: int = 365) -> list[tuple[date, date]]:
        """The history a new link pulls, as fetch-sized chunks (newest first, so recent numbers arrive first)."""
        first, last = dates.backfill_range(today=dates.today_in(account.time_zone, now=now), days=days)
        return list(reversed(list(dates.windows(first, last, days=self.backfill_chunk_days))))


class Session(ABC):
    def __init__(self, *, connector: Connector, client: ApiClient, settings: dict[str, Any]) -> None:
        self.connector = connector
        self.client = client
        self.settings = settings

    @property
    def platform(self) -> str:
        return self.connector.name

    @property
    def credentials(self) -> Credentials:
        return self.client.auth.holder.credentials

    def secret_values(self) -> list[str]:
        credentials = self.credentials
        values = [credentials.access_token, credentials.refresh_token, credentials.token_secret]
        return [value.reveal() for value in values if value is not None and value.reveal()]

    def raw_page(self, *, stream: str, account: Account, request: str, body: str, data: Any = None,
                 content_type: str = "json", context: dict[str, Any] | None = None) -> RawPage:
        """A raw page with any of this grant's secrets masked in its text (Graph paging links repeat the token).

        The already parsed ``data`` is kept for this fetch's normalization (only paging links differ); it stays in
        memory and is never stored, so the masked text is what any re-normalization reads.
        """
        for secret in self.secret_values():
            if secret in body:
                body = body.replace(secret, "***")
        page = RawPage(platform=self.platform, stream=stream, account_id=account.account_id, request=request,
                       fetched_at=self.client.clock.now(), body=body, content_type=content_type,
                       context=context or {})
        return page.with_data(data) if data is not None else page

    def ad_spend_result(self, *, account: Account, date_from: date, date_to: date, pages: list[RawPage],
                        normalize: Callable[[], list[Any]]) -> FetchResult:
        """An ad spend fetch's result: through the platform's set-based transform when it reproduces the pages
        exactly and every row lies in the window (``normalize`` then runs only if ``rows`` are read); otherwise
        ``normalize()`` now — the Python normalizer with the fetch's checks, raising their usual errors."""
        table = ad_spend_arrow(pages, platform=self.platform, settings=self.settings)
        if table is not None and table.num_rows:
            first, last = pc.min_max(table.column("date")).values()
            if not (date_from <= first.as_py() and last.as_py() <= date_to):
                table = None  # the normalizer names the stray day
        stream = self.connector.streams[0]
        if table is None:
            return FetchResult(account=account, date_from=date_from, date_to=date_to, stream=stream, pages=pages,
                               rows=normalize())
        return FetchResult(account=account, date_from=date_from, date_to=date_to, stream=stream, pages=pages,
                           table=table, normalize=normalize)

    @abstractmethod
    def list_accounts(self) -> list[Account]:
        """The accounts this grant can read, with currency and time zone."""

    @abstractmethod
    def fetch(self, *, account: Account, date_from: date, date_to: date) -> FetchResult:
        """Every day of ``[date_from, date_to]`` (account time zone) for one account."""

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
