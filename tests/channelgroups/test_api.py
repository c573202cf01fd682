"""The channel-grouping API: any member reads it, owners and marketers change it, strangers get 403."""

from __future__ import annotations

import pytest

from analyticaflow.accounts.models import Role
from analyticaflow.channelgroups.selectors import channel_grouping_for
from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db


def url(project) -> str:
    return f"/api/v1/projects/{project.id}/channel-grouping"


def test_a_new_project_has_the_built_in_classification(as_user, owner, project):
    body = as_user(owner).get(url(project)).json()
    assert [g["name"] for g in body["groups"]] == ["paid_search", "paid_social", "email", "organic", "referral",
                                                  "direct"]
    assert body["rules"] == {} and body["updated_by"] is None
    assert [d["group"] for d in body["defaults"]] == ["direct", "email", "paid_social", "paid_search", "organic",
                                                     "referral"]


def test_put_replaces_the_rules_and_patch_merges_them(as_user, owner, project):
    client = as_user(owner)
    response = client.put(url(project), {"rules": {"TikTok": "paid_social", "partner/referral": "email"}},
                          format="json")
    assert response.status_code == 200, response.content
    assert response.json()["rules"] == {"partner/referral": "email", "tiktok": "paid_social"}
    assert response.json()["updated_by"] == owner.email
    response = client.patch(url(project), {"rules": {"tiktok": None, "criteo": "paid_search"}}, format="json")
    assert response.json()["rules"] == {"criteo": "paid_search", "partner/referral": "email"}
    assert channel_grouping_for(project_id=project.id).visit_group(channel="criteo") == "paid_search"
    response = client.put(url(project), {"rules": {}}, format="json")
    assert response.json()["rules"] == {}


def test_an_unknown_group_is_a_400_naming_the_rule(as_user, owner, project):
    response = as_user(owner).put(url(project), {"rules": {"tiktok": "paid_video"}}, format="json")
    assert response.status_code == 400
    assert "must be one of" in response.json()["error"]["fields"]["rules.tiktok"][0]
    response = as_user(owner).put(url(project), {"rules": "tiktok"}, format="json")
    assert response.status_code == 400 and "rules" in response.json()["error"]["fields"]


@pytest.mark.parametrize(("role", "can_write"), [(Role.MARKETER, True), (Role.VIEWER, False)])
def test_roles(as_user, project, role, can_write):
    member = make_user(f"{role}@shop.test")
    add_member(project, member, role)
    client = as_user(member)
    assert client.get(url(project)).status_code == 200
    response = client.patch(url(project), {"rules": {"tiktok": "paid_social"}}, format="json")
    assert response.status_code == (200 if can_write else 403)


def test_a_stranger_gets_403(as_user, project):
    stranger = make_user("stranger@shop.test")
    assert as_user(stranger).get(url(project)).status_code == 403
