"""One channel grouping for every report: the same touchpoint lands in the same channel group in the funnel
breakdown, the LTV groups, the journeys' top paths and the attribution report (over HTTP, DuckDB).

Each person has exactly one visit and one order, so each report's group of the person is the group of that visit.
The project buys Google Ads and Meta ads: an unpaid Google search visit and an unpaid Facebook post visit stay
organic (sharing a channel with a platform that has spend does not make a visit paid); an ad click is paid.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.channeldata.conftest import process_warehouse  # noqa: F401
from tests.reports.helpers import daily_spend, order, project_events, utc, visit

pytestmark = pytest.mark.django_db

# person → (visit options, hand-classified group)
PERSONS = {
    "searcher": ({"referrer": "https://www.google.com/search?q=sneakers"}, "organic"),
    "follower": ({"source": "facebook", "medium": "social", "campaign": "Launch post"}, "organic"),
    "clicker": ({"source": "google", "medium": "cpc", "campaign": "Brand"}, "paid_search"),
    # The same source and medium: a campaign the project has spend for is paid, another one is not.
    "tagged": ({"source": "google", "medium": "organic", "campaign": "Brand"}, "paid_search"),
    "untagged": ({"source": "google", "medium": "organic", "campaign": "Guide"}, "organic"),
    "fan": ({"source": "facebook", "medium": "paid_social", "campaign": "Spring"}, "paid_social"),
    "reader": ({"source": "newsletter", "medium": "email"}, "email"),
    "linked": ({"referrer": "https://sneaker-blog.example/best-of"}, "referral"),
}
RANGE = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def shop(project, process_warehouse):  # noqa: F811
    project.timezone, project.currency = "Europe/Berlin", "EUR"
    project.save()
    records = []
    for day, (person, (options, _group)) in enumerate(PERSONS.items(), start=2):
        records.append(visit(person, utc(2026, 3, day, 10), project_id=project.id, **options))
        records.append(order(person, f"o-{person}", utc(2026, 3, day, 11), 10 * day, project_id=project.id))
    project_events(process_warehouse, records)
    for source, campaign in (("google_ads", "Brand"), ("meta_ads", "Spring")):
        daily_spend(process_warehouse, source=source, account="acc", campaign_id=f"{source}-1", name=campaign,
                    first=date(2026, 3, 1), days=5, spend="10", project_id=project.id)
    return project


def post(client, project, kind, body):
    response = client.post(f"/api/v1/projects/{project.id}/reports/{kind}", {**RANGE, **body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def expected_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for _options, group in PERSONS.values():
        counts[group] = counts.get(group, 0) + 1
    return counts


def test_every_report_puts_each_visit_in_the_same_group(as_user, owner, shop):
    client = as_user(owner)
    expected = expected_counts()
    assert expected == {"organic": 3, "paid_search": 2, "paid_social": 1, "email": 1, "referral": 1}

    funnel = post(client, shop, "funnel", {"steps": [{"type": "page"}, {"event": "Order Completed"}],
                                           "breakdown": "channel_group"})
    assert {g["value"]: g["steps"][1]["persons"] for g in funnel["breakdown"]["groups"]} == expected

    ltv = post(client, shop, "ltv", {"by": "channel_group", "months": 0})
    assert {g["key"]: g["customers"] for g in ltv["groups"]} == expected

    paths = post(client, shop, "journeys", {"by": "channel_group"})
    assert {tuple(p["path"]): p["conversions"] for p in paths["paths"]} == {(g,): n for g, n in expected.items()}

    attribution = post(client, shop, "attribution", {"models": ["last_touch"], "group_by": "channel_group"})
    credited = {row["group"]["channel_group"]: row["credit"]["last_touch"]["conversions"]
                for row in attribution["rows"] if row["credit"]["last_touch"]["conversions"]}
    assert credited == expected
