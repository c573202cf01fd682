"""Google Ads specifics: micros, manager hierarchy and login-customer-id, developer token, GAQL, customer ids."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from analyticaflow.connectors.base import Account, Endpoints
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.errors import MalformedResponse, PermanentError, ReauthRequired
from analyticaflow.connectors.google_ads.normalize import normalize_result
from analyticaflow.connectors.registry import get_connector
from analyticaflow.connectors.secret import Secret
from analyticaflow.errors import InvalidInput
from tests.connectors.fakes import google_ads
from tests.connectors.support import FakeClock, make_options


@pytest.fixture
def fake():
    with google_ads.FakeGoogleAds(days=10) as server:
        yield server


@pytest.fixture
def clock():
    return FakeClock()


def connector_for(fake, clock, *, developer_token=google_ads.DEVELOPER_TOKEN):
    return get_connector("google_ads", options=make_options(clock),
                         endpoints=Endpoints(api_url=fake.url, oauth_url=f"{fake.url}/o/oauth2/v2/auth",
                                             token_url=f"{fake.url}/token", version="v26"),
                         app=AppCredentials(client_id=google_ads.CLIENT_ID,
                                            client_secret=Secret(google_ads.CLIENT_SECRET),
                                            developer_token=Secret(developer_token) if developer_token else None))


def session_for(fake, clock, **kwargs):
    settings = kwargs.pop("settings", None)
    credentials = Credentials(access_token=Secret(fake.access_token), refresh_token=Secret(fake.refresh_token))
    return connector_for(fake, clock, **kwargs).open(credentials=credentials, settings=settings)


@pytest.mark.parametrize("micros, expected", [
    ("25000000", "25.000000"),
    ("1", "0.000001"),
    ("12345678", "12.345678"),
    ("999999999999", "999999.999999"),
    (None, "0"),  # zero metrics are omitted from the JSON
])
def test_cost_micros_convert_exactly(micros, expected):
    result = {"segments": {"date": "2025-03-14"}, "campaign": {"id": "1", "name": "c"},
              "metrics": {"costMicros": micros} if micros is not None else {}}
    row = normalize_result(result, level="campaign", account_id="1234567890", currency="USD")
    assert row.spend == Decimal(expected)
    if micros is not None:
        assert str(row.spend) == expected  # exact: no float ever touched it


def test_fractional_micros_are_malformed_not_rounded():
    result = {"segments": {"date": "2025-03-14"}, "campaign": {"id": "1"}, "metrics": {"costMicros": "12.5"}}
    with pytest.raises(MalformedResponse, match=r"metrics\.costMicros.*integer"):
        normalize_result(result, level="campaign", account_id="1", currency="USD")


def test_accounts_come_through_the_manager_with_their_login_customer_id(fake, clock):
    with session_for(fake, clock) as session:
        accounts = session.list_accounts()
    # The deactivated customer 9990001111 is accessible but not queryable: skipped, not an error.
    assert [(a.account_id, a.currency, a.time_zone, a.details["login_customer_id"]) for a in accounts] == [
        ("5556667777", "JPY", "Asia/Tokyo", None),  # direct access wins over the manager path
        ("1234567890", "USD", "America/New_York", "1112223333"),
    ]
    # customer_client came in pages of 2 through nextPageToken; pageSize was never sent.
    searches = fake.calls(r"googleAds:search$")
    assert len(searches) == 2 and all("pageSize" not in call.json() for call in searches)


def test_every_call_carries_the_developer_token_and_the_fetch_the_manager_id(fake, clock):
    with session_for(fake, clock) as session:
        account = next(a for a in session.list_accounts() if a.account_id == "1234567890")
        session.fetch(account=account, date_from=date(2025, 3, 1), date_to=date(2025, 3, 2))
    assert {call.headers.get("developer-token") for call in fake.requests if "/v26/" in call.path} == {
        google_ads.DEVELOPER_TOKEN}
    data_call = fake.calls(r"customers/1234567890/googleAds:searchStream$")[0]
    assert data_call.headers["login-customer-id"] == "1112223333"
    assert data_call.json()["query"] == (
        "SELECT segments.date, customer.id, customer.currency_code, campaign.id, campaign.name, "
        "metrics.cost_micros, metrics.impressions, metrics.clicks, metrics.conversions, metrics.conversions_value "
        "FROM campaign WHERE segments.date BETWEEN '2025-03-01' AND '2025-03-02'")


def test_missing_developer_token_is_a_configuration_error(fake, clock):
    with session_for(fake, clock, developer_token=None) as session, pytest.raises(PermanentError,
                                                                                   match="DEVELOPER_TOKEN"):
        session.list_accounts()
    assert fake.tokens.refreshes == 0  # not mistaken for an expired token


def test_a_client_without_its_manager_id_is_refused_with_a_hint(fake, clock):
    orphan = Account(platform="google_ads", account_id="1234567890", name="Shop US", currency="USD",
                     time_zone="America/New_York")
    with session_for(fake, clock) as session, pytest.raises(PermanentError, match="login-customer-id"):
        session.fetch(account=orphan, date_from=date(2025, 3, 1), date_to=date(2025, 3, 2))


def test_query_errors_are_permanent_and_not_retried(fake, clock):
    fake.inject("query_error", path=r"customers/1234567890/googleAds:searchStream$")
    with session_for(fake, clock) as session:
        account = next(a for a in session.list_accounts() if a.account_id == "1234567890")
        with pytest.raises(PermanentError, match="UNRECOGNIZED_FIELD"):
            session.fetch(account=account, date_from=date(2025, 3, 1), date_to=date(2025, 3, 2))
    assert len(fake.calls(r"customers/1234567890/googleAds:searchStream$")) == 1


def test_ad_group_level(fake, clock):
    with session_for(fake, clock, settings={"level": "ad_group"}) as session:
        account = next(a for a in session.list_accounts() if a.account_id == "1234567890")
        result = session.fetch(account=account, date_from=date(2025, 3, 1), date_to=date(2025, 3, 1))
    assert "FROM ad_group WHERE" in fake.calls(r"1234567890/googleAds:searchStream$")[0].json()["query"]
    assert sorted((row.campaign_id, row.adset_id, row.ad_id) for row in result.rows)[0] == (
        "111000001", "11100000101", None)


@pytest.mark.parametrize("settings, cleaned, errors", [
    ({"customer_id": "123-456-7890"}, {"customer_id": "1234567890"}, None),
    ({"customer_id": "1234567890", "login_customer_id": "111-222-3333"},
     {"customer_id": "1234567890", "login_customer_id": "1112223333"}, None),
    ({"customer_id": "invalid-id"}, None, {"customer_id": ["Expected a 10-digit customer id like 123-456-7890."]}),
    ({"customer_id": "123-456-789"}, None, {"customer_id": ["Expected a 10-digit customer id like 123-456-7890."]}),
    ({"level": "keyword"}, None, {"level": ['"keyword" is not a valid choice.']}),
])
def test_settings_validation(settings, cleaned, errors):
    connector = get_connector("google_ads", options=make_options(FakeClock()))
    if errors is None:
        assert connector.validate_settings(settings) == {"level": "campaign", **cleaned}
    else:
        with pytest.raises(InvalidInput) as caught:
            connector.validate_settings(settings)
        assert caught.value.fields == errors


def test_authorization_uses_pkce_and_offline_access(fake, clock):
    connector = connector_for(fake, clock)
    pending = connector.authorization_request(redirect_uri="https://app.test/cb")
    params = httpx.URL(pending.url).params
    assert params["code_challenge_method"] == "S256" and params["access_type"] == "offline"
    assert pending.code_verifier is not None and pending.code_verifier.reveal() not in pending.url
    callback = dict(httpx.URL(httpx.get(pending.url).headers["location"]).params)
    forged = type(pending)(url=pending.url, state=pending.state, code_verifier=Secret("wrong-verifier"))
    with pytest.raises(ReauthRequired, match="Invalid code verifier"):
        connector.complete_authorization(callback=callback, pending=forged, redirect_uri="https://app.test/cb")
