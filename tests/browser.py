"""Real Chromium (Debian's package) driven by Playwright, for UI tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from tests.plugins.servers import service_missing

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        service_missing("Debian's chromium (apt-get install chromium)")
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / f"{name}.png"


def logged_in_page(browser: Browser, url: str, email: str, password: str, *, width: int = 1280, height: int = 900,
                   reduced_motion: bool = False) -> Page:
    """A new page signed in through the login form; uncaught script errors collect in ``page.errors``."""
    # Reduced motion: charts draw without animating, so screenshots show them finished.
    context = browser.new_context(viewport={"width": width, "height": height},
                                  reduced_motion="reduce" if reduced_motion else "no-preference")
    page = context.new_page()  # its own context: tests may open more pages in the same session
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(f"{url}/login/")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/projects/")
    return page
