"""Meta Ads specifics against the fake Graph API: paging, action types, async reports, usage headers, OAuth."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import httpx
import orjson
import pytest

from analyticaflow.connectors.base import Endpoints
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.errors import MalformedResponse, ReauthRequired, TransientError
from analyticaflow.connectors.raw import RawPage
from analyticaflow.connectors.registry import get_connector
from analyticaflow.connectors.secret import Secret
from tests.connectors.fakes.graph import APP_ID, APP_SECRET
from tests.connectors.fakes.meta import FakeMetaAds
from tests.connectors.support import FakeClock, make_options


@pytest.fixture
def fake():
    with FakeMetaAds(campaign_count=3, days=10, max_page_size=7) as server:
        yield server


@pytest.fixture
def clock():
    return FakeClock()


def connector_for(fake, clock):
    return get_connector("meta_ads", options=make_options(clock),
                         endpoints=Endpoints(api_url=fake.url, oauth_url=fake.url, version="v25.0"),
                         app=AppCredentials(client_id=APP_ID, client_secret=Secret(APP_SECRET)))


def open_session(fake, clock, **settings):
    connector = connector_for(fake, clock)
    return connector.open(credentials=Credentials(access_token=Secret(fake.access_token)), settings=settings)


def test_lists_ad_accounts_with_currency_time_zone_and_status(fake, clock):
    with open_session(fake, clock) as session:
        accounts = session.list_accounts()
    assert [(a.account_id, a.currency, a.time_zone, a.active) for a in accounts] == [
        ("1234567890", "EUR", "Europe/Berlin", True), ("2222222222", "USD", "America/Los_Angeles", False)]


def test_fetch_follows_every_page_and_picks_one_action_type(fake, clock):
    with open_session(fake, clock) as session:
        account = session.list_accounts()[0]
        result = session.fetch(account=account, date_from=date(2025, 3, 1), date_to=date(2025, 3, 10))
    # 3 campaigns x 10 days = 30 rows, 7 per page -> 5 pages.
    assert len(result.rows) == 30
    assert len(result.pages) == 5
    first = min(result.rows, key=lambda row: (row.date, row.campaign_id))
    assert (first.spend, first.impressions, first.clicks) == (Decimal("1.00"), 1000, 10)
    # purchase, omni_purchase and the pixel purchase all say 1: counted once, not three times.
    assert first.platform_conversions == Decimal(1)
    assert first.platform_conversion_value == Decimal("12.50")
    assert sum(row.platform_conversions for row in result.rows) == 30


def test_level_ad_and_link_clicks_settings(fake, clock):
    with open_session(fake, clock, level="ad", clicks_metric="inline_link_clicks") as session:
        account = session.list_accounts()[0]
        result = session.fetch(account=account, date_from=date(2025, 3, 1), date_to=date(2025, 3, 1))
    row = min(result.rows, key=lambda row: row.campaign_id)
    assert (row.adset_id, row.ad_id, row.clicks) == ("1202100000000011", "12021000000000111", 9)


def test_too_much_data_falls_back_to_an_async_report_run(fake, clock):
    fake.inject("too_much_data", path=r"/act_\d+/insights$")
    with open_session(fake, clock) as session:
        account = session.list_accounts()[0]
        result = session.fetch(account=account, date_from=date(2025, 3, 1), date_to=date(2025, 3, 10))
    assert len(result.rows) == 30
    assert len(fake.report_runs) == 1
    # Polled three times (not started, running, completed), sleeping 5 s then 10 s between polls.
    assert clock.sleeps == [5.0, 10.0]


def test_failed_async_report_is_transient(fake, clock):
    fake.inject("too_much_data", path=r"/act_\d+/insights$")
    fake.inject("async_failed", path=r"/act_\d+/insights$")
    with open_session(fake, clock) as session, pytest.raises(TransientError, match="Job Failed"):
        session.fetch(account=session.list_accounts()[0], date_from=date(2025, 3, 1), date_to=date(2025, 3, 2))


def test_high_usage_headers_slow_the_next_call(fake, clock):
    fake.inject("usage_high", path=r"/act_\d+/insights$", pct=95)
    with open_session(fake, clock) as session:
        session.fetch(account=session.list_accounts()[0], date_from=date(2025, 3, 1), date_to=date(2025, 3, 10))
    # 95 % used: 60 s * (95 - 75) / 25 = 48 s pause before the second page.
    assert clock.sleeps == [48.0]


def test_raw_pages_hide_the_token_and_renormalize_to_the_same_rows(fake, clock):
    connector = connector_for(fake, clock)
    with connector.open(credentials=Credentials(access_token=Secret(fake.access_token))) as session:
        result = session.fetch(account=session.list_accounts()[0], date_from=date(2025, 3, 1),
                               date_to=date(2025, 3, 10))
    assert all(fake.access_token not in page.request for page in result.pages)
    assert all("access_token=%2A%2A%2A" in page.request or "access_token=***" in page.request
               for page in result.pages)
    reloaded = [RawPage.from_dict(page.to_dict()) for page in result.pages]
    assert connector.normalize(reloaded) == result.rows


def test_expired_token_needs_reconnect_since_meta_has_no_refresh(fake, clock):
    fake.tokens.expire_access()
    with open_session(fake, clock) as session, pytest.raises(ReauthRequired, match="190/463"):
        session.list_accounts()


def test_oauth_link_exchanges_the_code_for_a_long_lived_token(fake, clock):
    connector = connector_for(fake, clock)
    pending = connector.authorization_request(redirect_uri="https://app.test/callback")
    assert pending.url.startswith(f"{fake.url}/v25.0/dialog/oauth?")
    assert "scope=ads_read%2Cbusiness_management" in pending.url
    redirect = httpx.get(pending.url)
    assert redirect.status_code == 302
    callback = dict(httpx.URL(redirect.headers["location"]).params)
    credentials = connector.complete_authorization(callback=callback, pending=pending,
                                                   redirect_uri="https://app.test/callback")
    assert fake.tokens.state(credentials.access_token.reveal()) == "ok"
    # 5183944 s ≈ 60 days after the fake clock's now.
    assert (credentials.expires_at - clock.now()).days == 59
    with connector.open(credentials=credentials) as session:
        assert session.list_accounts()


def test_malformed_row_names_the_field(fake, clock):
    fake.inject("malformed", path=r"/act_\d+/insights$")
    with open_session(fake, clock) as session, pytest.raises(MalformedResponse, match=r"'spend'.*12,50 EUR"):
        session.fetch(account=session.list_accounts()[0], date_from=date(2025, 3, 1), date_to=date(2025, 3, 2))


COUNT_CASES = [("1234", 1234), ("007", 7), ("12.0", 12), (12, 12), (None, 0), ("", 0), ("1_000", 1000)]


@pytest.mark.parametrize(("text", "expected"), COUNT_CASES)
def test_counts_read_from_graph_text(text, expected):
    page = insights_page({"impressions": text, "clicks": text})
    [row] = get_connector("meta_ads").normalize([page], settings={})
    assert (row.impressions, row.clicks) == (expected, expected)


@pytest.mark.parametrize("text", ["1.5", "-1.5", "many", True])
def test_a_count_that_is_no_whole_number_names_the_field(text):
    page = insights_page({"impressions": "10", "clicks": text})
    with pytest.raises(MalformedResponse, match=r"Field 'clicks' should be (an integer|a number)"):
        get_connector("meta_ads").normalize([page], settings={})


def insights_page(fields: dict) -> RawPage:
    item = {"campaign_id": "7", "date_start": "2025-03-01", "date_stop": "2025-03-01", "spend": "1.5", **fields}
    return RawPage(platform="meta_ads", stream="insights", account_id="act_1", request="GET /insights",
                   fetched_at=datetime(2025, 3, 2), body=orjson.dumps({"data": [item]}).decode(),
                   context={"currency": "EUR"})
