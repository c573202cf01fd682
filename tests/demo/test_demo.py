"""The demo shop: deterministic, seasonal, tagged the way each platform tags, with deliberate tracking gaps, and
loaded through the real pipeline (capture, projections, channel-data loaders) into a real warehouse."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections import Counter
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import orjson
import pytest

from analyticaflow.channeldata.platforms import clean_campaign_name
from analyticaflow.demo.services import SIZES, demo_create, demo_data_load
from analyticaflow.demo.shop import ACCOUNTS, CHANNELS, black_friday, campaigns, rate_on, season
from analyticaflow.demo.spend import spend_rows
from analyticaflow.demo.traffic import simulate
from analyticaflow.eventlog.sqlite import SqliteEventLog
from analyticaflow.reports.kpi import kpi_report
from analyticaflow.reports.periods import Period
from analyticaflow.reports.query import ReportQuery
from analyticaflow.reports.selectors import rate_book
from analyticaflow.warehouse.backends import open_warehouse

LAST_DAY = date(2026, 11, 22)
FIRST_DAY = LAST_DAY - timedelta(days=364)  # of the year the module's simulation covers


def run(*, days: int, seed: int = 7, scale: float = 0.15, last_day: date = LAST_DAY):
    """Every message of a simulated period and the final simulation state."""
    messages, sim = [], None
    for _, day_messages, sim in simulate(first_day=last_day - timedelta(days=days - 1), last_day=last_day,
                                         seed=seed, scale=scale, unpaid_per_day=130, time_zone="Europe/Berlin",
                                         currency="EUR"):
        messages.extend(day_messages)
    return messages, sim


@pytest.fixture(scope="module")
def year():
    return run(days=365)


def landing_pages(messages):
    return [m for m in messages if m["type"] == "page" and "?" in m["properties"]["url"]]


def test_the_same_seed_gives_the_same_shop_and_another_seed_another():
    digest = lambda messages: hashlib.sha256(orjson.dumps(messages)).hexdigest()  # noqa: E731
    first, _ = run(days=20)
    again, _ = run(days=20)
    other, _ = run(days=20, seed=8)
    assert digest(first) == digest(again)
    assert digest(first) != digest(other)
    assert len({m["messageId"] for m in first}) == len(first)  # every message has its own id


def test_every_tagged_campaign_matches_its_spend_by_normalized_name_and_the_gaps_are_deliberate(year):
    messages, sim = year
    tagged = {(m["context"]["campaign"]["source"], m["context"]["campaign"]["name"])
              for m in messages if m["type"] == "page" and "campaign" in m["context"]}
    rows = spend_rows(days=sim.campaign_days, seed=7, first_day=FIRST_DAY)
    spend_keys = {clean_campaign_name(row.campaign_name) for row in rows}
    utm_keys = {clean_campaign_name(name) for _, name in tagged}
    # Spend whose campaign never appears in a UTM: the untagged video campaign.
    assert spend_keys - utm_keys == {"brand_video_awareness"}
    # UTMs with no spend behind them: the newsletter, the influencer collab and a retired Google campaign.
    assert utm_keys - spend_keys == {"weekly_newsletter", "creator_collab_spring", "search_competitors_legacy"}
    # A hand-typed UTM that only matches after normalization.
    assert ("google", "Search-Generic-Sneakers") in tagged


@pytest.mark.parametrize(("platform", "click_id", "utm_source"), [
    ("meta", "fbclid", "facebook"), ("google", "gclid", "google"), ("twitter", "twclid", "twitter"),
    ("yahoo", "yclid", "yahoo"),
])
def test_paid_visits_carry_the_platforms_click_id_and_utm_source(year, platform, click_id, utm_source):
    messages, _ = year
    account = ACCOUNTS[platform]
    assert account.click_id == click_id
    with_click = [parse_qs(urlsplit(m["properties"]["url"]).query) for m in landing_pages(messages)
                  if click_id in m["properties"]["url"]]
    assert len(with_click) > 50
    sources = Counter(q.get("utm_source", ["(untagged)"])[0] for q in with_click)
    assert sources[utm_source] > 0.5 * len(with_click)
    assert set(sources) <= {utm_source, "(untagged)"}


def test_unpaid_traffic_comes_from_search_social_referrals_email_and_direct(year):
    messages, _ = year
    landings = [m for m in messages if m["type"] == "page" and m["properties"]["referrer"] != "https://demo-shop.example/"]
    referrers = Counter(urlsplit(m["properties"]["referrer"]).hostname for m in landings)
    for host in ("www.google.com", "www.bing.com", "l.instagram.com", "m.facebook.com", "www.sneaker-blog.example"):
        assert referrers[host] > 20, host
    direct = [m for m in messages if m["type"] == "page" and "?" not in m["properties"]["url"]
              and m["properties"]["referrer"] == "https://demo-shop.example/" and m["properties"]["path"] == "/"]
    assert len(direct) > 500
    assert {c.key for c in CHANNELS} >= {"direct", "newsletter", "organic_google"}


def test_traffic_follows_the_week_and_peaks_in_november(year):
    messages, _ = year
    visits = Counter(m["timestamp"][:10] for m in messages if m["type"] == "page")
    november = sum(v for d, v in visits.items() if d.startswith("2026-11") and d <= "2026-11-22") / 22
    july = sum(v for d, v in visits.items() if d.startswith("2026-07")) / 31
    assert november > 1.4 * july
    bf = black_friday(2025)
    assert bf == date(2025, 11, 28)
    around_bf = visits[bf.isoformat()]
    assert around_bf > 2 * july
    assert season(date(2026, 7, 5)) > season(date(2026, 7, 6))  # a Sunday is busier than the Monday after


def test_people_sign_up_merge_devices_and_order_again(year):
    messages, sim = year
    signups = [m for m in messages if m.get("event") == "Signed Up"]
    identifies = [m for m in messages if m["type"] == "identify"]
    orders = [m for m in messages if m.get("event") == "Order Completed"]
    assert len(signups) == sim.totals.signups > 100
    assert all(m["userId"] and m["anonymousId"] for m in identifies)
    # A customer logging in on a second browser: one userId, several anonymousIds.
    browsers = Counter()
    for m in identifies:
        browsers[m["userId"]] += 1
    assert any(count > 1 for count in browsers.values())
    per_customer = Counter(m["userId"] for m in orders)
    assert sum(1 for n in per_customer.values() if n > 1) > 20
    assert all(m["properties"]["currency"] == "EUR" and m["properties"]["revenue"] > 0 for m in orders)
    assert len({m["properties"]["order_id"] for m in orders}) == len(orders) == sim.totals.orders


def test_spend_follows_the_clicks_and_platforms_claim_more_than_they_drove(year):
    _, sim = year
    rows = list(spend_rows(days=sim.campaign_days, seed=7, first_day=FIRST_DAY))
    assert sum(r.clicks for r in rows) == sum(s.clicks for s in sim.campaign_days.values())
    assert all(r.impressions >= r.clicks and r.spend > 0 for r in rows)
    driven = sum(s.orders for s in sim.campaign_days.values())
    claimed = sum(r.platform_conversions for r in rows)
    assert claimed > driven
    # Seasonal campaigns run only in their months.
    bf_ids = {c.campaign_id for c in campaigns(2026) if "Black_Friday" in c.name}
    assert {r.date.month for r in rows if r.campaign_id in bf_ids} == {11}
    assert {r.source for r in rows} == {"meta_ads", "google_ads", "twitter_ads", "yahoo_ads"}
    assert {r.currency for r in rows if r.source == "yahoo_ads"} == {"JPY"}  # billed in yen, reported in EUR
    assert {r.currency for r in rows if r.source != "yahoo_ads"} == {"EUR"}


@pytest.mark.django_db
def test_the_small_demo_goes_through_capture_projections_and_loaders():
    directory = tempfile.mkdtemp(prefix="af-demo-")
    log = SqliteEventLog(f"{directory}/events.sqlite3")
    warehouse = open_warehouse(f"duckdb:///{directory}/warehouse.duckdb")
    try:
        setup = demo_create(password="a-long-demo-password")
        data = demo_data_load(project=setup.project, size=SIZES["small"], last_day=LAST_DAY, event_log=log,
                              warehouse=warehouse)
        totals = data.totals
        assert data.rejected == 0
        assert data.first_day == LAST_DAY - timedelta(days=99)
        assert len(log.read(after_seq=0, limit=10**7)) == totals.messages  # all captured, none twice
        ((events,),) = warehouse.query("SELECT count(*) FROM events")
        assert events == totals.messages
        ((orders, revenue),) = warehouse.query("SELECT count(*), sum(revenue) FROM orders")
        assert orders == totals.orders and revenue == pytest.approx(totals.revenue)
        repeat = warehouse.query("SELECT count(*) FROM (SELECT person_id FROM orders GROUP BY 1 HAVING count(*) > 1)")
        assert repeat[0][0] > 5  # repeat buyers, merged across their browsers
        campaigns_seen = {row[0] for row in warehouse.query("SELECT DISTINCT campaign FROM touchpoints")}
        assert {"prospecting_lookalike_2", "search_brand", "Search-Generic-Sneakers"} <= campaigns_seen
        ((rows, accounts),) = warehouse.query("SELECT count(*), count(DISTINCT account_id) FROM ad_spend_daily")
        assert rows == data.spend_rows and accounts == 4
        for table in ("social_daily", "web_sessions_daily", "crm_deals"):
            assert warehouse.query(f"SELECT count(*) FROM {table}")[0][0] > 0, table
        # The yen account's spend reaches reports in EUR through the project's rates, with no warning.
        answer = kpi_report(warehouse=warehouse, rates=rate_book(project=setup.project), query=ReportQuery(
            project_id=setup.project.id, timezone="Europe/Berlin", currency="EUR",
            period=Period(data.first_day, LAST_DAY, "Europe/Berlin"), metrics=("spend",)))
        expected = sum(float(spend) * float(rate_on(currency, day, data.first_day))
                       for currency, day, spend in warehouse.query("SELECT currency, date, spend FROM ad_spend_daily"))
        assert answer["warnings"] == []
        assert answer["current"]["spend"] == pytest.approx(expected, abs=0.01)
        # Loading again changes nothing: the same message ids are duplicates, the loaders replace their windows.
        again = demo_data_load(project=setup.project, size=SIZES["small"], last_day=LAST_DAY, event_log=log,
                               warehouse=warehouse)
        assert len(log.read(after_seq=0, limit=10**7)) == totals.messages and again.rejected == 0
        assert warehouse.query("SELECT count(*) FROM events")[0][0] == events
        assert warehouse.query("SELECT count(*) FROM ad_spend_daily")[0][0] == rows
    finally:
        warehouse.close()
        log.close()
        shutil.rmtree(directory, ignore_errors=True)
