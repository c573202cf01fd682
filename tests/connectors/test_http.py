"""The shared HTTP layer against a real local server: retries, Retry-After, backoff, refresh, typed errors."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest

from analyticaflow.connectors.auth import BearerAuth, TokenHolder
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.errors import (
    AuthExpired,
    MalformedResponse,
    PermanentError,
    RateLimitExceeded,
    ReauthRequired,
    TransientError,
)
from analyticaflow.connectors.http import ApiClient, ResponsePolicy, redact_url
from analyticaflow.connectors.oauth import OAuth2Settings, TokenEndpoint
from analyticaflow.connectors.rows import decimal_from
from analyticaflow.connectors.secret import Secret
from analyticaflow.errors import AppError
from tests.connectors.fakes.base import FakeServer, Reply, Request
from tests.connectors.support import FakeClock, captured_logs, make_options
from tests.plugins.servers import free_port


class ScriptedServer(FakeServer):
    """``/thing`` answers from a script (then 200 ``{"ok": true}``); ``/token`` refreshes OAuth tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.script: list[Reply] = []
        self.delay = 0.0
        self.access, self.refresh = self.tokens.issue()
        self.add("GET", "/thing", self.thing)
        self.add("POST", "/token", self.token)

    def thing(self, request: Request) -> Reply:
        if self.delay:
            time.sleep(self.delay)
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.state(token) != "ok":
            return Reply.json({"error": "expired"}, status=401)
        return self.script.pop(0) if self.script else Reply.json({"ok": True, "amount": 0.1})

    def token(self, request: Request) -> Reply:
        form = request.form()
        access = self.tokens.use_refresh(form.get("refresh_token", ""))
        if access is None:
            return Reply.json({"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
                              status=400)
        return Reply.json({"access_token": access, "expires_in": 3599, "token_type": "Bearer"})


@pytest.fixture
def server():
    with ScriptedServer() as fake:
        yield fake


@pytest.fixture
def clock():
    return FakeClock()


def client_for(server, clock, *, refresh=True, saved=None, expires_at=None, **retry):
    options = make_options(clock, **retry)
    credentials = Credentials(access_token=Secret(server.access),
                              refresh_token=Secret(server.refresh) if refresh else None, expires_at=expires_at)
    endpoint = TokenEndpoint(OAuth2Settings(authorize_url="", token_url=f"{server.url}/token", scopes=()),
                             app=AppCredentials("id", Secret("app-secret")), platform="test", options=options)
    holder = TokenHolder(credentials, clock=clock, platform="test", refresher=endpoint.refresh,
                         on_change=saved.append if saved is not None else None)
    return ApiClient(platform="test", policy=ResponsePolicy("test"), auth=BearerAuth(holder), options=options)


def test_429_with_retry_after_waits_exactly_that_long_then_succeeds(server, clock):
    server.script = [Reply.json({}, status=429, headers={"Retry-After": "7"})]
    with client_for(server, clock) as client:
        assert client.get(f"{server.url}/thing").json()["ok"] is True
    assert clock.sleeps == [7.0]


def test_retry_after_as_http_date(server, clock):
    when = clock.now() + timedelta(seconds=30)
    server.script = [Reply.json({}, status=503, headers={"Retry-After": when.strftime("%a, %d %b %Y %H:%M:%S GMT")})]
    with client_for(server, clock) as client:
        client.get(f"{server.url}/thing")
    assert clock.sleeps == [30.0]


def test_5xx_is_retried_with_growing_jittered_backoff(server, clock):
    server.script = [Reply.json({}, status=500), Reply.json({}, status=502), Reply.json({}, status=503)]
    with client_for(server, clock, base_delay=2.0) as client:
        client.get(f"{server.url}/thing")
    # Retry n waits within [d/2, d] with d = 2 s * 2^(n-1): [1, 2], [2, 4], [4, 8].
    assert len(clock.sleeps) == 3
    for sleep, (low, high) in zip(clock.sleeps, [(1, 2), (2, 4), (4, 8)], strict=True):
        assert low <= sleep <= high


def test_persistent_5xx_gives_up_after_max_attempts_with_a_transient_error(server, clock):
    server.script = [Reply.json({}, status=500)] * 3
    with client_for(server, clock, max_attempts=3) as client, pytest.raises(TransientError) as caught:
        client.get(f"{server.url}/thing")
    assert caught.value.transient is True
    assert len(server.calls("/thing")) == 3
    assert "HTTP 500" in caught.value.message


def test_a_wait_beyond_max_wait_is_left_to_the_scheduler(server, clock):
    server.script = [Reply.json({}, status=429, headers={"Retry-After": "3600"})]
    with client_for(server, clock, max_wait=900) as client, pytest.raises(RateLimitExceeded) as caught:
        client.get(f"{server.url}/thing")
    assert caught.value.retry_after == 3600
    assert clock.sleeps == []


def test_permanent_errors_are_not_retried(server, clock):
    server.script = [Reply.json({"message": "bad field"}, status=400)]
    with client_for(server, clock) as client, pytest.raises(PermanentError, match=r"HTTP 400.*bad field"):
        client.get(f"{server.url}/thing")
    assert len(server.calls("/thing")) == 1


def test_network_errors_are_transient_and_readable(clock):
    port = free_port()  # nothing listens there
    client = ApiClient(platform="test", policy=ResponsePolicy("test"), options=make_options(clock, max_attempts=2))
    with client, pytest.raises(TransientError, match="network error"):
        client.get(f"http://127.0.0.1:{port}/thing")
    assert len(clock.sleeps) == 1


def test_timeouts_are_transient(server, clock):
    server.delay = 0.5
    options = make_options(clock, max_attempts=1)
    options.timeout = 0.1
    client = ApiClient(platform="test", policy=ResponsePolicy("test"), options=options)
    with client, pytest.raises(TransientError, match="timed out"):
        client.get(f"{server.url}/thing", authenticated=False)


def test_invalid_json_is_a_malformed_response_with_a_readable_message(server, clock):
    server.script = [Reply.text('{"data": [1, 2', content_type="application/json")]
    with client_for(server, clock) as client, pytest.raises(MalformedResponse, match="not valid JSON"):
        client.get(f"{server.url}/thing").json()


def test_json_doubles_become_the_decimal_the_platform_sent(server, clock):
    with client_for(server, clock) as client:
        amount = client.get(f"{server.url}/thing").json()["amount"]
    assert decimal_from(amount, field="amount", platform="test") == Decimal("0.1")


def test_expired_token_is_refreshed_once_and_persisted_through_the_callback(server, clock):
    saved: list[Credentials] = []
    server.tokens.expire_access()
    with client_for(server, clock, saved=saved) as client:
        assert client.get(f"{server.url}/thing").json()["ok"] is True
    assert server.tokens.refreshes == 1
    assert len(saved) == 1
    assert server.tokens.state(saved[0].access_token.reveal()) == "ok"
    assert saved[0].refresh_token == Secret(server.refresh)  # not rotated: kept
    assert saved[0].expires_at == clock.now() + timedelta(seconds=3599)


def test_a_token_about_to_expire_is_refreshed_before_the_call(server, clock):
    saved: list[Credentials] = []
    with client_for(server, clock, saved=saved, expires_at=clock.now() + timedelta(seconds=30)) as client:
        client.get(f"{server.url}/thing")
    assert server.tokens.refreshes == 1 and len(saved) == 1
    assert len(server.calls("/thing")) == 1


def test_revoked_grant_becomes_reauth_required(server, clock):
    server.tokens.revoke_all()
    with client_for(server, clock) as client, pytest.raises(ReauthRequired, match="invalid_grant"):
        client.get(f"{server.url}/thing")


def test_expired_token_without_refresh_token_is_reauth_required(server, clock):
    server.tokens.expire_access()
    with client_for(server, clock, refresh=False) as client, pytest.raises(ReauthRequired):
        client.get(f"{server.url}/thing")


def test_no_token_or_secret_appears_in_logs(server, clock):
    server.tokens.expire_access()
    server.script = [Reply.json({}, status=503, headers={"Retry-After": "1"})]
    saved: list[Credentials] = []
    with captured_logs("") as lines, client_for(server, clock, saved=saved) as client:
        client.get(f"{server.url}/thing", params={"access_token": server.access, "code": "auth-code-1"})
    text = "\n".join(lines)
    assert "refreshing" in text and "retry 1/5" in text  # the refresh and the retry were logged...
    for secret in (server.access, server.refresh, saved[0].access_token.reveal(), "app-secret", "auth-code-1"):
        assert secret not in text  # ...without any secret


@pytest.mark.parametrize("error, transient, code", [
    (TransientError("x"), True, "platform_unavailable"),
    (RateLimitExceeded("x"), True, "platform_rate_limited"),
    (AuthExpired("x"), False, "token_expired"),
    (ReauthRequired("x"), False, "reauth_required"),
    (PermanentError("x"), False, "platform_rejected"),
    (MalformedResponse("x"), False, "malformed_response"),
])
def test_transient_is_a_property_of_the_error(error, transient, code):
    assert isinstance(error, AppError)
    assert (error.transient, error.code) == (transient, code)


@pytest.mark.parametrize("url, expected", [
    ("https://h/p?access_token=abc&limit=5", "https://h/p?access_token=***&limit=5"),
    ("https://h/p?client_secret=s&code=c&x=1", "https://h/p?client_secret=***&code=***&x=1"),
    ("https://h/p", "https://h/p"),
])
def test_redact_url(url, expected):
    assert redact_url(url) == expected
