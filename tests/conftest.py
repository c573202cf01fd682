from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import PASSWORD, make_project, make_user


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache; each test starts with none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def owner(db):
    return make_user("owner@shop.test")


@pytest.fixture
def project(owner):
    return make_project(owner, name="Shop")


def token_for(api: APIClient, email: str, password: str = PASSWORD) -> str:
    response = api.post("/api/v1/auth/token", {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["access"]


@pytest.fixture
def as_user(api):
    """``as_user(user)`` → an API client authenticated with a real JWT for that user."""

    def login(user) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(api, user.email)}")
        return client

    return login
