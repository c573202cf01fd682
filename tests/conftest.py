from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import PASSWORD, make_project, make_user


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file in the session's data dir, in WAL mode like the product's.

    Django's default, a shared-cache in-memory database, answers "table is locked" at once, without the
    busy timeout, whenever a worker thread (Celery, a live server) holds a write: the product never runs so.
    """
    from django.conf import settings

    default = settings.DATABASES["default"]
    if default["ENGINE"].endswith("sqlite3"):
        data_dir = os.environ["ANALYTICAFLOW_DATA_DIR"]
        default.setdefault("TEST", {})["NAME"] = os.path.join(data_dir, "test-metadata.sqlite3")


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
