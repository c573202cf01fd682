from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token"
REFRESH = "/api/v1/auth/token/refresh"


def obtain(api: APIClient, email: str, password: str = PASSWORD):
    return api.post(TOKEN, {"email": email, "password": password}, format="json")


def test_token_pair_grants_access_then_bad_token_is_401(api):
    make_user("a@shop.test")
    response = obtain(api, "a@shop.test")
    assert response.status_code == 200
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert api.get("/api/v1/projects").status_code == 200

    api.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access'][:-4]}abcd")
    response = api.get("/api/v1/projects")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_email_login_is_case_insensitive(api):
    make_user("mixed@shop.test")
    assert obtain(api, "Mixed@Shop.TEST").status_code == 200


@pytest.mark.parametrize(("header", "why"), [
    (None, "missing"),
    ("Bearer", "empty"),
    ("Bearer not-a-jwt", "malformed"),
    ("Basic dXNlcjpwYXNz", "other scheme"),
    ("Bearer sk_unknown_key", "unknown api key"),
])
def test_missing_or_malformed_credentials_are_401(api, header, why):
    if header:
        api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/v1/projects")
    assert response.status_code == 401, why
    assert "error" in response.json()


def test_access_token_expires_after_about_15_minutes(api):
    make_user("a@shop.test")
    start = timezone.now()
    with freeze_time(start):
        access = obtain(api, "a@shop.test").json()["access"]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    with freeze_time(start + timedelta(minutes=14)):
        assert api.get("/api/v1/projects").status_code == 200
    with freeze_time(start + timedelta(minutes=16)):
        assert api.get("/api/v1/projects").status_code == 401


def test_refresh_rotates_and_the_old_refresh_token_is_dead(api):
    make_user("a@shop.test")
    first = obtain(api, "a@shop.test").json()
    response = api.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    second = response.json()
    assert second["refresh"] != first["refresh"]
    assert api.post(REFRESH, {"refresh": first["refresh"]}, format="json").status_code == 401
    assert api.post(REFRESH, {"refresh": second["refresh"]}, format="json").status_code == 200


def test_refresh_token_lives_about_30_days(api):
    make_user("a@shop.test")
    start = timezone.now()
    with freeze_time(start):
        refresh = obtain(api, "a@shop.test").json()["refresh"]
    with freeze_time(start + timedelta(days=31)):
        assert api.post(REFRESH, {"refresh": refresh}, format="json").status_code == 401


def test_logout_blacklists_the_refresh_token(api):
    make_user("a@shop.test")
    tokens = obtain(api, "a@shop.test").json()
    assert api.post("/api/v1/auth/logout", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    assert api.post(REFRESH, {"refresh": tokens["refresh"]}, format="json").status_code == 401


def test_wrong_password_is_401_and_unknown_user_is_401(api):
    make_user("a@shop.test")
    assert obtain(api, "a@shop.test", "wrong-password").status_code == 401
    assert obtain(api, "nobody@shop.test").status_code == 401


@pytest.mark.parametrize(("body", "field"), [
    ({"password": PASSWORD}, "email"),
    ({"email": "a@shop.test"}, "password"),
    ({"email": ["a"], "password": PASSWORD}, "email"),
])
def test_token_request_with_missing_or_wrong_fields_is_400_naming_the_field(api, body, field):
    response = api.post(TOKEN, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b'{"email": "a@shop.test", "password": ', "application/json", 400),
    (b"[1, 2", "application/json", 400),
    (b"email=a", "text/plain", 415),
])
def test_malformed_bodies_are_client_errors_not_500(api, body, content_type, status):
    response = api.generic("POST", TOKEN, body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["error"]["code"] in {"malformed_request", "unsupported_media_type"}


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(api, settings):
    make_user("a@shop.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert obtain(api, "a@shop.test", "wrong-password").status_code in {401, 429}
    response = obtain(api, "a@shop.test")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    assert int(response["Retry-After"]) > 0


def test_token_endpoint_is_throttled(api, monkeypatch):
    # DRF reads the rates once at import; set the class attribute the throttle consults.
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    make_user("a@shop.test")
    statuses = [obtain(api, "a@shop.test").status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    assert api.post(TOKEN, {"email": "a@shop.test", "password": PASSWORD}, format="json")["Retry-After"]


def test_me_describes_the_caller(as_user):
    user = make_user("me@shop.test")
    body = as_user(user).get("/api/v1/me").json()
    assert body == {"id": user.id, "email": "me@shop.test", "name": "", "is_site_admin": False}
