"""Write key → project, cached briefly: rotation takes effect within the cache time."""

from __future__ import annotations

import pytest
from django.test import override_settings
from freezegun import freeze_time

from analyticaflow.accounts.models import Project
from analyticaflow.accounts.services import project_rotate_write_key
from analyticaflow.ingest.write_keys import WriteKeyCache
from tests.factories import make_project

pytestmark = pytest.mark.django_db


@override_settings(ANALYTICAFLOW_WRITE_KEY_CACHE_SECONDS=5)
def test_a_rotated_key_keeps_working_until_the_cache_time_passes_then_stops(owner):
    project = make_project(owner, name="Shop")
    old_key = project.write_key
    cache = WriteKeyCache()
    with freeze_time("2024-05-01 12:00:00") as clock:
        assert cache.project_id(old_key) == project.id
        project = project_rotate_write_key(project=project)
        assert cache.project_id(project.write_key) == project.id  # a new key is looked up at once
        clock.tick(4.9)
        assert cache.project_id(old_key) == project.id  # still remembered
        clock.tick(0.2)
        assert cache.project_id(old_key) is None


@override_settings(ANALYTICAFLOW_WRITE_KEY_CACHE_SECONDS=5)
def test_unknown_keys_are_remembered_too_so_a_key_that_appears_works_within_the_cache_time(owner):
    project = make_project(owner, name="Late shop")
    cache = WriteKeyCache()
    with freeze_time("2024-05-01 12:00:00") as clock:
        assert cache.project_id("wk_chosen-later") is None
        Project.objects.filter(id=project.id).update(write_key="wk_chosen-later")
        assert cache.project_id("wk_chosen-later") is None  # the "unknown" answer is remembered
        clock.tick(5.1)
        assert cache.project_id("wk_chosen-later") == project.id


def test_the_cache_stays_bounded_under_a_flood_of_made_up_keys():
    cache = WriteKeyCache(max_entries=20)
    for number in range(45):
        assert cache.project_id(f"wk_made-up-{number}") is None
        assert len(cache._entries) <= 20
    assert cache.project_id("wk_" + "x" * 5000) is None
    assert "wk_" + "x" * 5000 not in cache._entries
