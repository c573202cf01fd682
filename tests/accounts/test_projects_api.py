from __future__ import annotations

import pytest

from analyticaflow.accounts.models import Membership, Project, Role
from tests.factories import add_member, make_project, make_user

pytestmark = pytest.mark.django_db


def test_create_project_returns_its_public_fields_and_makes_the_caller_owner(as_user, owner):
    response = as_user(owner).post("/api/v1/projects", {"name": "Shoes", "timezone": "Europe/Berlin",
                                                         "currency": "EUR"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Shoes" and body["timezone"] == "Europe/Berlin" and body["currency"] == "EUR"
    assert body["write_key"].startswith("wk_") and body["role"] == "owner"
    assert Membership.objects.get(project_id=body["id"], user=owner).role == Role.OWNER


def test_project_defaults_to_utc_and_usd(as_user, owner):
    body = as_user(owner).post("/api/v1/projects", {"name": "Plain"}, format="json").json()
    assert (body["timezone"], body["currency"]) == ("UTC", "USD")


@pytest.mark.parametrize(("body", "field"), [
    ({}, "name"),
    ({"name": ""}, "name"),
    ({"name": {"nested": 1}}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": "S", "timezone": "Mars/Olympus"}, "timezone"),
    ({"name": "S", "currency": "EURO"}, "currency"),
    ({"name": "S", "currency": "XXQ"}, "currency"),
])
def test_invalid_project_input_is_400_naming_the_field(as_user, owner, body, field):
    response = as_user(owner).post("/api/v1/projects", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_list_shows_only_my_projects(as_user, owner, project):
    other = make_user("other@shop.test")
    make_project(other, name="Not mine")
    names = [p["name"] for p in as_user(owner).get("/api/v1/projects").json()]
    assert names == ["Shop"]


@pytest.mark.parametrize(("method", "path", "body"), [
    ("get", "", None),
    ("patch", "", {"name": "Hijacked"}),
    ("delete", "", None),
    ("get", "/members", None),
    ("post", "/members", {"email": "stranger@shop.test", "role": "owner"}),
    ("post", "/write-key/rotate", None),
    ("get", "/api-keys", None),
])
def test_a_foreign_project_answers_403(as_user, project, method, path, body):
    stranger = make_user("stranger@shop.test")
    response = getattr(as_user(stranger), method)(f"/api/v1/projects/{project.id}{path}", body, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert Project.objects.get(pk=project.pk).name == "Shop"


def test_a_project_that_does_not_exist_also_answers_403(as_user, owner):
    assert as_user(owner).get("/api/v1/projects/999999").status_code == 403


@pytest.mark.parametrize(("role", "method", "path", "body", "status"), [
    ("viewer", "get", "", None, 200),
    ("viewer", "patch", "", {"name": "New"}, 403),
    ("viewer", "delete", "", None, 403),
    ("viewer", "post", "/write-key/rotate", None, 403),
    ("viewer", "post", "/members", {"email": "x@shop.test", "role": "viewer"}, 403),
    ("viewer", "post", "/api-keys", {"name": "bi"}, 403),
    ("marketer", "get", "/members", None, 200),
    ("marketer", "patch", "", {"name": "New"}, 403),
    ("marketer", "post", "/members", {"email": "x@shop.test", "role": "viewer"}, 403),
    ("marketer", "post", "/api-keys", {"name": "bi"}, 403),
    ("owner", "patch", "", {"name": "New"}, 200),
    ("owner", "post", "/api-keys", {"name": "bi"}, 201),
])
def test_roles(as_user, project, role, method, path, body, status):
    member = make_user("member@shop.test")
    make_user("x@shop.test")
    if role == "owner":
        add_member(project, member, Role.OWNER)
    else:
        add_member(project, member, role)
    response = getattr(as_user(member), method)(f"/api/v1/projects/{project.id}{path}", body, format="json")
    assert response.status_code == status


def test_owner_updates_and_deletes_project(as_user, owner, project):
    client = as_user(owner)
    response = client.patch(f"/api/v1/projects/{project.id}", {"currency": "GBP"}, format="json")
    assert response.status_code == 200 and response.json()["currency"] == "GBP"
    assert client.delete(f"/api/v1/projects/{project.id}").status_code == 204
    assert not Project.objects.filter(pk=project.pk).exists()


def test_rotating_the_write_key_replaces_it(as_user, owner, project):
    old = project.write_key
    body = as_user(owner).post(f"/api/v1/projects/{project.id}/write-key/rotate").json()
    assert body["write_key"] != old and body["write_key"].startswith("wk_")
    assert Project.objects.get(pk=project.pk).write_key == body["write_key"]


def test_members_add_change_remove(as_user, owner, project):
    client = as_user(owner)
    colleague = make_user("colleague@shop.test")
    base = f"/api/v1/projects/{project.id}/members"
    response = client.post(base, {"email": "Colleague@shop.test", "role": "marketer"}, format="json")
    assert response.status_code == 201 and response.json()["role"] == "marketer"
    assert client.post(base, {"email": "colleague@shop.test", "role": "viewer"}, format="json").status_code == 409
    assert client.patch(f"{base}/{colleague.id}", {"role": "viewer"}, format="json").json()["role"] == "viewer"
    emails = [m["email"] for m in client.get(base).json()]
    assert emails == ["colleague@shop.test", "owner@shop.test"]
    assert client.delete(f"{base}/{colleague.id}").status_code == 204
    assert client.get(f"{base}/{colleague.id}").status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({"email": "ghost@shop.test", "role": "viewer"}, "email"),
    ({"email": "not-an-email", "role": "viewer"}, "email"),
    ({"email": "owner@shop.test", "role": "emperor"}, "role"),
])
def test_member_input_errors(as_user, owner, project, body, field):
    response = as_user(owner).post(f"/api/v1/projects/{project.id}/members", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_last_owner_cannot_leave_or_be_demoted(as_user, owner, project):
    client = as_user(owner)
    base = f"/api/v1/projects/{project.id}/members/{owner.id}"
    assert client.patch(base, {"role": "viewer"}, format="json").status_code == 400
    assert client.delete(base).status_code == 400
    second = make_user("second@shop.test")
    add_member(project, second, Role.OWNER)
    assert client.patch(base, {"role": "viewer"}, format="json").status_code == 200


def test_api_keys_read_only_and_scoped_to_one_project(as_user, api, owner, project):
    other_project = make_project(owner, name="Other")
    issued = as_user(owner).post(f"/api/v1/projects/{project.id}/api-keys", {"name": "BI"}, format="json").json()
    key = issued["key"]
    assert key.startswith("sk_") and issued["api_key"]["prefix"] == key[:10]

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(f"/api/v1/projects/{project.id}").status_code == 200
    assert [p["id"] for p in api.get("/api/v1/projects").json()] == [project.id]
    assert api.patch(f"/api/v1/projects/{project.id}", {"name": "x"}, format="json").status_code == 403
    assert api.get(f"/api/v1/projects/{other_project.id}").status_code == 403
    assert api.post("/api/v1/projects", {"name": "x"}, format="json").status_code == 403
    assert api.get(f"/api/v1/projects/{project.id}/api-keys").status_code == 403

    api.credentials(HTTP_X_API_KEY=key)
    assert api.get(f"/api/v1/projects/{project.id}/members").status_code == 200

    listed = as_user(owner).get(f"/api/v1/projects/{project.id}/api-keys").json()
    assert [k["id"] for k in listed] == [issued["api_key"]["id"]]
    assert "key" not in listed[0] and key not in str(listed)
    assert as_user(owner).delete(f"/api/v1/projects/{project.id}/api-keys/{listed[0]['id']}").status_code == 204
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get(f"/api/v1/projects/{project.id}").status_code == 401


def test_the_write_key_does_not_authenticate_the_api(api, project):
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {project.write_key}")
    assert api.get(f"/api/v1/projects/{project.id}").status_code == 401


def test_unknown_api_path_is_json_404(api):
    response = api.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_browsable_api_is_off_outside_debug(as_user, owner):
    response = as_user(owner).get("/api/v1/projects", HTTP_ACCEPT="text/html")
    assert not response["Content-Type"].startswith("text/html")
