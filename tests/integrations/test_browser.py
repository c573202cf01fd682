"""The connect flow in a real browser against the real server and a fake Google Ads (OAuth, PKCE, API):
Connect → the platform's consent redirect → account picker → backfill progress → OK, then Sync now,
a revoked grant → Reconnect, and Disconnect. Screenshots go to test-artifacts/."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser import chromium, screenshot_path
from tests.connectors.fakes.google_ads import FakeGoogleAds
from tests.integrations.support import CASES, FAST_CLOCK, FIRST_DAY, prepare_data_dir
from tests.serving import server_output, serving

pytestmark = pytest.mark.browser

EMAIL, PASSWORD = "marketer@shop.test", "a-long-enough-password"


class SlowGoogleAds(FakeGoogleAds):
    """Each report takes a moment, so the page shows the backfill moving."""

    def search_stream(self, request, version, customer):
        if customer == self.client_id:
            time.sleep(0.35)
        return super().search_stream(request, version, customer)


def test_connect_flow(tmp_path):
    data = tmp_path / "data"
    prepare_data_dir(data, EMAIL, PASSWORD)
    fake = SlowGoogleAds(first_day=FIRST_DAY, days=10, batch_size=7).start()
    env = {**CASES["google_ads"].settings(fake), "ANALYTICAFLOW_SECURE_COOKIES": "0",
           "ANALYTICAFLOW_CONNECTOR_CLOCK": FAST_CLOCK, "ANALYTICAFLOW_PROJECTOR_IN_SERVER": "0"}
    try:
        with serving(data, **env) as (url, _process), chromium() as browser:
            token = httpx.post(f"{url}/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD}).json()
            project = httpx.post(f"{url}/api/v1/projects", json={"name": "Shop", "currency": "USD"},
                                 headers={"Authorization": f"Bearer {token['access']}"}).json()
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{url}/login/")
            page.fill("input[name=email]", EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/projects/")
            page.goto(f"{url}/projects/{project['id']}/")
            page.click("a.nav-link:has-text('Integrations')")
            page.wait_for_url("**/integrations/")
            assert page.locator(".platform-card").count() == 5
            page.wait_for_selector("#integration-list:has-text('No account connected yet')")
            page.screenshot(path=screenshot_path("integrations-catalogue"), full_page=True)

            # Connect: the dialog shows the platform's settings; a bad customer id is refused with its reason.
            page.click(".platform-card[data-platform=google_ads] .connect-button")
            page.fill("#setting-customer_id", "invalid-id")
            page.click("#connect-submit")
            page.wait_for_selector("#connect-error:has-text('customer_id')")
            assert "Expected a 10-digit customer id like 123-456-7890." in page.inner_text("#connect-error")
            page.fill("#setting-customer_id", "")
            page.select_option("#connect-sync-hour", "5")
            page.click("#connect-submit")
            # The fake platform grants at once and sends the browser back to the account picker.
            page.wait_for_url("**/accounts/")
            choices = page.locator(".account-choice")
            assert choices.count() == 2
            page.screenshot(path=screenshot_path("integrations-account-picker"), full_page=True)
            page.uncheck("input[value='5556667777']")
            page.check("input[value='1234567890']")
            page.click("#connect-accounts")
            page.wait_for_url("**/integrations/")
            assert "Connected Shop US" in page.inner_text(".messages")
            page.wait_for_selector("[data-testid=backfill-progress]")
            page.screenshot(path=screenshot_path("integrations-backfill-progress"), full_page=True)
            page.wait_for_selector(".integration[data-status=ok]", timeout=60_000)
            row = page.locator(".integration").first
            assert "Shop US" in row.inner_text() and "daily at 05:00" in row.inner_text()
            assert "Last sync just now" in row.inner_text()
            # The sync history: the backfill with its rows and duration.
            row.locator("button[data-action=history]").click()
            page.wait_for_selector("[data-testid=sync-history] tbody tr")
            history = page.inner_text("[data-testid=sync-history]")
            assert "backfill" in history and "30" in history and " s" in history
            page.screenshot(path=screenshot_path("integrations-connected"), full_page=True)

            # Sync now.
            row.locator("button[data-action=sync]").click()
            sync_ready = (
                "document.querySelector('.integration [data-action=sync]') &&"
                " !document.querySelector('.integration [data-action=sync]').disabled"
            )
            page.wait_for_function(sync_ready, timeout=30_000)
            # The manual sync has run to its end: it is the second run in the history, finished.
            sync_finished = (
                "document.querySelectorAll('[data-testid=sync-history] tbody tr').length === 2 &&"
                " !document.querySelector('[data-testid=sync-history] .status-syncing')"
            )
            page.wait_for_function(sync_finished, timeout=60_000)
            page.wait_for_selector(".integration[data-status=ok]")
            assert "manual" in page.inner_text("[data-testid=sync-history] tbody tr:first-child")

            # The grant is revoked at the platform: the next sync says so and offers Reconnect.
            fake.tokens.revoke_all()
            page.locator(".integration button[data-action=sync]").click()
            page.wait_for_selector(".integration[data-status=reauth_required]", timeout=30_000)
            assert "Reconnect the account" in page.inner_text("[data-testid=integration-error]")
            page.screenshot(path=screenshot_path("integrations-reconnect-needed"), full_page=True)
            page.click(".integration button[data-action=reconnect]")
            page.wait_for_url("**/integrations/")
            page.wait_for_selector(".integration[data-status=ok]", timeout=30_000)

            # The dashboard's menu lists the synced account.
            page.goto(f"{url}/projects/{project['id']}/")
            page.wait_for_selector("#account-nav .account-link:has-text('1234567890'), "
                                   "#account-nav .account-link:has-text('Shop US')", timeout=30_000)

            page.goto(f"{url}/projects/{project['id']}/integrations/")
            page.wait_for_selector(".integration[data-status=ok]")
            page.once("dialog", lambda dialog: dialog.accept())
            page.click(".integration button[data-action=disconnect]")
            page.wait_for_selector("text=No account connected yet")
    finally:
        fake.stop()
    # Nothing the integrations or jobs did failed on the server (other pages' errors are their own tests').
    tracebacks = server_output(data).split("Traceback (most recent call last):")[1:]
    assert not [text for text in tracebacks if "analyticaflow/integrations" in text or "analyticaflow/jobs" in text]
