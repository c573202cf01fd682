from __future__ import annotations

import pytest
from django.test import Client

from analyticaflow.accounts import services
from tests.factories import make_project, make_user

pytestmark = pytest.mark.django_db
ADMIN_PAGES = ["/admin/", "/admin/accounts/user/", "/admin/accounts/project/", "/admin/accounts/membership/",
               "/admin/accounts/apikey/"]


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_requires_a_logged_in_site_admin(path):
    owner = make_user("owner@shop.test")
    make_project(owner)
    anonymous = Client()
    assert anonymous.get(path).status_code == 302

    regular = Client()
    regular.force_login(owner)
    response = regular.get(path)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    admin = Client()
    admin.force_login(make_user("root@shop.test", admin=True))
    assert admin.get(path).status_code == 200


def test_admin_never_shows_password_hashes_or_key_hashes(owner, project):
    issued = services.api_key_issue(project=project, name="BI", created_by=owner)
    admin = Client()
    admin.force_login(make_user("root@shop.test", admin=True))
    page = admin.get(f"/admin/accounts/apikey/{issued.api_key.id}/change/").content.decode()
    assert issued.api_key.key_hash not in page and issued.raw_key not in page
