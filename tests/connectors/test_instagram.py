"""Instagram specifics: Pages → business account, day buckets from end_time across DST, 30-day windows, posts."""

from __future__ import annotations

from datetime import date

import pytest

from analyticaflow.connectors.base import Endpoints
from analyticaflow.connectors.credentials import AppCredentials, Credentials
from analyticaflow.connectors.registry import get_connector
from analyticaflow.connectors.secret import Secret
from analyticaflow.errors import InvalidInput
from tests.connectors.fakes.graph import APP_ID, APP_SECRET
from tests.connectors.fakes.instagram import FakeInstagram
from tests.connectors.support import FakeClock, make_options


@pytest.fixture
def fake():
    with FakeInstagram(first_day=date(2025, 1, 1), days=90) as server:
        yield server


@pytest.fixture
def clock():
    return FakeClock()  # 2025-03-20 12:00 UTC = 05:00 in Los Angeles


def session_for(fake, clock, **settings):
    connector = get_connector("instagram", options=make_options(clock),
                              endpoints=Endpoints(api_url=fake.url, oauth_url=fake.url, version="v25.0"),
                              app=AppCredentials(client_id=APP_ID, client_secret=Secret(APP_SECRET)))
    return connector.open(credentials=Credentials(access_token=Secret(fake.access_token)), settings=settings)


def test_business_accounts_are_found_through_pages(fake, clock):
    with session_for(fake, clock) as session:
        accounts = session.list_accounts()
    assert [(a.account_id, a.name, a.currency, a.time_zone, a.details) for a in accounts] == [
        ("17841400000000000", "shop", None, "America/Los_Angeles", {"page_id": "1000001"})]


def test_day_buckets_follow_end_time_across_the_dst_change(fake, clock):
    # Los Angeles moves to daylight time on 2025-03-09: that day ends at 07:00 UTC, the day before at 08:00.
    with session_for(fake, clock, include_posts=False) as session:
        result = session.fetch(account=session.list_accounts()[0], date_from=date(2025, 3, 8),
                               date_to=date(2025, 3, 10))
    # Day offsets from 2025-01-01: 66, 67, 68 -> reach 800 + 10·i, views 2000 + 100·i.
    assert [(row.date, row.reach, row.impressions, row.followers, row.engagements) for row in result.rows] == [
        (date(2025, 3, 8), 1460, 8600, 71, 216),
        (date(2025, 3, 9), 1470, 8700, 72, 217),
        (date(2025, 3, 10), 1480, 8800, 73, 218),
    ]


def test_long_ranges_use_windows_of_at_most_30_days(fake, clock):
    with session_for(fake, clock, include_posts=False) as session:
        result = session.fetch(account=session.list_accounts()[0], date_from=date(2025, 1, 1),
                               date_to=date(2025, 2, 14))
    series_calls = [call for call in fake.calls(r"/\d+/insights$") if "metric_type" not in call.query]
    assert len(series_calls) == 2  # 30 + 15 days; the fake rejects spans over 30 days
    assert len(result.rows) == 45


def test_post_snapshots_when_the_range_reaches_yesterday(fake, clock):
    with session_for(fake, clock, media_lookback_days=10) as session:
        result = session.fetch(account=session.list_accounts()[0], date_from=date(2025, 3, 19),
                               date_to=date(2025, 3, 19))
    posts = {row.post_id: row for row in result.rows if row.post_id}
    # Lookback 10 days from 2025-03-19: posts from 03-09 on. The 03-02 post ends the walk (newest first).
    assert set(posts) == {"17895695668004550", "17895695668004551", "17895695668004552"}
    first = posts["17895695668004550"]
    assert (first.date, first.reach, first.impressions, first.engagements) == (date(2025, 3, 19), 1834, 2611, 260)
    # Too few viewers and brand-new posts have no numbers: unknown (None), never a made-up zero.
    for post_id in ("17895695668004551", "17895695668004552"):
        assert (posts[post_id].reach, posts[post_id].impressions) == (None, None)
    assert len(fake.calls(r"/\d+/media$")) == 2


def test_an_old_range_takes_no_post_snapshot(fake, clock):
    with session_for(fake, clock) as session:
        result = session.fetch(account=session.list_accounts()[0], date_from=date(2025, 3, 1),
                               date_to=date(2025, 3, 2))
    assert all(row.post_id is None for row in result.rows)
    assert fake.calls(r"/\d+/media$") == []


@pytest.mark.parametrize("settings, field", [
    ({"time_zone": "Mars/Olympus"}, "time_zone"),
    ({"ig_user_id": "shop"}, "ig_user_id"),
    ({"media_lookback_days": 0}, "media_lookback_days"),
])
def test_settings_validation_names_the_field(fake, clock, settings, field):
    connector = get_connector("instagram", options=make_options(clock))
    with pytest.raises(InvalidInput) as caught:
        connector.validate_settings(settings)
    assert list(caught.value.fields) == [field]
