"""The shared HTTP layer every platform calls through (httpx).

``ApiClient.request`` applies the auth, sends with a timeout, lets the platform's ``ResponsePolicy`` turn the
answer into ``None`` (fine) or a typed error, refreshes an expired token once, and retries transient errors
with exponential backoff + jitter, honouring ``Retry-After`` and the platform's usage headers. Sleeping goes
through the injected ``Clock``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import orjson

from analyticaflow.connectors.clock import Clock, SystemClock
from analyticaflow.connectors.errors import (
    AuthExpired,
    ConnectorError,
    MalformedResponse,
    PermanentError,
    RateLimitExceeded,
    ReauthRequired,
    TransientError,
)
from analyticaflow.connectors.retry import RetryPolicy, parse_retry_after

logger = logging.getLogger("analyticaflow.connectors.http")

SENSITIVE_PARAMS = frozenset({
    "access_token", "refresh_token", "client_secret", "code", "code_verifier", "fb_exchange_token",
    "input_token", "oauth_token", "oauth_verifier", "oauth_signature", "token", "appsecret_proof",
})
USER_AGENT = "AnalyticaFlow-connectors/1"


def redact_url(url: str | httpx.URL) -> str:
    """The URL with the values of token-like query parameters masked (for logs, errors and raw pages)."""
    parts = urlsplit(str(url))
    if not parts.query:
        return str(url)
    query = [(name, "***" if name.lower() in SENSITIVE_PARAMS else value)
             for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*,{}:\"[]")))


class RedactUrls(logging.Filter):
    """Masks token-like query parameters in the URLs httpx logs (``HTTP Request: GET <url> ...``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(redact_url(arg) if isinstance(arg, httpx.URL) or (isinstance(arg, str) and "?" in arg)
                                else arg for arg in record.args)
        return True


# httpx logs every request URL at INFO; Graph API tokens and OAuth codes travel in query strings.
logging.getLogger("httpx").addFilter(RedactUrls())


def redact_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    return {name: ("***" if name.lower() in SENSITIVE_PARAMS else value) for name, value in (params or {}).items()}


def parse_json(content: bytes | str, *, what: str, platform: str) -> Any:
    """Parsed JSON (orjson), or a readable ``MalformedResponse``.

    Money travels as strings or integers (micros) on every platform; the few JSON doubles (Google's conversions)
    are doubles at the source too, and ``rows.decimal_from`` turns them into the Decimal of their shortest repr,
    which is the value the platform sent.
    """
    try:
        return orjson.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        size = len(content)
        raise MalformedResponse(
            f"{what} is not valid JSON ({size} bytes; truncated or not JSON: {exc.__class__.__name__} "
            f"at position {getattr(exc, 'pos', '?')}).", platform=platform) from exc


class ApiResponse:
    """One answer, with the parsed JSON cached."""

    __slots__ = ("_json", "_parsed", "http", "platform")

    def __init__(self, http: httpx.Response, *, platform: str) -> None:
        self.http = http
        self.platform = platform
        self._parsed = False
        self._json: Any = None

    @property
    def status_code(self) -> int:
        return self.http.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http.headers

    @property
    def content(self) -> bytes:
        return self.http.content

    @property
    def text(self) -> str:
        return self.http.text

    @property
    def url(self) -> str:
        return redact_url(self.http.request.url)

    def json(self) -> Any:
        if not self._parsed:
            self._json = parse_json(self.http.content, what=f"The answer to {self.describe()}",
                                    platform=self.platform)
            self._parsed = True
        return self._json

    def try_json(self) -> Any:
        """Parsed JSON, or None when the body is not JSON (error pages are sometimes HTML)."""
        try:
            return self.json()
        except MalformedResponse:
            return None

    def describe(self) -> str:
        request = self.http.request
        return f"{request.method} {redact_url(request.url.copy_with(query=None))}"

    def excerpt(self, limit: int = 300) -> str:
        text = self.http.content[:limit].decode("utf-8", "replace").strip()
        return text + ("…" if len(self.http.content) > limit else "")


class Auth(Protocol):
    def apply(self, request: httpx.Request) -> httpx.Request: ...

    def needs_refresh(self) -> bool:
        """True when the token is known to be about to expire (refresh before the call)."""
        ...

    def can_refresh(self) -> bool: ...

    def refresh(self) -> None:
        """Get a new access token (raises ``ReauthRequired`` when the grant is gone)."""
        ...


class ResponsePolicy:
    """How one platform's answers map to typed errors. Platforms subclass and override ``classify``.

    The defaults follow HTTP: 401 → ``AuthExpired``; 403 → ``PermanentError``; 429 → ``RateLimitExceeded``;
    5xx → ``TransientError``; other 4xx → ``PermanentError``. ``Retry-After`` is honoured on 429 and 5xx.
    """

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.clock: Clock = SystemClock()  # the ApiClient hands over its own (so HTTP dates use test time)

    def classify(self, response: ApiResponse) -> ConnectorError | None:
        return self.classify_status(response, self.error_message(response))

    def error_message(self, response: ApiResponse) -> str:
        return f"{response.describe()} answered HTTP {response.status_code}: {response.excerpt()}"

    def classify_status(self, response: ApiResponse, message: str) -> ConnectorError | None:
        status = response.status_code
        if status < 400:
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"), now=self.clock.now())
        if status == 401:
            return AuthExpired(message, platform=self.platform)
        if status == 429:
            return RateLimitExceeded(message, platform=self.platform, retry_after=retry_after)
        if status >= 500:
            return TransientError(message, platform=self.platform, retry_after=retry_after)
        return PermanentError(message, platform=self.platform)

    def pause_after(self, response: ApiResponse) -> float:
        """Seconds to wait before the next call, from the platform's usage headers (0: go on)."""
        return 0.0


@dataclass
class HttpOptions:
    """Runtime knobs of the HTTP layer; tests inject a fake clock, a seeded rng, and small timeouts."""

    clock: Clock = field(default_factory=SystemClock)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    transport: httpx.BaseTransport | None = None
    poll_timeout: float = 3600.0  # async report jobs: give up after this many seconds of polling


class ApiClient:
    """A platform's HTTP client. One per session (integration run); not shared between threads."""

    def __init__(self, *, platform: str, policy: ResponsePolicy, auth: Auth | None = None,
                 options: HttpOptions | None = None, headers: Mapping[str, str] | None = None) -> None:
        self.platform = platform
        self.policy = policy
        self.auth = auth
        self.options = options or HttpOptions()
        policy.clock = self.options.clock
        self._not_before = 0.0
        self._http = httpx.Client(
            timeout=self.options.timeout, transport=self.options.transport, follow_redirects=False,
            headers={"User-Agent": USER_AGENT, **(headers or {})})

    @property
    def clock(self) -> Clock:
        return self.options.clock

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(self, url: str, **kwargs: Any) -> ApiResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> ApiResponse:
        return self.request("POST", url, **kwargs)

    def request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None, json: Any = None,
                data: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                authenticated: bool = True) -> ApiResponse:
        """Send with retries; returns a successful answer or raises a typed ``ConnectorError``."""
        retry = self.options.retry
        auth = self.auth if authenticated else None
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            self._respect_pause()
            if auth is not None and not refreshed and auth.can_refresh() and auth.needs_refresh():
                auth.refresh()
                refreshed = True
            error = self._send_once(method, url, params=params, json=json, data=data, headers=headers, auth=auth)
            if isinstance(error, ApiResponse):
                return error
            if isinstance(error, AuthExpired):
                if auth is not None and not refreshed and auth.can_refresh():
                    logger.info("%s: access token expired; refreshing", self.platform)
                    auth.refresh()
                    refreshed = True
                    attempt -= 1  # a refresh is not a retry
                    continue
                raise ReauthRequired(error.message, platform=self.platform) from error
            if not error.transient or attempt >= retry.max_attempts:
                raise error
            wait = error.retry_after if error.retry_after is not None else retry.backoff(attempt, self.options.rng)
            if wait > retry.max_wait:
                raise error
            logger.info("%s: %s; retry %d/%d in %.1fs", self.platform, error.message, attempt,
                        retry.max_attempts - 1, wait)
            self.clock.sleep(wait)

    def _send_once(self, method: str, url: str, *, params, json, data, headers, auth) -> ApiResponse | ConnectorError:
        request = self._http.build_request(method, url, params=params, json=json, data=data, headers=headers)
        if auth is not None:
            request = auth.apply(request)
        try:
            raw = self._http.send(request)
        except httpx.TimeoutException as exc:
            return TransientError(f"{method} {redact_url(request.url.copy_with(query=None))} timed out "
                                  f"({exc.__class__.__name__}).", platform=self.platform)
        except httpx.TransportError as exc:
            return TransientError(f"{method} {redact_url(request.url.copy_with(query=None))} failed: network error "
                                  f"({exc.__class__.__name__}).", platform=self.platform)
        response = ApiResponse(raw, platform=self.platform)
        logger.debug("%s %s -> %d", method, redact_url(request.url), raw.status_code)
        pause = self.policy.pause_after(response)
        if pause > 0:
            self._not_before = max(self._not_before, self.clock.monotonic() + pause)
        error = self.policy.classify(response)
        return response if error is None else error

    def _respect_pause(self) -> None:
        remaining = self._not_before - self.clock.monotonic()
        if remaining > self.options.retry.max_wait:
            raise RateLimitExceeded(f"Usage limits ask for a pause of {remaining:.0f}s before the next call.",
                                    platform=self.platform, retry_after=remaining)
        if remaining > 0:
            logger.info("%s: usage headers ask for a pause of %.1fs", self.platform, remaining)
            self.clock.sleep(remaining)
