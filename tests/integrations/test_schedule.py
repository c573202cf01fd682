"""The daily schedule: each integration syncs at its hour in the project's time zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analyticaflow.integrations.models import Integration
from analyticaflow.integrations.schedule import next_sync_at
from analyticaflow.integrations.services import integrations_enqueue_due
from analyticaflow.jobs.models import Job
from analyticaflow.jobs.scheduling import jobs_tick


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(("now", "hour", "zone", "expected"), [
    (utc(2026, 6, 1, 3, 0), 6, "UTC", utc(2026, 6, 1, 6, 0)),
    (utc(2026, 6, 1, 6, 0), 6, "UTC", utc(2026, 6, 2, 6, 0)),  # the hour itself has passed: tomorrow
    (utc(2026, 6, 1, 3, 0), 6, "Europe/Berlin", utc(2026, 6, 1, 4, 0)),  # CEST = UTC+2
    (utc(2026, 1, 15, 3, 0), 6, "Europe/Berlin", utc(2026, 1, 15, 5, 0)),  # CET = UTC+1
    (utc(2026, 6, 1, 23, 0), 2, "Asia/Tokyo", utc(2026, 6, 2, 17, 0)),  # 08:00 JST already; 02:00 JST next day
    (utc(2026, 6, 1, 12, 0), 0, "America/Los_Angeles", utc(2026, 6, 2, 7, 0)),  # local midnight, PDT = UTC-7
    # Clocks go forward 02:00 → 03:00 on 2026-03-29 in Berlin: the missing 02:00 runs right after the gap.
    (utc(2026, 3, 28, 12, 0), 2, "Europe/Berlin", utc(2026, 3, 29, 1, 0)),
    # Clocks go back 03:00 → 02:00 on 2026-10-25: 02:00 happens twice; the first one counts.
    (utc(2026, 10, 24, 12, 0), 2, "Europe/Berlin", utc(2026, 10, 25, 0, 0)),
    (utc(2026, 6, 1, 3, 0), 6, "Not/AZone", utc(2026, 6, 1, 6, 0)),  # unknown zone: UTC
])
def test_next_sync_at(now, hour, zone, expected):
    assert next_sync_at(now=now, sync_hour=hour, time_zone=zone) == expected


@pytest.mark.django_db
def test_due_integrations_get_their_daily_sync_once(project):
    project.timezone = "Europe/Berlin"
    project.save()
    now = utc(2026, 6, 1, 4, 30)
    due = Integration.objects.create(project=project, platform="meta_ads", account_id="1", sync_hour=6,
                                     status="ok", next_sync_at=now - timedelta(minutes=30))
    erred = Integration.objects.create(project=project, platform="meta_ads", account_id="2", sync_hour=6,
                                       status="error", next_sync_at=now - timedelta(minutes=1))
    later = Integration.objects.create(project=project, platform="meta_ads", account_id="3", sync_hour=7,
                                       status="ok", next_sync_at=now + timedelta(minutes=30))
    Integration.objects.create(project=project, platform="meta_ads", account_id="4", status="reauth_required",
                               next_sync_at=now - timedelta(hours=1))
    Integration.objects.create(project=project, platform="meta_ads", status="pending",
                               next_sync_at=now - timedelta(hours=1))  # not linked yet

    assert integrations_enqueue_due(now=now) == 2
    assert integrations_enqueue_due(now=now) == 0  # each moved to its next day
    jobs = Job.objects.order_by("id")
    assert [job.kwargs for job in jobs] == [{"integration_id": due.id, "kind": "daily"},
                                            {"integration_id": erred.id, "kind": "daily"}]
    due.refresh_from_db(), later.refresh_from_db()
    assert due.next_sync_at == utc(2026, 6, 2, 4, 0)  # 06:00 Berlin tomorrow
    assert later.next_sync_at == now + timedelta(minutes=30)


@pytest.mark.django_db
def test_the_scheduler_tick_runs_the_daily_schedule(project, settings):
    settings.ANALYTICAFLOW_JOBS_BACKEND = "embedded"
    Integration.objects.create(project=project, platform="meta_ads", account_id="1", status="ok",
                               next_sync_at=datetime.now(UTC) - timedelta(minutes=1))
    result = jobs_tick()
    assert result["periodic"]["integrations.daily_syncs"] == "ok"
    assert Job.objects.get().kwargs["kind"] == "daily"


@pytest.mark.django_db
def test_links_are_forgotten_a_day_after_they_expire(project, owner):
    from analyticaflow.integrations.models import LinkRequest
    from analyticaflow.integrations.services import links_delete_expired

    integration = Integration.objects.create(project=project, platform="meta_ads")
    now = datetime.now(UTC)
    for hours in (-30, -20, 1):
        LinkRequest.objects.create(integration=integration, user=owner, state_hash=f"h{hours}", redirect_uri="x",
                                   ciphertext="af1.sealed", expires_at=now + timedelta(hours=hours))
    abandoned = Integration.objects.create(project=project, platform="google_ads")
    LinkRequest.objects.create(integration=abandoned, user=owner, state_hash="old", redirect_uri="x",
                               expires_at=now - timedelta(hours=40))
    Integration.objects.filter(id__in=[integration.id, abandoned.id]).update(created_at=now - timedelta(days=2))
    assert links_delete_expired(now=now) == 2
    assert sorted(LinkRequest.objects.values_list("state_hash", flat=True)) == ["h-20", "h1"]
    # A connection started but never finished goes too, once no link of it can finish; the others stay.
    assert list(Integration.objects.values_list("id", flat=True)) == [integration.id]


@pytest.mark.django_db
def test_the_dashboard_menu_lists_the_linked_accounts(project):
    from analyticaflow.integrations.selectors import integration_menu_accounts

    Integration.objects.create(project=project, platform="meta_ads", account_id="1234567890",
                               account_name="Shop EU", account_currency="EUR", account_time_zone="Europe/Berlin",
                               status="ok")
    Integration.objects.create(project=project, platform="google_ads", account_id="5556667777",
                               account_name="Shop JP", account_currency="JPY", account_time_zone="Asia/Tokyo",
                               status="syncing")
    Integration.objects.create(project=project, platform="instagram", account_id="178414", account_name="shop",
                               account_time_zone="America/Los_Angeles", status="reauth_required")
    Integration.objects.create(project=project, platform="twitter_ads")  # not linked yet: not in the menu
    menu = integration_menu_accounts(project_id=project.id)
    assert [(entry["source"], entry["platform_label"], entry["account_id"], entry["name"], entry["currency"],
             entry["status"]) for entry in menu] == [
        ("google_ads", "Google Ads", "5556667777", "Shop JP", "JPY", "syncing"),
        ("instagram", "Instagram", "178414", "shop", None, "reauth_required"),
        ("meta_ads", "Meta Ads", "1234567890", "Shop EU", "EUR", "ok"),
    ]
