"""The integrations pages on the server side: who sees what, the callback's checks, the account picker form."""

from __future__ import annotations

import pytest
from django.test import Client

from analyticaflow.integrations.models import Integration
from tests.factories import make_user
from tests.integrations.conftest import follow_provider

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_lists_the_catalogue_and_offers_connect_to_writers_only(project, owner, viewer, google_fake):
    page = logged_in(owner).get(f"/projects/{project.id}/integrations/")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="platform-card"') == 5 and 'data-platform="google_ads">Connect' in html
    assert "integration-icon-google_ads" in html and "Integrations</a>" in html
    html = logged_in(viewer).get(f"/projects/{project.id}/integrations/").content.decode()
    assert "connect-button" not in html and "Ask an owner or marketer" in html
    stranger = make_user("stranger@shop.test")
    assert logged_in(stranger).get(f"/projects/{project.id}/integrations/").status_code == 403


def test_the_callback_needs_the_user_who_started_the_link(project, owner, marketer, api_as, google_fake):
    created = api_as(owner).post(f"/api/v1/projects/{project.id}/integrations", {"type": "google_ads"},
                                 format="json").json()
    callback = follow_provider(created["authorize_url"])
    anonymous = Client().get(callback)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=/integrations/callback")
    other = logged_in(marketer).get(callback, follow=True)
    assert "This authorization was started by another user." in other.content.decode()
    # Another user's attempt does not use the link up; its owner completes it, once.
    owners = logged_in(owner)
    assert owners.get(callback)["Location"].endswith("/accounts/")
    again = owners.get(callback, follow=True)
    assert "unknown or was already used" in again.content.decode()


def test_a_link_started_in_a_browser_session_must_come_back_to_it(project, owner, google_fake):
    browser = logged_in(owner)
    created = browser.post(f"/api/v1/projects/{project.id}/integrations", {"type": "google_ads"},
                           content_type="application/json").json()
    callback = follow_provider(created["authorize_url"])
    elsewhere = logged_in(owner).get(callback, follow=True)  # same user, another session
    assert "started in another browser session" in elsewhere.content.decode()


def test_the_account_picker_form(project, owner, google_fake):
    browser = logged_in(owner)
    created = browser.post(f"/api/v1/projects/{project.id}/integrations", {"type": "google_ads"},
                           content_type="application/json").json()
    picker_url = browser.get(follow_provider(created["authorize_url"]))["Location"]
    page = browser.get(picker_url).content.decode()
    assert "Shop US" in page and "Shop JP" in page and "1234567890" in page
    refused = browser.post(picker_url, {"account_ids": [], "sync_hour": "4"}, follow=True)
    assert "Pick at least one account." in refused.content.decode()
    done = browser.post(picker_url, {"account_ids": ["1234567890", "5556667777"], "sync_hour": "4"})
    assert done.status_code == 302 and done["Location"] == f"/projects/{project.id}/integrations/"
    linked = Integration.objects.order_by("id")
    assert [(item.account_id, item.account_name, item.sync_hour, item.status) for item in linked] == [
        ("1234567890", "Shop US", 4, "pending"), ("5556667777", "Shop JP", 4, "pending")]
    assert linked[0].account_details == {"login_customer_id": "1112223333"}
    # The choice is made: the picker sends the user back.
    assert browser.get(picker_url)["Location"] == f"/projects/{project.id}/integrations/"
