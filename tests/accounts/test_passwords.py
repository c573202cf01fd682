from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher

from analyticaflow.accounts import services
from analyticaflow.accounts.models import User
from analyticaflow.errors import Conflict, InvalidInput
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_password_is_stored_as_an_argon2_hash_not_the_plain_text():
    user = make_user("a@shop.test")
    stored = User.objects.get(pk=user.pk).password
    assert PASSWORD not in stored
    assert identify_hasher(stored).algorithm == "argon2"
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD + "x")


@pytest.mark.parametrize("weak", ["short", "password123", "1234567890123"])
def test_weak_passwords_are_rejected_with_the_reason(weak):
    with pytest.raises(InvalidInput) as error:
        services.user_create(email="a@shop.test", password=weak)
    assert error.value.fields["password"]


def test_duplicate_email_is_a_conflict_whatever_the_case():
    make_user("a@shop.test")
    with pytest.raises(Conflict):
        services.user_create(email="A@Shop.test", password=PASSWORD)


def test_site_admin_flag():
    admin = make_user("root@shop.test", admin=True)
    plain = make_user("user@shop.test")
    assert admin.is_site_admin and admin.is_staff and admin.is_superuser
    assert not plain.is_site_admin
