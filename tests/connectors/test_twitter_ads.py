"""X Ads specifics: async jobs with gzip results, 7-day windows, 20-id chunks, local midnights, placements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from analyticaflow.connectors.base import Endpoints
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.errors import ReauthRequired, TransientError
from analyticaflow.connectors.registry import get_connector
from analyticaflow.connectors.secret import Secret
from tests.connectors.fakes import twitter_ads
from tests.connectors.support import FakeClock, make_options


@pytest.fixture
def clock():
    return FakeClock()


def session_for(fake, clock, *, consumer_secret=twitter_ads.CONSUMER_SECRET, **settings):
    fake.now = clock.now
    connector = get_connector("twitter_ads", options=make_options(clock),
                              endpoints=Endpoints(api_url=fake.url, oauth_url=fake.url, version="12"),
                              app=AppCredentials(client_id=twitter_ads.CONSUMER_KEY,
                                                 client_secret=Secret(consumer_secret)))
    credentials = Credentials(access_token=Secret(fake.access_token), token_secret=Secret(fake.token_secret))
    return connector.open(credentials=credentials, settings=settings)


def fetch(fake, clock, date_from, date_to, **settings):
    with session_for(fake, clock, **settings) as session:
        return session.fetch(account=session.list_accounts()[0], date_from=date_from, date_to=date_to)


def test_long_ranges_use_async_jobs_and_gzip_results():
    clock = FakeClock()
    with twitter_ads.FakeTwitterAds(days=40) as fake:
        result = fetch(fake, clock, date(2025, 3, 1), date(2025, 4, 9))
        assert fake.calls(r"/stats/accounts/") == []  # no synchronous stats
        assert len(fake.jobs) == 2  # one 40-day window x one chunk of 3 campaigns x two placements
    assert clock.sleeps == [5.0]  # first poll: PROCESSING; second: SUCCESS
    # C = 3, D = 40, Σi = 780: spend 40·6 + 3·780/100; impressions 1000·40·6 + 3·780; value 12.50·40·6.
    assert len(result.rows) == 120
    assert sum(row.spend for row in result.rows) == Decimal("263.40")
    assert sum(row.impressions for row in result.rows) == 242340
    assert sum(row.platform_conversion_value for row in result.rows) == Decimal("3000.00")
    assert all(page.request.startswith("GET async job") for page in result.pages if page.stream == "stats")


def test_a_failed_job_is_transient(clock):
    with twitter_ads.FakeTwitterAds(days=40) as fake:
        fake.inject("job_failed", path=r"/stats/jobs/")
        fake.inject("job_failed", path=r"/stats/jobs/")
        with pytest.raises(TransientError, match="ended FAILED"):
            fetch(fake, clock, date(2025, 3, 1), date(2025, 4, 9))


def test_campaigns_are_asked_for_twenty_at_a_time(clock):
    with twitter_ads.FakeTwitterAds(campaign_count=45, days=1, max_page_size=1000) as fake:
        result = fetch(fake, clock, date(2025, 3, 1), date(2025, 3, 1))
        calls = fake.calls(r"/stats/accounts/")
    assert sorted(len(call.query["entity_ids"].split(",")) for call in calls) == [5, 5, 20, 20, 20, 20]
    assert {call.query["placement"] for call in calls} == {"ALL_ON_TWITTER", "PUBLISHER_NETWORK"}
    assert len(result.rows) == 45


def test_windows_start_and_end_at_local_midnight_across_dst(clock):
    with twitter_ads.FakeTwitterAds(days=10) as fake:
        fetch(fake, clock, date(2025, 3, 1), date(2025, 3, 10))
        spans = sorted({(call.query["start_time"], call.query["end_time"]) for call in fake.calls(r"/stats/accounts/")})
    # Los Angeles: PST (UTC-8) until 2025-03-09 02:00, then PDT (UTC-7). Windows of 7 days, then 3.
    assert spans == [("2025-03-01T08:00:00Z", "2025-03-08T08:00:00Z"),
                     ("2025-03-08T08:00:00Z", "2025-03-11T07:00:00Z")]


def test_placements_are_added_and_null_days_make_no_rows(clock):
    with twitter_ads.FakeTwitterAds(days=10) as fake:
        result = fetch(fake, clock, date(2025, 3, 9), date(2025, 3, 15))
    # Only 03-09 and 03-10 have data (the rest is null): 2 days x 3 campaigns.
    assert len(result.rows) == 6
    first = min(result.rows, key=lambda row: (row.date, row.campaign_id))
    # Campaign 1 on day index 8: spend 1.08 (0.58 + 0.50), 1008 impressions (908 + 100), 10 link clicks (9 + 1).
    assert (first.spend, first.impressions, first.clicks) == (Decimal("1.08"), 1008, 10)
    assert (first.platform_conversions, first.platform_conversion_value, first.currency) == (
        Decimal(1), Decimal("12.50"), "USD")


def test_all_clicks_setting(clock):
    with twitter_ads.FakeTwitterAds(days=1) as fake:
        result = fetch(fake, clock, date(2025, 3, 1), date(2025, 3, 1), clicks_metric="clicks")
    # "clicks" (all) = link clicks + 5 in each of the two placements.
    assert sorted(row.clicks for row in result.rows) == [20, 30, 40]


def test_an_exhausted_rate_window_waits_for_its_reset(clock):
    with twitter_ads.FakeTwitterAds(days=10) as fake:
        fake.inject("exhausted", path=r"/stats/accounts/")
        fetch(fake, clock, date(2025, 3, 1), date(2025, 3, 2))
    assert clock.sleeps == [45.0]


def test_a_bad_signature_is_refused(clock):
    with twitter_ads.FakeTwitterAds(days=1) as fake, \
            session_for(fake, clock, consumer_secret="wrong-secret") as session, \
            pytest.raises(ReauthRequired, match="signature mismatch"):
        session.list_accounts()
