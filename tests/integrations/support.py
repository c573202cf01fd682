"""What the integration tests share: a clock that does not really wait, and one case per platform.

Each case starts the connector library's fake server for its platform with the deterministic dataset of
tests/connectors/fakes/data.py (3 campaigns x 10 days) placed inside the last year, says which settings point
the product at the fake, and which KPI totals the synced rows must add up to (derived by hand, see below).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.connectors.fakes import google_ads, graph, instagram, meta, twitter_ads, yahoo_ads
from tests.serving import run_cli


class FastClock:
    """Real wall time, but sleeping (retry backoff, report polling) takes a thousandth of the time asked."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(min(seconds / 1000, 0.05))


FAST_CLOCK = "tests.integrations.support.FastClock"

# The dataset's days: 10 days ending three weeks ago, so every platform's time zone has them in the past year.
FIRST_DAY = datetime.now(UTC).date() - timedelta(days=30)
LAST_DAY = FIRST_DAY + timedelta(days=9)

# 3 campaigns (Σk = 6) x 10 days (Σi = 45), from fakes/data.py: Σspend = 10·6 + 3·45/100 = 61.35,
# Σimpressions = 1000·10·6 + 3·45 = 60135, Σclicks = 10·10·6 = 600, Σconversions = 3·10 = 30,
# Σvalue = 12.50·10·6 = 750. Yahoo reports whole yen: Σspend = 100·10·6 + 3·45 = 6135, Σvalue = 1250·10·6 = 75000.
AD_KPIS = {"spend": 61.35, "impressions": 60135, "clicks": 600, "platform_conversions": 30,
           "platform_conversion_value": 750.0}
# Instagram account day i: follower_count 5 + i, reach 800 + 10i, views 2000 + 100i, interactions 150 + i.
SOCIAL_KPIS = {"new_followers": 95, "reach": 8450, "social_impressions": 24500, "engagements": 1545}


@dataclass
class PlatformCase:
    platform: str
    account_id: str
    currency: str
    kpis: dict[str, Any]
    rows: int  # rows the backfill loads
    table: str = "ad_spend_daily"
    settings_data: dict[str, Any] = field(default_factory=dict)

    def start(self):
        raise NotImplementedError

    def settings(self, fake) -> dict[str, str]:
        raise NotImplementedError


class MetaCase(PlatformCase):
    def start(self):
        return meta.FakeMetaAds(campaign_count=3, first_day=FIRST_DAY, days=10, max_page_size=7).start()

    def settings(self, fake):
        return {"ANALYTICAFLOW_META_API_URL": fake.url, "ANALYTICAFLOW_META_OAUTH_URL": fake.url,
                "ANALYTICAFLOW_META_CLIENT_ID": graph.APP_ID, "ANALYTICAFLOW_META_CLIENT_SECRET": graph.APP_SECRET}


class InstagramCase(PlatformCase):
    def start(self):
        return instagram.FakeInstagram(first_day=FIRST_DAY, days=10).start()

    def settings(self, fake):
        return {"ANALYTICAFLOW_INSTAGRAM_API_URL": fake.url, "ANALYTICAFLOW_INSTAGRAM_OAUTH_URL": fake.url,
                "ANALYTICAFLOW_INSTAGRAM_CLIENT_ID": graph.APP_ID,
                "ANALYTICAFLOW_INSTAGRAM_CLIENT_SECRET": graph.APP_SECRET}


class GoogleAdsCase(PlatformCase):
    def start(self):
        return google_ads.FakeGoogleAds(first_day=FIRST_DAY, days=10, batch_size=7).start()

    def settings(self, fake):
        return {"ANALYTICAFLOW_GOOGLE_ADS_API_URL": fake.url,
                "ANALYTICAFLOW_GOOGLE_ADS_OAUTH_URL": f"{fake.url}/o/oauth2/v2/auth",
                "ANALYTICAFLOW_GOOGLE_ADS_TOKEN_URL": f"{fake.url}/token",
                "ANALYTICAFLOW_GOOGLE_ADS_CLIENT_ID": google_ads.CLIENT_ID,
                "ANALYTICAFLOW_GOOGLE_ADS_CLIENT_SECRET": google_ads.CLIENT_SECRET,
                "ANALYTICAFLOW_GOOGLE_ADS_DEVELOPER_TOKEN": google_ads.DEVELOPER_TOKEN}


class TwitterAdsCase(PlatformCase):
    def start(self):
        return twitter_ads.FakeTwitterAds(first_day=FIRST_DAY, days=10).start()

    def settings(self, fake):
        return {"ANALYTICAFLOW_TWITTER_ADS_API_URL": fake.url, "ANALYTICAFLOW_TWITTER_ADS_OAUTH_URL": fake.url,
                "ANALYTICAFLOW_TWITTER_ADS_CLIENT_ID": twitter_ads.CONSUMER_KEY,
                "ANALYTICAFLOW_TWITTER_ADS_CLIENT_SECRET": twitter_ads.CONSUMER_SECRET}


class YahooAdsCase(PlatformCase):
    def start(self):
        return yahoo_ads.FakeYahooAds(first_day=FIRST_DAY, days=10).start()

    def settings(self, fake):
        return {"ANALYTICAFLOW_YAHOO_ADS_API_URL": f"{fake.url}/search",
                "ANALYTICAFLOW_YAHOO_ADS_DISPLAY_API_URL": f"{fake.url}/display",
                "ANALYTICAFLOW_YAHOO_ADS_OAUTH_URL": fake.url,
                "ANALYTICAFLOW_YAHOO_ADS_CLIENT_ID": yahoo_ads.CLIENT_ID,
                "ANALYTICAFLOW_YAHOO_ADS_CLIENT_SECRET": yahoo_ads.CLIENT_SECRET}


CASES: dict[str, PlatformCase] = {case.platform: case for case in (
    MetaCase("meta_ads", account_id="1234567890", currency="EUR", kpis=AD_KPIS, rows=30),
    # Instagram answers every day of the year (zeros outside the dataset): one account row per day.
    InstagramCase("instagram", account_id="17841400000000000", currency="USD", kpis=SOCIAL_KPIS, rows=365,
                  table="social_daily"),
    # The client account is reached through the manager (login-customer-id), as the fake requires.
    GoogleAdsCase("google_ads", account_id="1234567890", currency="USD", kpis=AD_KPIS, rows=30),
    TwitterAdsCase("twitter_ads", account_id="18ce54d4x5t", currency="USD", kpis=AD_KPIS, rows=30),
    YahooAdsCase("yahoo_ads", account_id="1002345678", currency="JPY", rows=30,
                 kpis={**AD_KPIS, "spend": 6135.0, "platform_conversion_value": 75000.0},
                 settings_data={"products": ["search"]}),
)}


def day_range() -> tuple[date, date]:
    return FIRST_DAY, LAST_DAY


def money(value: Any) -> Decimal:
    return Decimal(str(value))


def prepare_data_dir(data, email: str, password: str) -> None:
    """A migrated data dir with one user, in one process (each command start costs seconds on a busy machine)."""
    script = ("from django.core.management import call_command; call_command('migrate', verbosity=0); "
              "from analyticaflow.accounts.services import user_create; "
              f"user_create(email={email!r}, password={password!r})")
    result = run_cli(data, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
