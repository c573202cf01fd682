from __future__ import annotations

import urllib.request

import pytest
from django.test import Client

from analyticaflow.accounts.models import Project, Role
from tests.factories import PASSWORD, add_member, make_project, make_user

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_login_page_renders_with_csrf_token():
    response = Client().get("/login/")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content and b'name="email"' in response.content


def test_login_with_the_right_password_lands_on_the_project_picker(owner, project):
    client = Client()
    response = client.post("/login/", {"email": owner.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/projects/"
    page = client.get("/projects/")
    assert page.status_code == 200 and b"Shop" in page.content


def test_login_with_a_wrong_password_says_so(owner):
    response = Client().post("/login/", {"email": owner.email, "password": "nope-nope-nope"})
    assert response.status_code == 400
    assert b"Email or password is incorrect" in response.content


def test_login_form_enforces_csrf(owner):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"email": owner.email, "password": PASSWORD}).status_code == 403


def test_login_redirects_only_to_this_site(owner):
    response = Client().post("/login/", {"email": owner.email, "password": PASSWORD,
                                         "next": "https://evil.example/"})
    assert response["Location"] == "/projects/"


def test_logout_ends_the_session(owner):
    client = logged_in(owner)
    assert client.post("/logout/").status_code == 302
    assert client.get("/projects/")["Location"].startswith("/login/")


def test_pages_require_login():
    response = Client().get("/projects/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_project_picker_lists_only_my_projects_and_creates_one(owner, project):
    make_project(make_user("other@shop.test"), name="Secret Other Shop")
    client = logged_in(owner)
    page = client.get("/projects/").content.decode()
    assert "Shop" in page and "Secret Other Shop" not in page
    response = client.post("/projects/", {"name": "New Shop", "timezone": "Asia/Tokyo", "currency": "JPY"})
    created = Project.objects.get(name="New Shop")
    assert response["Location"] == f"/projects/{created.id}/"
    assert (created.timezone, created.currency) == ("Asia/Tokyo", "JPY")


def test_project_pages_of_a_foreign_project_are_403(project):
    stranger = logged_in(make_user("stranger@shop.test"))
    assert stranger.get(f"/projects/{project.id}/").status_code == 403
    assert stranger.get(f"/projects/{project.id}/settings/").status_code == 403
    assert stranger.post(f"/projects/{project.id}/settings/write-key/rotate").status_code == 403


def test_settings_page_shows_members_and_write_key(owner, project):
    page = logged_in(owner).get(f"/projects/{project.id}/settings/").content.decode()
    assert project.write_key in page and owner.email in page and "Rotate write key" in page


def test_viewer_sees_settings_but_cannot_change_them(project):
    viewer = make_user("viewer@shop.test")
    add_member(project, viewer, Role.VIEWER)
    client = logged_in(viewer)
    page = client.get(f"/projects/{project.id}/settings/").content.decode()
    assert "Rotate write key" not in page and "Add member" not in page
    response = client.post(f"/projects/{project.id}/settings/", {"name": "X", "timezone": "UTC", "currency": "USD"})
    assert response.status_code == 403
    assert client.post(f"/projects/{project.id}/settings/write-key/rotate").status_code == 403
    assert Project.objects.get(pk=project.pk).name == "Shop"


def test_owner_manages_members_and_keys_from_the_settings_page(owner, project):
    make_user("new@shop.test")
    client = logged_in(owner)
    client.post(f"/projects/{project.id}/settings/members", {"email": "new@shop.test", "role": "marketer"})
    assert project.memberships.get(user__email="new@shop.test").role == "marketer"
    client.post(f"/projects/{project.id}/settings/api-keys", {"name": "Looker"})
    page = client.get(f"/projects/{project.id}/settings/").content.decode()
    assert 'data-testid="new-api-key"' in page and "Looker" in page
    assert 'data-testid="new-api-key"' not in client.get(f"/projects/{project.id}/settings/").content.decode()
    old_key = project.write_key
    client.post(f"/projects/{project.id}/settings/write-key/rotate")
    project.refresh_from_db()
    assert project.write_key != old_key


def test_security_headers(owner):
    response = Client().get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_static_files_are_served_by_the_app(live_server):
    with urllib.request.urlopen(f"{live_server.url}/static/web/app.css") as response:
        assert response.status == 200 and b".sidebar" in response.read()
