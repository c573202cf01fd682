"""A backfill survives the death of the process running it: kill -9 the server mid-backfill, start it again,
and the history completes from where it stopped with every row exactly once.

The real product runs as a user runs it (``analyticaflow serve``, embedded jobs in the server process), linked
through its own pages and API against a slowed-down fake Graph API serving 3 campaigns x 300 days.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.connectors.fakes import graph
from tests.connectors.fakes.meta import FakeMetaAds
from tests.integrations.conftest import follow_provider
from tests.integrations.support import FAST_CLOCK, prepare_data_dir
from tests.serving import server_output, serving

EMAIL, PASSWORD = "crash@shop.test", "a-long-enough-password"
FIRST_DAY = datetime.now(UTC).date() - timedelta(days=310)
DAYS = 300


class SlowMetaAds(FakeMetaAds):
    """Every insights page takes a while, so the backfill is still running when the test kills the server."""

    delay = 0.4

    def insights(self, request, version, account):
        time.sleep(self.delay)
        return super().insights(request, version, account)


def log_in(client: httpx.Client) -> None:
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post("/login/", data={"email": EMAIL, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert answer.status_code == 302, answer.text
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]


def wait_for(read, condition, *, timeout: float, what: str):
    started = time.monotonic()
    while True:
        value = read()
        if condition(value):
            return value
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what} not reached in {timeout}s; last: {value}")
        time.sleep(0.1)


def test_kill_the_server_mid_backfill_and_the_restart_finishes_it_without_duplicates(tmp_path):
    data = tmp_path / "data"
    prepare_data_dir(data, EMAIL, PASSWORD)
    fake = SlowMetaAds(campaign_count=3, first_day=FIRST_DAY, days=DAYS).start()
    env = {"ANALYTICAFLOW_META_API_URL": fake.url, "ANALYTICAFLOW_META_OAUTH_URL": fake.url,
           "ANALYTICAFLOW_META_CLIENT_ID": graph.APP_ID, "ANALYTICAFLOW_META_CLIENT_SECRET": graph.APP_SECRET,
           "ANALYTICAFLOW_SECURE_COOKIES": "0", "ANALYTICAFLOW_CONNECTOR_CLOCK": FAST_CLOCK,
           "ANALYTICAFLOW_PROJECTOR_IN_SERVER": "0", "ANALYTICAFLOW_JOBS_BACKEND": "embedded"}
    try:
        with serving(data, **env) as (url, process):
            with httpx.Client(base_url=url, timeout=30) as client:
                log_in(client)
                project = client.post("/api/v1/projects", json={"name": "Shop", "currency": "EUR"}).json()
                base = f"/api/v1/projects/{project['id']}/integrations"
                created = client.post(base, json={"type": "meta_ads", "settings": {"ad_account_id": "act_1234567890"}})
                assert created.status_code == 201, created.text
                integration_id = created.json()["id"]
                # The settings name the account: the callback completes the link and the backfill starts.
                callback = client.get(follow_provider(created.json()["authorize_url"]))
                assert callback.status_code == 302 and callback.headers["location"].endswith("/integrations/")
                progress = wait_for(lambda: client.get(f"{base}/{integration_id}").json()["backfill"],
                                    lambda backfill: backfill["chunks_done"] >= 3, timeout=120,
                                    what="three chunks loaded")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        assert 3 <= progress["chunks_done"] < progress["chunks_total"] == 13

        with serving(data, **env) as (url, _process), httpx.Client(base_url=url, timeout=30) as client:
            log_in(client)
            final = wait_for(lambda: client.get(f"{base}/{integration_id}").json(),
                             lambda body: body["status"] in ("ok", "error"), timeout=180,
                             what="the resumed backfill finished")
            assert final["status"] == "ok", final["error_message"]
            assert final["backfill"]["percent"] == 100 and final["backfill"]["rows"] == 3 * DAYS
            runs = client.get(f"{base}/{integration_id}/runs").json()
            report = client.post(f"/api/v1/projects/{project['id']}/reports/kpi", json={
                "date_from": FIRST_DAY.isoformat(), "date_to": (FIRST_DAY + timedelta(days=DAYS - 1)).isoformat(),
                "metrics": ["spend", "impressions", "clicks", "platform_conversions"]}).json()
    finally:
        fake.stop()
    assert "Traceback" not in server_output(data)

    # The interrupted run is closed with a reason; the second one finished the history.
    assert [(run["kind"], run["status"]) for run in runs] == [("backfill", "ok"), ("backfill", "error")]
    assert runs[1]["error_message"].startswith("Interrupted")
    # 3 campaigns (Σk = 6) x 300 days (Σi = 299·300/2 = 44850): Σspend = 300·6 + 3·44850/100 = 3145.5,
    # Σimpressions = 1000·300·6 + 3·44850 = 1934550, Σclicks = 10·300·6 = 18000, Σconversions = 3·300.
    assert report["current"] == pytest.approx({"spend": 3145.5, "impressions": 1934550, "clicks": 18000,
                                               "platform_conversions": 900})
    # Chunks loaded before the kill were not fetched again; at most the one in flight was.
    ranges = [json.loads(request.query["time_range"])["since"] for request in fake.calls(r"/act_\d+/insights$")]
    assert len(set(ranges)) == 13 and len(ranges) - len(set(ranges)) <= 1
    with duckdb.connect(str(Path(data) / "warehouse.duckdb"), read_only=True) as warehouse:
        rows, keys = warehouse.execute(
            "SELECT count(*), count(DISTINCT (campaign_id, date)) FROM ad_spend_daily").fetchall()[0]
    assert rows == keys == 3 * DAYS
