"""One harness per platform: how to start its fake, connect to it, and what the fake's data must add up to.

Every fake serves the same deterministic dataset (fakes/data.py): 3 campaigns x 10 days from 2025-03-01, in pages
small enough that a complete fetch needs several of them. Totals below are derived by hand from the formulas
there (C = 3, D = 10): Σk = 6, Σi = 45.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from analyticaflow.connectors.base import Account, Connector, Endpoints
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.registry import get_connector
from analyticaflow.connectors.secret import Secret
from tests.connectors.fakes import google_ads, graph, instagram, meta, twitter_ads, yahoo_ads
from tests.connectors.support import FakeClock, make_options

FIRST_DAY, LAST_DAY = date(2025, 3, 1), date(2025, 3, 10)
# Σspend = D·Σk + C·Σi/100 = 10·6 + 3·45/100; Σimpressions = 1000·D·Σk + C·Σi; Σclicks = 10·D·Σk;
# Σconversions = C·D; Σvalue = 12.50·D·Σk.
AD_TOTALS = {"spend": Decimal("61.35"), "impressions": 60135, "clicks": 600,
             "platform_conversions": Decimal(30), "platform_conversion_value": Decimal("750.00")}


@dataclass
class Harness:
    platform: str
    table: str
    expected_rows: int
    expected_totals: dict[str, Any]
    currency: str | None
    time_zone: str
    data_path: str  # regex of the endpoint serving the data pages (faults are injected there)
    rate_limit_wait: float  # what the fake's throttling answer tells a client to wait
    restatement: tuple[date, date]  # for "now" = FakeClock's start, 2025-03-20 12:00 UTC
    supports_refresh: bool
    min_pages: int = 2  # a complete fetch of the dataset takes at least this many raw pages
    poll_sleeps: tuple[float, ...] = ()  # waits of a normal fetch (report jobs polled until done)

    def start(self):
        raise NotImplementedError

    def connector(self, fake, clock: FakeClock) -> Connector:
        raise NotImplementedError

    def credentials(self, fake) -> Credentials:
        return Credentials(access_token=Secret(fake.access_token),
                           refresh_token=Secret(fake.refresh_token) if getattr(fake, "refresh_token", None) else None)

    def account(self, accounts: list[Account]) -> Account:
        return accounts[0]

    def secrets(self, fake) -> list[str]:
        return [fake.access_token]


class MetaHarness(Harness):
    def start(self):
        return meta.FakeMetaAds(campaign_count=3, days=10, max_page_size=7).start()

    def connector(self, fake, clock):
        return get_connector("meta_ads", options=make_options(clock),
                             endpoints=Endpoints(api_url=fake.url, oauth_url=fake.url, version="v25.0"),
                             app=AppCredentials(client_id=graph.APP_ID, client_secret=Secret(graph.APP_SECRET)))


class InstagramHarness(Harness):
    def start(self):
        return instagram.FakeInstagram(days=10).start()

    def connector(self, fake, clock):
        return get_connector("instagram", options=make_options(clock),
                             endpoints=Endpoints(api_url=fake.url, oauth_url=fake.url, version="v25.0"),
                             app=AppCredentials(client_id=graph.APP_ID, client_secret=Secret(graph.APP_SECRET)))


class GoogleAdsHarness(Harness):
    def start(self):
        return google_ads.FakeGoogleAds(days=10, batch_size=7).start()

    def connector(self, fake, clock):
        return get_connector("google_ads", options=make_options(clock),
                             endpoints=Endpoints(api_url=fake.url, oauth_url=f"{fake.url}/o/oauth2/v2/auth",
                                                 token_url=f"{fake.url}/token", version="v26"),
                             app=AppCredentials(client_id=google_ads.CLIENT_ID,
                                                client_secret=Secret(google_ads.CLIENT_SECRET),
                                                developer_token=Secret(google_ads.DEVELOPER_TOKEN)))

    def account(self, accounts):
        return next(account for account in accounts if account.account_id == "1234567890")

    def secrets(self, fake):
        return [fake.access_token, fake.refresh_token, google_ads.CLIENT_SECRET, google_ads.DEVELOPER_TOKEN]


class TwitterAdsHarness(Harness):
    def start(self):
        return twitter_ads.FakeTwitterAds(days=10).start()

    def connector(self, fake, clock):
        fake.now = clock.now  # rate-limit resets are epoch seconds: the fake must share the test's clock
        return get_connector("twitter_ads", options=make_options(clock),
                             endpoints=Endpoints(api_url=fake.url, oauth_url=fake.url, version="12"),
                             app=AppCredentials(client_id=twitter_ads.CONSUMER_KEY,
                                                client_secret=Secret(twitter_ads.CONSUMER_SECRET)))

    def credentials(self, fake):
        return Credentials(access_token=Secret(fake.access_token), token_secret=Secret(fake.token_secret))

    def secrets(self, fake):
        return [fake.access_token, fake.token_secret, twitter_ads.CONSUMER_SECRET]


class YahooAdsHarness(Harness):
    def start(self):
        return yahoo_ads.FakeYahooAds(days=10).start()

    def connector(self, fake, clock):
        return get_connector("yahoo_ads", options=make_options(clock),
                             endpoints=Endpoints(api_url=f"{fake.url}/search", oauth_url=fake.url, version="v20",
                                                 extra={"DISPLAY_API_URL": f"{fake.url}/display"}),
                             app=AppCredentials(client_id=yahoo_ads.CLIENT_ID,
                                                client_secret=Secret(yahoo_ads.CLIENT_SECRET)))

    def account(self, accounts):
        return next(account for account in accounts if account.account_id == "1002345678")

    def secrets(self, fake):
        return [fake.access_token, fake.refresh_token, yahoo_ads.CLIENT_SECRET]


HARNESSES: list[Harness] = [
    MetaHarness(platform="meta_ads", table="ad_spend_daily", expected_rows=30, expected_totals=AD_TOTALS,
                currency="EUR", time_zone="Europe/Berlin", data_path=r"/act_\d+/insights$",
                rate_limit_wait=60.0,  # BUC estimated_time_to_regain_access = 1 minute
                restatement=(date(2025, 2, 20), date(2025, 3, 19)), supports_refresh=False),
    # Account rows only (a range ending before yesterday takes no post snapshot); sums from fakes/instagram.py.
    InstagramHarness(platform="instagram", table="social_daily", expected_rows=10,
                     expected_totals={"followers": 95, "reach": 8450, "impressions": 24500, "engagements": 1545},
                     currency=None, time_zone="America/Los_Angeles", data_path=r"/\d+/insights$",
                     rate_limit_wait=60.0, restatement=(date(2025, 3, 17), date(2025, 3, 19)),
                     supports_refresh=False),
    # One searchStream answer (a JSON array of 5 batches of at most 7 rows) per fetch.
    GoogleAdsHarness(platform="google_ads", table="ad_spend_daily", expected_rows=30, expected_totals=AD_TOTALS,
                     currency="USD", time_zone="America/New_York",
                     data_path=r"customers/1234567890/googleAds:searchStream$",
                     rate_limit_wait=30.0,  # QuotaErrorDetails.retryDelay "30s"
                     restatement=(date(2025, 2, 18), date(2025, 3, 19)), supports_refresh=True, min_pages=1),
    # 10 days <= 14: synchronous stats in windows of 7 + 3 days, each for both placements, plus campaign pages.
    TwitterAdsHarness(platform="twitter_ads", table="ad_spend_daily", expected_rows=30, expected_totals=AD_TOTALS,
                      currency="USD", time_zone="America/Los_Angeles", data_path=r"/stats/accounts/",
                      rate_limit_wait=120.0,  # x-rate-limit-reset = now + 120 s
                      restatement=(date(2025, 3, 13), date(2025, 3, 19)), supports_refresh=False),
    # Whole yen: spend 100·k + i, so Σspend = 100·D·Σk + C·Σi = 6000 + 135; Σvalue = 1250·D·Σk. One CSV per fetch.
    YahooAdsHarness(platform="yahoo_ads", table="ad_spend_daily", expected_rows=30,
                    expected_totals={**AD_TOTALS, "spend": Decimal(6135), "platform_conversion_value": Decimal(75000)},
                    currency="JPY", time_zone="Asia/Tokyo", data_path=r"ReportDefinitionService/download$",
                    rate_limit_wait=30.0,  # 0003 "Frequency limit exceeded" publishes no wait: 30 s
                    restatement=(date(2025, 2, 18), date(2025, 3, 19)), supports_refresh=True, min_pages=1,
                    poll_sleeps=(5.0, 10.0)),  # WAIT, IN_PROGRESS, then COMPLETED
]
