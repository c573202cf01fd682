"""The issue's Person and Touchpoint definitions, checked on the projected tables the analyses read.

Person: anonymousIds merged with a userId (identify/alias) are one person, retroactively and across devices;
events with only a userId belong to it; other anonymousIds are guests of their own.
Touchpoint: a page that is the person's first page event, or comes strictly more than 30 minutes after the
person's previous event of any type on any device; its channel and campaign from the page's context.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.analysis.conftest import build_shop
from tests.projections.streams import at, identify, page, track

HALF_HOUR = 30


def people_events():
    return [
        # Person U: phone (p) and laptop (l), merged only at the end; a userId-only order in between.
        page("https://shop.test/?gclid=G", anonymous_id="p", timestamp=at(0)),  # first page → touchpoint
        track("Product Viewed", anonymous_id="l", timestamp=at(10)),
        # 30 min exactly after the laptop's track: same visit, although the page is on the phone.
        page("https://shop.test/a", anonymous_id="p", timestamp=at(10 + HALF_HOUR)),
        track("Order Completed", user_id="U", timestamp=at(41), properties={"order_id": "u1", "revenue": 5}),
        # 30 min and 1 µs after the order: a new visit → touchpoint (newsletter campaign beats the gclid).
        page("https://shop.test/b?gclid=H", anonymous_id="l", timestamp=at(41 + HALF_HOUR) + timedelta(microseconds=1),
             campaign={"source": "Newsletter", "medium": "email", "name": "May"}),
        identify(anonymous_id="p", user_id="U", timestamp=at(200)),
        identify(anonymous_id="l", user_id="U", timestamp=at(201)),
        # A guest: their own person; a session that starts with a track still makes their first page a touchpoint.
        track("Signed Up", anonymous_id="guest", timestamp=at(0)),
        page("https://shop.test/", referrer="https://www.bing.com/search", anonymous_id="guest", timestamp=at(5)),
        page("https://shop.test/?fbclid=F&yclid=Y", anonymous_id="guest", timestamp=at(6)),
    ]


@pytest.fixture(scope="module", params=[1000, 1], ids=["one-chunk", "event-by-event"])
def people(analysis_warehouse, request):
    """Projected in one chunk, and one event per chunk (the incremental path): the same tables."""
    return build_shop(analysis_warehouse, people_events(), chunk_size=request.param)


def rows(shop, sql: str) -> list[tuple]:
    return shop.warehouse.query(sql.replace("{project}", str(shop.project_id)))


def test_persons_merge_devices_retroactively_and_guests_stay_apart(people):
    assert rows(people, "SELECT person_id, count(*) FROM events WHERE project_id = {project} "
                        "GROUP BY person_id ORDER BY person_id") == [("a:guest", 3), ("u:U", 7)]
    assert rows(people, "SELECT person_id FROM orders WHERE project_id = {project}") == [("u:U",)]


def test_touchpoints_start_visits_by_the_strict_thirty_minute_rule_across_devices(people):
    assert rows(people, "SELECT person_id, landing_path, channel, campaign, is_first_page FROM touchpoints "
                        "WHERE project_id = {project} ORDER BY person_id, touched_at") == [
        ("a:guest", "/", "bing", None, 1),
        ("u:U", "/", "google", None, 1),
        ("u:U", "/b", "newsletter", "May", 0),
    ]
