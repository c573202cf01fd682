"""The UI shell in a real browser: log in with the demo's printed credentials, at desktop and phone width."""

from __future__ import annotations

import pytest

from tests.browser import chromium, screenshot_path
from tests.serving import server_output, serving
from tests.test_cli import demo_credentials

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("label", "width", "height"), [("desktop", 1280, 800), ("phone", 390, 844)])
def test_log_in_pick_project_and_open_settings(tmp_path, label, width, height):
    data = tmp_path / "demo"
    with (serving(data, "--data-dir", str(data), "--size", "small", command="demo") as (url, _process),
          chromium() as browser):
        email, password = demo_credentials(server_output(data))
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(f"{url}/")
        assert page.url.endswith("/login/")
        page.screenshot(path=screenshot_path(f"login-{label}"))

        page.fill("input[name=email]", email)
        page.fill("input[name=password]", "wrong-password")
        page.click("button[type=submit]")
        assert page.locator(".flash-error").inner_text().startswith("Email or password is incorrect")

        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/projects/")
        page.click("text=Demo Shop")
        page.wait_for_url("**/projects/*/")
        assert page.locator("#dashboard").is_visible()  # the project opens on its dashboard

        if label == "phone":
            assert not page.locator(".sidebar").is_visible() or page.locator(".sidebar").bounding_box()["x"] < 0
            page.click("label.nav-open")
            page.wait_for_timeout(300)
            assert page.locator(".sidebar").bounding_box()["x"] >= 0
        page.click("a.nav-link:has-text('Settings')")
        page.wait_for_url("**/settings/")
        assert page.locator("[data-testid=write-key]").inner_text().startswith("wk_")
        assert email in page.locator("#members").inner_text()
        # Nothing overflows the viewport horizontally.
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1
        page.screenshot(path=screenshot_path(f"settings-{label}"), full_page=True)

        if label == "phone":
            page.click("label.nav-open")
        page.click("text=Log out")
        page.wait_for_url("**/login/")
