"""The platform registry, configuration from settings, declared streams, and the building blocks around them."""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime

import pytest
from django.test import override_settings

from analyticaflow.connectors import dates
from analyticaflow.connectors.base import Account
from analyticaflow.connectors.oauth import OAuth1Settings, OAuth2Settings
from analyticaflow.connectors.raw import DirectoryRawStore, RawPage
from analyticaflow.connectors.registry import connector_class, get_connector, platform_names
from analyticaflow.errors import InvalidInput

REAL_HOSTS = {
    "meta_ads": ("https://graph.facebook.com", "https://www.facebook.com/v25.0/dialog/oauth"),
    "instagram": ("https://graph.facebook.com", "https://www.facebook.com/v25.0/dialog/oauth"),
    "google_ads": ("https://googleads.googleapis.com", "https://accounts.google.com/o/oauth2/v2/auth"),
    "twitter_ads": ("https://ads-api.x.com", "https://api.x.com/oauth/authorize"),
    "yahoo_ads": ("https://ads-search.yahooapis.jp", "https://biz-oauth.yahoo.co.jp/oauth/v1/authorize"),
}


def test_platforms_are_registered_by_name():
    assert platform_names() == ("meta_ads", "instagram", "google_ads", "twitter_ads", "yahoo_ads")
    assert {connector_class(name).name for name in platform_names()} == set(platform_names())


def test_an_unknown_platform_is_a_field_error():
    with pytest.raises(InvalidInput) as caught:
        get_connector("myspace_ads")
    assert list(caught.value.fields) == ["type"]


@pytest.mark.parametrize("name", list(REAL_HOSTS))
def test_defaults_point_at_the_real_hosts(name):
    connector = get_connector(name)
    api_url, authorize_url = REAL_HOSTS[name]
    assert connector.endpoints.api_url == api_url
    assert connector.auth_settings.authorize_url == authorize_url


@override_settings(ANALYTICAFLOW_META_API_URL="http://proxy.local/graph/", ANALYTICAFLOW_META_OAUTH_URL="http://login",
                   ANALYTICAFLOW_META_CLIENT_ID="app-1", ANALYTICAFLOW_META_CLIENT_SECRET="s3cret",
                   ANALYTICAFLOW_YAHOO_ADS_DISPLAY_API_URL="http://proxy.local/yda",
                   ANALYTICAFLOW_GOOGLE_ADS_DEVELOPER_TOKEN="dev-token")
def test_hosts_and_app_credentials_come_from_settings():
    meta = get_connector("meta_ads")
    assert meta.endpoints.api_url == "http://proxy.local/graph"
    assert meta.auth_settings.token_url == "http://proxy.local/graph/v25.0/oauth/access_token"
    assert meta.auth_settings.authorize_url == "http://login/v25.0/dialog/oauth"
    assert (meta.app.client_id, meta.app.client_secret.reveal()) == ("app-1", "s3cret")
    assert "s3cret" not in repr(meta.app)
    assert get_connector("yahoo_ads").endpoints.extra["DISPLAY_API_URL"] == "http://proxy.local/yda"
    assert get_connector("google_ads").client_headers() == {"developer-token": "dev-token"}


@pytest.mark.parametrize("name, kind, pkce, refreshable, restatement", [
    ("meta_ads", OAuth2Settings, False, False, 28),
    ("instagram", OAuth2Settings, False, False, 3),
    ("google_ads", OAuth2Settings, True, True, 30),
    ("twitter_ads", OAuth1Settings, None, False, 7),
    ("yahoo_ads", OAuth2Settings, False, True, 30),
])
def test_auth_and_restatement_per_platform(name, kind, pkce, refreshable, restatement):
    connector = get_connector(name)
    assert isinstance(connector.auth_settings, kind)
    assert getattr(connector.auth_settings, "pkce", None) == pkce
    assert connector.supports_refresh() is refreshable
    assert connector.restatement_days == restatement


@pytest.mark.parametrize("name", list(REAL_HOSTS))
def test_streams_declare_key_cursor_and_schema(name):
    (stream,) = get_connector(name).streams
    schema = stream.schema()
    assert stream.cursor_field == "date" and set(stream.primary_key) <= set(schema)
    assert schema["date"] == {"type": "date", "nullable": False}
    if stream.table == "ad_spend_daily":
        assert schema["spend"] == {"type": "decimal", "nullable": False}
        assert schema["adset_id"] == {"type": "string", "nullable": True}
        assert list(schema) == ["source", "account_id", "campaign_id", "campaign_name", "adset_id", "ad_id", "date",
                                "spend", "impressions", "clicks", "platform_conversions",
                                "platform_conversion_value", "currency"]
    else:
        assert list(schema) == ["source", "account_id", "post_id", "date", "followers", "reach", "impressions",
                                "engagements"]


def test_backfill_windows_cover_365_days_newest_first():
    connector = get_connector("meta_ads")
    account = Account(platform="meta_ads", account_id="1", name="", currency="EUR", time_zone="Asia/Tokyo")
    # 2025-03-20 20:00 UTC is already 03-21 in Tokyo: the backfill ends on 03-20 there.
    windows = connector.backfill_windows(now=datetime(2025, 3, 20, 20, 0, tzinfo=UTC), account=account)
    assert windows[0][1] == date(2025, 3, 20) and windows[-1][0] == date(2024, 3, 21)
    assert sum(dates.days_between(first, last) for first, last in windows) == 365
    assert all(dates.days_between(first, last) <= 30 for first, last in windows)


def test_accounts_round_trip_through_json():
    account = Account(platform="google_ads", account_id="1234567890", name="Shop", currency="USD",
                      time_zone="America/New_York", details={"login_customer_id": "1112223333"})
    assert Account.from_dict(account.to_dict()) == account


def test_raw_store_round_trip_and_no_escape(tmp_path):
    page = RawPage(platform="meta_ads", stream="insights", account_id="act/../1", request="GET x",
                   fetched_at=datetime(2025, 3, 20, tzinfo=UTC), body='{"data": []}', context={"level": "ad"})
    store = DirectoryRawStore(tmp_path)
    reference = store.save([page], platform="meta_ads", account_id="act/../1")
    assert ".." not in reference
    assert store.load(reference) == [page]
    with pytest.raises(ValueError):
        store.load("../outside.jsonl.gz")


def test_raw_pages_stored_by_earlier_versions_still_load(tmp_path):
    # Earlier versions wrote each page with the standard library's spaced JSON; text stays as sent (non-ASCII too).
    line = ('{"platform": "yahoo_ads", "stream": "report", "account_id": "1002", "request": "POST download", '
            '"fetched_at": "2025-03-20T00:00:00+00:00", "body": "DAY,CAMPAIGN_NAME\\n2025-03-19,春のセール\\n", '
            '"content_type": "csv", "context": {"fields": ["DAY", "CAMPAIGN_NAME"]}}\n')
    folder = tmp_path / "yahoo_ads" / "1002"
    folder.mkdir(parents=True)
    (folder / "old.jsonl.gz").write_bytes(gzip.compress(line.encode()))
    [page] = DirectoryRawStore(tmp_path).load("yahoo_ads/1002/old.jsonl.gz")
    assert page == RawPage(platform="yahoo_ads", stream="report", account_id="1002", request="POST download",
                           fetched_at=datetime(2025, 3, 20, tzinfo=UTC),
                           body="DAY,CAMPAIGN_NAME\n2025-03-19,春のセール\n", content_type="csv",
                           context={"fields": ["DAY", "CAMPAIGN_NAME"]})


@pytest.mark.parametrize("first, last, days, expected", [
    (date(2025, 3, 1), date(2025, 3, 10), 7, [(date(2025, 3, 1), date(2025, 3, 7)), (date(2025, 3, 8),
                                                                                     date(2025, 3, 10))]),
    (date(2025, 3, 1), date(2025, 3, 1), 7, [(date(2025, 3, 1), date(2025, 3, 1))]),
])
def test_windows(first, last, days, expected):
    assert list(dates.windows(first, last, days=days)) == expected


def test_a_reversed_range_is_a_field_error():
    with pytest.raises(InvalidInput) as caught:
        list(dates.windows(date(2025, 3, 2), date(2025, 3, 1), days=7))
    assert list(caught.value.fields) == ["date_from"]
