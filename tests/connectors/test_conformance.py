"""One conformance suite, run against every connector and its fake server."""

from __future__ import annotations

import gzip
from collections import Counter

import httpx
import pytest

from analyticaflow.connectors.credentials import Credentials
from analyticaflow.connectors.errors import MalformedResponse, ReauthRequired
from analyticaflow.connectors.raw import DirectoryRawStore
from analyticaflow.connectors.registry import platform_names
from analyticaflow.errors import InvalidInput
from tests.connectors.harnesses import FIRST_DAY, HARNESSES, LAST_DAY
from tests.connectors.support import FakeClock, captured_logs


@pytest.fixture(params=HARNESSES, ids=lambda harness: harness.platform)
def harness(request):
    return request.param


@pytest.fixture
def fake(harness):
    server = harness.start()
    yield server
    server.stop()


@pytest.fixture
def clock():
    return FakeClock()


def fetch_all(harness, fake, clock, *, saved=None):
    connector = harness.connector(fake, clock)
    with connector.open(credentials=harness.credentials(fake),
                        on_credentials_change=saved.append if saved is not None else None) as session:
        account = harness.account(session.list_accounts())
        return session.fetch(account=account, date_from=FIRST_DAY, date_to=LAST_DAY)


def totals(harness, rows):
    return {name: sum(getattr(row, name) for row in rows) for name in harness.expected_totals}


def assert_complete(harness, result):
    assert len(result.rows) == harness.expected_rows
    assert totals(harness, result.rows) == harness.expected_totals
    keys = Counter(tuple(getattr(row, column) for column in result.stream.primary_key) for row in result.rows)
    assert max(keys.values()) == 1, "a primary key appears twice"
    assert result.stream.table == harness.table


def test_every_registered_platform_runs_this_suite():
    assert sorted(platform_names()) == sorted(harness.platform for harness in HARNESSES)


def test_pagination_is_complete_and_totals_match(harness, fake, clock):
    result = fetch_all(harness, fake, clock)
    assert_complete(harness, result)
    assert len(result.pages) >= harness.min_pages
    assert clock.sleeps == list(harness.poll_sleeps)


def test_rate_limit_then_success(harness, fake, clock):
    fake.inject("rate_limit", path=harness.data_path)
    result = fetch_all(harness, fake, clock)
    assert_complete(harness, result)
    assert sorted(clock.sleeps) == sorted([*harness.poll_sleeps, harness.rate_limit_wait])


def test_server_error_is_retried(harness, fake, clock):
    fake.inject("server_error", path=harness.data_path, times=2)
    result = fetch_all(harness, fake, clock)
    assert_complete(harness, result)
    assert len(clock.sleeps) == len(harness.poll_sleeps) + 2


def test_expired_token_is_refreshed_or_needs_reauth(harness, fake, clock):
    fake.tokens.expire_access()
    saved: list[Credentials] = []
    if harness.supports_refresh:
        result = fetch_all(harness, fake, clock, saved=saved)
        assert_complete(harness, result)
        assert len(saved) == 1 and fake.tokens.state(saved[0].access_token.reveal()) == "ok"
    else:
        with pytest.raises(ReauthRequired):
            fetch_all(harness, fake, clock, saved=saved)
        assert saved == []


def test_revoked_grant_needs_reauth(harness, fake, clock):
    fake.tokens.revoke_all()
    with pytest.raises(ReauthRequired) as caught:
        fetch_all(harness, fake, clock)
    assert caught.value.transient is False
    assert caught.value.message


@pytest.mark.parametrize("fault", ["malformed", "partial"])
def test_malformed_or_partial_page_is_a_typed_error_with_a_readable_message(harness, fake, clock, fault):
    fake.inject(fault, path=harness.data_path)
    with pytest.raises(MalformedResponse) as caught:
        fetch_all(harness, fake, clock)
    message = str(caught.value)
    assert message.startswith(f"{harness.platform}: ")
    assert len(message) < 400 and "Traceback" not in message


def test_restatement_window(harness, fake, clock):
    connector = harness.connector(fake, clock)
    with connector.open(credentials=harness.credentials(fake)) as session:
        account = harness.account(session.list_accounts())
    assert connector.restatement_range(now=clock.now(), account=account) == harness.restatement


def test_currency_and_time_zone_are_kept(harness, fake, clock):
    result = fetch_all(harness, fake, clock)
    assert (result.account.currency, result.account.time_zone) == (harness.currency, harness.time_zone)
    if harness.table == "ad_spend_daily":
        assert {row.currency for row in result.rows} == {harness.currency}
    assert all(FIRST_DAY <= row.date <= LAST_DAY for row in result.rows)


def test_raw_pages_renormalize_offline_and_hold_no_secret(harness, fake, clock, tmp_path):
    result = fetch_all(harness, fake, clock)
    store = DirectoryRawStore(tmp_path)
    reference = store.save(result.pages, platform=harness.platform, account_id=result.account.account_id)
    fake.stop()  # normalization must not need the API
    connector = harness.connector(fake, clock)
    assert connector.normalize(store.load(reference)) == result.rows
    text = "".join(gzip.decompress(path.read_bytes()).decode() for path in tmp_path.rglob("*.gz"))
    for secret in harness.secrets(fake):
        assert secret not in text


def test_no_secret_in_logs(harness, fake, clock):
    fake.inject("server_error", path=harness.data_path)
    with captured_logs("") as lines:
        fetch_all(harness, fake, clock)
    text = "\n".join(lines)
    assert text  # requests were logged
    for secret in harness.secrets(fake):
        assert secret not in text


def test_unknown_settings_are_rejected_with_field_errors(harness, fake, clock):
    connector = harness.connector(fake, clock)
    with pytest.raises(InvalidInput) as caught:
        connector.validate_settings({"no_such_setting": 1})
    assert caught.value.fields == {"no_such_setting": [f"Unknown setting for {connector.label}."]}


def test_oauth_link_against_the_fake_provider(harness, fake, clock):
    connector = harness.connector(fake, clock)
    redirect_uri = "https://analytics.shop.test/integrations/callback"
    pending = connector.authorization_request(redirect_uri=redirect_uri)
    redirect = httpx.get(pending.url)
    assert redirect.status_code == 302
    location = httpx.URL(redirect.headers["location"])
    assert str(location).startswith(redirect_uri)
    callback = dict(location.params)
    credentials = connector.complete_authorization(callback=callback, pending=pending, redirect_uri=redirect_uri)
    with connector.open(credentials=credentials) as session:
        assert harness.account(session.list_accounts()).account_id


def test_a_callback_for_another_request_is_refused(harness, fake, clock):
    connector = harness.connector(fake, clock)
    redirect_uri = "https://analytics.shop.test/integrations/callback"
    pending = connector.authorization_request(redirect_uri=redirect_uri)
    callback = dict(httpx.URL(httpx.get(pending.url).headers["location"]).params)
    other = connector.authorization_request(redirect_uri=redirect_uri)
    with pytest.raises(InvalidInput):
        connector.complete_authorization(callback=callback, pending=other, redirect_uri=redirect_uri)
