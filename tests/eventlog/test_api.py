"""GET /api/v1/projects/{id}/events: the support log of stored events."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from rest_framework.test import APIClient

from analyticaflow.accounts.models import User
from analyticaflow.eventlog.backends import get_event_log, reset_event_log
from tests.eventlog.conftest import record
from tests.factories import add_member, make_project, make_user

pytestmark = pytest.mark.django_db


def at(hour: int, minute: int) -> datetime:
    return datetime(2024, 3, 10, hour, minute, tzinfo=UTC)


# message id -> (type, name, anonymous id, user id, timestamp); appended in this order, so seq 1..5.
EVENTS = {
    "e1": ("track", "Order Completed", "a1", None, at(10, 0)),
    "e2": ("page", "Pricing", "a1", "u1", at(10, 5)),
    "e3": ("identify", None, "a2", "u1", at(10, 10)),
    "e4": ("track", "Signed Up", "a3", None, at(9, 0)),  # a backfilled, older event appended late
    "e5": ("track", "Order Completed", "a2", None, at(10, 10)),  # same instant as e3, appended later
}
NEWEST_FIRST = ["e5", "e3", "e2", "e1", "e4"]


def payload_of(message_id: str) -> dict:
    type_, name = EVENTS[message_id][:2]
    return {"type": type_, "messageId": message_id, "name": name, "context": {"ip": "203.0.113.7"}}


def staff_user(email: str) -> User:
    """A user without a password (no slow hashing); these tests sign in with ``signed_in``."""
    return User.objects.create_user(email=email)


def signed_in(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner():
    return staff_user("owner@shop.test")


@pytest.fixture
def owner_client(owner) -> APIClient:
    return signed_in(owner)


@pytest.fixture
def event_store(settings, tmp_path):
    settings.ANALYTICAFLOW_EVENT_LOG_URL = f"sqlite://{tmp_path}/events.sqlite3"
    yield get_event_log()
    reset_event_log()


@pytest.fixture
def stored_events(event_store, project, owner):
    other = make_project(owner, name="Other shop")
    for message_id, (type_, name, anonymous_id, user_id, timestamp) in EVENTS.items():
        event_store.append(
            [
                record(
                    message_id,
                    project_id=project.id,
                    type=type_,
                    name=name,
                    anonymous_id=anonymous_id,
                    user_id=user_id,
                    timestamp=timestamp,
                    received_at=datetime(2024, 3, 11, 8, 0, 0, 250000, tzinfo=UTC),
                    payload=orjson.dumps(payload_of(message_id)),
                )
            ]
        )
    # Another project's events never show up, even with matching filters.
    event_store.append([record("x1", project_id=other.id, anonymous_id="a1", user_id="u1", timestamp=at(10, 7))])
    return project


def listed(client, project, query: str = "") -> list[str]:
    response = client.get(f"/api/v1/projects/{project.id}/events{query}")
    assert response.status_code == 200, response.content
    return [item["messageId"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", NEWEST_FIRST),
        ("?type=track", ["e5", "e1", "e4"]),
        ("?type=alias", []),
        ("?event=Order+Completed", ["e5", "e1"]),
        ("?event=Pricing", ["e2"]),
        ("?event=Nothing+like+this", []),
        ("?person=u1", ["e3", "e2"]),
        ("?person=a1", ["e2", "e1"]),
        ("?person=a2", ["e5", "e3"]),
        ("?since=2024-03-10T10:05:00Z", ["e5", "e3", "e2"]),
        ("?until=2024-03-10T10:05:00Z", ["e1", "e4"]),
        ("?since=2024-03-10T10:00:00Z&until=2024-03-10T10:10:00Z", ["e2", "e1"]),
        ("?since=2024-03-10T13:05:00%2B03:00", ["e5", "e3", "e2"]),  # an offset is the same instant
        ("?since=2024-03-10T10:05:00", ["e5", "e3", "e2"]),  # no offset: UTC
        ("?type=track&person=a2", ["e5"]),
        ("?person=u1&since=2024-03-10T10:06:00Z", ["e3"]),
    ],
)
def test_filters_narrow_the_newest_first_listing(owner_client, stored_events, query, expected):
    assert listed(owner_client, stored_events, query) == expected


def test_each_item_shows_ids_names_timestamps_person_and_the_original_payload(owner_client, stored_events):
    items = owner_client.get(f"/api/v1/projects/{stored_events.id}/events?person=u1").json()["results"]

    assert items[1] == {
        "seq": 2,
        "messageId": "e2",
        "type": "page",
        "event": None,
        "name": "Pricing",
        "timestamp": "2024-03-10T10:05:00Z",
        "receivedAt": "2024-03-11T08:00:00.250000Z",
        "anonymousId": "a1",
        "userId": "u1",
        "payload": {"type": "page", "messageId": "e2", "name": "Pricing", "context": {"ip": "203.0.113.7"}},
    }
    assert (items[0]["messageId"], items[0]["event"], items[0]["name"]) == ("e3", None, None)


def test_a_track_item_names_its_event(owner_client, stored_events):
    (item,) = owner_client.get(f"/api/v1/projects/{stored_events.id}/events?event=Pricing").json()["results"]
    assert item["name"] == "Pricing"
    (item, _) = owner_client.get(f"/api/v1/projects/{stored_events.id}/events?person=a2").json()["results"]
    assert (item["type"], item["event"], item["name"]) == ("track", "Order Completed", None)


@pytest.mark.parametrize(
    ("query", "pages"),
    [
        ("?limit=2", [["e5", "e3"], ["e2", "e1"], ["e4"]]),
        ("?limit=1&type=track", [["e5"], ["e1"], ["e4"]]),
        ("?limit=1&person=u1", [["e3"], ["e2"]]),
        ("?limit=5", [NEWEST_FIRST]),
    ],
)
def test_the_cursor_pages_through_older_events_without_gaps_or_repeats(owner_client, stored_events, query, pages):
    seen, url = [], f"/api/v1/projects/{stored_events.id}/events{query}"
    while url:
        body = owner_client.get(url).json()
        seen.append([item["messageId"] for item in body["results"]])
        url = f"/api/v1/projects/{stored_events.id}/events{query}&cursor={body['next']}" if body["next"] else None
    assert seen == pages


def test_the_default_page_holds_fifty_events(owner_client, project, event_store):
    event_store.append([record(f"m{n:03}", project_id=project.id) for n in range(60)])

    body = owner_client.get(f"/api/v1/projects/{project.id}/events").json()

    assert len(body["results"]) == 50 and body["next"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?since=yesterday", "since"),
        ("?until=2024-13-40T00:00:00Z", "until"),
        ("?since=2024-03-10T10:00:00Z&until=2024-03-10T10:00:00Z", "until"),
        ("?since=2024-03-10T11:00:00Z&until=2024-03-10T10:00:00Z", "until"),
        ("?type=purchase", "type"),
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?limit=many", "limit"),
        ("?cursor=%21%21%21", "cursor"),
        ("?cursor=aGVsbG8", "cursor"),  # base64 of "hello": not one of ours
        ("?event=" + "x" * 501, "event"),
    ],
)
def test_bad_filters_answer_400_naming_the_field(owner_client, stored_events, query, field):
    response = owner_client.get(f"/api/v1/projects/{stored_events.id}/events{query}")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_a_non_member_gets_403(stored_events):
    stranger = staff_user("stranger@shop.test")

    response = signed_in(stranger).get(f"/api/v1/projects/{stored_events.id}/events")

    assert response.status_code == 403
    assert "results" not in response.json()


def test_a_missing_project_answers_403_too(owner_client, event_store):
    assert owner_client.get("/api/v1/projects/999999/events").status_code == 403


def test_an_anonymous_caller_gets_401(api, stored_events):
    assert api.get(f"/api/v1/projects/{stored_events.id}/events").status_code == 401


def test_a_viewer_signed_in_with_a_real_token_may_read_the_log(as_user, stored_events):
    viewer = make_user("viewer@shop.test")
    add_member(stored_events, viewer, "viewer")

    assert listed(as_user(viewer), stored_events, "?limit=1") == ["e5"]


def test_without_a_permanent_store_reader_the_listing_answers_503(owner_client, project, settings):
    settings.ANALYTICAFLOW_EVENT_LOG_URL = "redis://127.0.0.1:1/0"

    response = owner_client.get(f"/api/v1/projects/{project.id}/events")

    assert response.status_code == 503
    assert "permanent event store" in response.json()["error"]["message"]


def test_an_event_store_that_cannot_be_opened_answers_503_with_retry_after(owner_client, project, settings, tmp_path):
    (tmp_path / "blocked").write_text("a file where the data directory should be")
    settings.ANALYTICAFLOW_EVENT_LOG_URL = f"sqlite://{tmp_path}/blocked/events.sqlite3"
    try:
        response = owner_client.get(f"/api/v1/projects/{project.id}/events")
    finally:
        reset_event_log()

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"
    assert int(response["Retry-After"]) > 0
