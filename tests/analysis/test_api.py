"""The analyses over HTTP (DRF test client) on the process-wide warehouse: shapes, access, 400s naming the field."""

from __future__ import annotations

from datetime import date

import pytest

from analyticaflow.accounts import services as accounts
from analyticaflow.projections.services import projections_served
from tests.channeldata.conftest import process_warehouse  # noqa: F401
from tests.factories import add_member, make_project, make_user
from tests.projections.streams import identify
from tests.reports.helpers import daily_spend, order, project_events, utc, visit

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/{}/reports/{}"


@pytest.fixture
def shop(project, process_warehouse):  # noqa: F811
    """Berlin shop in EUR: ann comes from a Facebook ad and buys twice, bob buys once without a visit."""
    project.timezone, project.currency = "Europe/Berlin", "EUR"
    project.save()
    project_events(process_warehouse, [
        visit("ann", utc(2026, 3, 2, 10), source="facebook", medium="cpc", campaign="Spring", project_id=project.id),
        identify(user_id="ann", anonymous_id="ann-phone", timestamp=utc(2026, 3, 2, 10, 1), project_id=project.id,
                 traits={"email": "ann@shop.test"}),
        order("ann", "o1", utc(2026, 3, 3, 10), 100, project_id=project.id),
        order("ann", "o2", utc(2026, 4, 3, 10), 60, project_id=project.id),
        order("bob", "o3", utc(2026, 3, 4, 10), 50, project_id=project.id),
    ])
    daily_spend(process_warehouse, source="meta_ads", account="act_1", campaign_id="c1", name="Spring",
                first=date(2026, 3, 1), days=10, spend="10", project_id=project.id)
    return project


FUNNEL = {"date_from": "2026-03-01", "date_to": "2026-03-31",
          "steps": [{"type": "page"}, {"event": "Order Completed"}], "breakdown": "channel",
          "dropped": {"step": 2}}


def post(client, project, kind, body):
    return client.post(URL.format(project.id, kind), body, format="json")


def test_funnel(as_user, owner, shop):
    response = post(as_user(owner), shop, "funnel", FUNNEL)
    assert response.status_code == 200, response.content
    data = response.json()
    assert [(s["label"], s["persons"], s["conversion_from_previous"]) for s in data["steps"]] == [
        ("any page", 1, None), ("Order Completed", 1, 1.0)]
    assert data["steps"][1]["median_seconds_from_previous"] == 86_400.0
    assert [(g["value"], g["steps"][0]["persons"]) for g in data["breakdown"]["groups"]] == [("facebook", 1)]
    assert data["dropped"] == {"step": 2, "group": None, "next": None, "persons": []}
    assert data["window_seconds"] == 604800 and data["timezone"] == "Europe/Berlin"


def test_cohorts(as_user, owner, shop, process_warehouse):  # noqa: F811
    response = post(as_user(owner), shop, "cohorts", {
        "date_from": "2026-03-01", "date_to": "2026-03-31", "granularity": "month", "periods": 1,
        "start_event": {"event": "Order Completed"}})
    assert response.status_code == 200, response.content
    data = response.json()
    assert [(c["cohort"], c["size"], [cell["persons"] for cell in c["cells"]]) for c in data["cohorts"]] == [
        ("2026-03-01", 2, [2, 1])]
    assert data["cohorts"][0]["cells"][1]["revenue_per_member"] == 30.0
    assert data["start_event"] == {"type": "track", "event": "Order Completed", "filters": []}
    # Answered from the stored cohort rows: the log seq they include (the projection checkpoint of their build).
    assert data["data_as_of"]["seq"] == projections_served(warehouse=process_warehouse).checkpoint_seq
    assert data["data_as_of"]["built_at"].endswith("Z")


def test_ltv_with_cac_from_spend(as_user, owner, shop):
    response = post(as_user(owner), shop, "ltv", {"date_from": "2026-03-01", "date_to": "2026-03-31",
                                                    "months": 2})
    assert response.status_code == 200, response.content
    data = response.json()
    facebook = next(g for g in data["groups"] if g["key"] == "facebook")
    assert (facebook["customers"], facebook["ltv"], facebook["spend"], facebook["cac"]) == (
        1, [100.0, 160.0, 160.0], 100.0, 100.0)
    assert facebook["payback_month"] == 0
    assert data["overall"]["customers"] == 2 and data["overall"]["cac"] == 50.0


ACT_1 = {"source": "meta_ads", "account_id": "act_1"}


def test_the_account_filter_keeps_the_persons_it_acquired_and_its_spend(as_user, owner, shop, process_warehouse):  # noqa: F811
    """ann's first touch is act_1's Spring campaign; bob has none. Another account's spend leaves CAC alone."""
    daily_spend(process_warehouse, source="google_ads", account="g_9", campaign_id="g1", name="Other",
                first=date(2026, 3, 1), days=10, spend="20", project_id=shop.id)
    client = as_user(owner)
    every = post(client, shop, "ltv", {"date_from": "2026-03-01", "date_to": "2026-03-31", "months": 1}).json()
    assert (every["overall"]["customers"], every["overall"]["spend"], every["overall"]["cac"]) == (2, 300.0, 150.0)
    ltv = post(client, shop, "ltv", {"date_from": "2026-03-01", "date_to": "2026-03-31", "months": 1,
                                     "account": ACT_1})
    assert ltv.status_code == 200, ltv.content
    overall = ltv.json()["overall"]
    assert (overall["customers"], overall["ltv"], overall["spend"], overall["cac"]) == (1, [100.0, 160.0], 100.0,
                                                                                         100.0)
    paths = post(client, shop, "journeys", {"date_from": "2026-03-01", "date_to": "2026-03-31", "account": ACT_1})
    assert [(p["path"], p["conversions"]) for p in paths.json()["paths"]] == [(["facebook"], 1)]
    cohorts = post(client, shop, "cohorts", {"date_from": "2026-03-01", "date_to": "2026-03-31", "periods": 0,
                                             "granularity": "month", "start_event": {"event": "Order Completed"},
                                             "account": ACT_1}).json()
    assert [(c["cohort"], c["size"]) for c in cohorts["cohorts"]] == [("2026-03-01", 1)]
    funnel = post(client, shop, "funnel", {**FUNNEL, "steps": [{"event": "Order Completed"}] * 2,
                                           "account": {"source": "google_ads", "account_id": "g_9"}}).json()
    assert [s["persons"] for s in funnel["steps"]] == [0, 0]


@pytest.mark.parametrize("kind", ["funnel", "cohorts", "ltv", "journeys"])
def test_an_account_the_project_does_not_have_is_400(as_user, owner, shop, kind):
    body = {"date_from": "2026-03-01", "date_to": "2026-03-31", **(FUNNEL if kind == "funnel" else {}),
            "account": {"source": "meta_ads", "account_id": "act_404"}}
    response = post(as_user(owner), shop, kind, body)
    assert response.status_code == 400, response.content
    assert "act_404" in response.json()["error"]["fields"]["account"][0]


def test_journeys_paths_and_timeline(as_user, owner, shop):
    client = as_user(owner)
    paths = post(client, shop, "journeys", {"date_from": "2026-03-01", "date_to": "2026-03-31"})
    assert paths.status_code == 200, paths.content
    assert [(p["path"], p["conversions"]) for p in paths.json()["paths"]] == [(["facebook"], 1), (["direct"], 1)]
    timeline = post(client, shop, "journeys", {"view": "timeline", "person": "ann@shop.test", "limit": 2})
    assert timeline.status_code == 200, timeline.content
    data = timeline.json()
    assert data["person"]["person_id"] == "u:ann"
    assert data["person"]["identities"] == ["a:ann-phone", "u:ann"]
    assert [e["type"] for e in data["events"]] == ["page", "identify"]
    assert data["events"][0]["touchpoint_channel"] == "facebook" and data["events"][0]["session_start"] is True
    rest = post(client, shop, "journeys", {"view": "timeline", "person": "ann", "cursor": data["next"]}).json()
    assert [e["name"] for e in rest["events"]] == ["Order Completed", "Order Completed"]
    missing = post(client, shop, "journeys", {"view": "timeline", "person": "nobody"})
    assert missing.status_code == 404
    assert missing.json()["error"]["fields"] == {"person": ["No person has this id or e-mail."]}


@pytest.mark.parametrize("role", ["viewer", "marketer"])
def test_every_member_may_run_the_analyses(as_user, shop, role):
    member = make_user(f"{role}@shop.test")
    add_member(shop, member, role)
    assert post(as_user(member), shop, "funnel", FUNNEL).status_code == 200


def test_a_read_api_key_may_run_them(api, owner, shop):
    secret = accounts.api_key_issue(project=shop, name="BI", created_by=owner).raw_key
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert post(api, shop, "cohorts", {"date_from": "2026-03-01", "date_to": "2026-03-31"}).status_code == 200


@pytest.mark.parametrize("kind", ["funnel", "cohorts", "ltv", "journeys"])
def test_non_members_get_403_and_anonymous_401(api, as_user, project, kind):
    stranger = make_user("stranger@else.test")
    make_project(stranger, name="Theirs")
    assert post(as_user(stranger), project, kind, FUNNEL).status_code == 403
    assert post(api, project, kind, FUNNEL).status_code == 401


BAD = [
    ("funnel", {"steps": []}, "steps"),
    ("funnel", {"steps": [{"event": "Order Completed"}]}, "steps"),
    ("funnel", {"window_seconds": 0}, "window_seconds"),
    ("funnel", {"window_seconds": -5}, "window_seconds"),
    ("funnel", {"breakdown": "weather"}, "breakdown"),
    ("funnel", {"breakdown": "property"}, "breakdown_property"),
    ("funnel", {"steps": [{"type": "track"}, {"event": "x"}]}, "steps.0.event"),
    ("funnel", {"steps": [{"type": "click"}, {"event": "x"}]}, "steps.0.type"),
    ("funnel", {"steps": [{"evnt": "x"}, {"event": "x"}]}, "steps.0.evnt"),
    ("funnel", {"steps": [{"event": "x", "filters": [{"property": "p", "operator": "like"}]}, {"event": "y"}]},
     "steps.0.filters.0.operator"),
    ("funnel", {"steps": [{"event": "x", "filters": [{"property": "p", "operator": "gt", "value": "a"}]},
                          {"event": "y"}]}, "steps.0.filters.0.value"),
    ("funnel", {"dropped": {"step": 3}}, "dropped.step"),
    ("funnel", {"date_to": "2026-02-01"}, "date_to"),
    ("funnel", {"colour": "red"}, "colour"),
    ("cohorts", {"granularity": "fortnight"}, "granularity"),
    ("cohorts", {"granularity": "day", "date_from": "2025-01-01"}, "granularity"),
    ("cohorts", {"periods": -1}, "periods"),
    ("cohorts", {"return_event": {"type": "identify", "event": "x"}}, "return_event.event"),
    ("ltv", {"months": 61}, "months"),
    ("ltv", {"by": "campaign"}, "by"),
    ("journeys", {"view": "timeline"}, "person"),
    ("journeys", {"view": "timeline", "person": "ann", "cursor": "nonsense"}, "cursor"),
    ("journeys", {"view": "maze"}, "view"),
    ("journeys", {"date_from": None}, "date_from"),
    ("journeys", {"limit": 201}, "limit"),
    ("funnel", {"account": {"source": "meta_ads"}}, "account.account_id"),
    ("cohorts", {"account": {"source": "meta_ads", "account_id": "act_1", "name": "x"}}, "account.name"),
    ("ltv", {"account": "meta_ads:act_1"}, "account.non_field_errors"),
    ("journeys", {"view": "timeline", "person": "ann", "account": {"source": "meta_ads", "account_id": "act_1"}},
     "account"),
]


@pytest.mark.parametrize(("kind", "changes", "field"), BAD)
def test_bad_requests_are_400_naming_the_field(as_user, owner, project, kind, changes, field):
    """Checked before any data is read: the project needs none."""
    body = {**({"date_from": "2026-03-01", "date_to": "2026-03-31"}), **(FUNNEL if kind == "funnel" else {})}
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}
    response = post(as_user(owner), project, kind, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"], error
