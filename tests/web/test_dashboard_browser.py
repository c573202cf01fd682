"""The account dashboard in a real browser against the real demo (``analyticaflow demo --size small``): tiles,
the Chart.js chart, switching account, granularity and comparison without a reload, shareable URLs, the UTM
audit, and the phone layout. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser import chromium, logged_in_page, screenshot_path
from tests.serving import server_output, serving
from tests.test_cli import demo_credentials

pytestmark = pytest.mark.browser

GOOGLE = "google_ads:123-456-7890"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("dashboard") / "demo"
    with serving(data, "--data-dir", str(data), "--size", "small", command="demo") as (url, _process):
        yield url, *demo_credentials(server_output(data))
    assert "Traceback" not in server_output(data)


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


def log_in(browser, url, email, password, *, width=1280, height=800):
    return logged_in_page(browser, url, email, password, width=width, height=height, reduced_motion=True)


def settled(page):
    page.wait_for_selector("#dashboard[data-loading=false]", timeout=30_000)


def chart(page) -> dict:
    return page.evaluate("""() => {
        const c = Chart.getChart('metric-chart');
        return {labels: c.data.labels, sets: c.data.datasets.map(d => ({label: d.label, data: d.data}))};
    }""")


def tile_values(page) -> dict[str, str]:
    return dict(page.eval_on_selector_all(
        ".tile", "tiles => tiles.map(t => [t.dataset.metric, t.querySelector('.tile-value').textContent])"))


def test_dashboard_tiles_chart_account_and_granularity_switches(demo, browser):
    url, email, password = demo
    page = log_in(browser, url, email, password)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.click("text=Demo Shop")
    page.wait_for_url(re.compile(r".*/projects/\d+/$"))
    settled(page)

    # All accounts: the blended tiles, all with numbers.
    tiles = tile_values(page)
    assert list(tiles) == ["spend", "revenue", "roas", "romi", "cac", "orders", "new_customers", "aov"]
    assert all(value != "—" for value in tiles.values()), tiles
    assert "€" in tiles["spend"] and "€" in tiles["revenue"] and tiles["roas"].endswith("\u00d7")
    assert page.locator(".tile .tile-change").count() == 8  # change vs the previous period on every tile
    drawn = chart(page)
    assert len(drawn["labels"]) == 30 and len(drawn["sets"]) == 2  # last 30 days by day, with the comparison
    assert sum(v or 0 for v in drawn["sets"][0]["data"]) > 0
    sources = page.locator("#breakdown tbody tr").all_inner_texts()
    assert any("Google Ads" in row for row in sources) and any("Meta Ads" in row for row in sources)
    page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page
    page.screenshot(path=screenshot_path("dashboard-all-accounts-desktop"), full_page=True)

    # One ad account from the menu: its platform's tiles and campaigns, no reload, the URL says so.
    page.click(f".account-link[data-account='{GOOGLE}']")
    page.wait_for_url(f"**account={GOOGLE}**")
    settled(page)
    tiles = tile_values(page)
    assert {"spend", "clicks", "ctr", "cpc", "roas", "platform_roas"} <= set(tiles)
    assert tiles["clicks"] != "—" and tiles["ctr"].endswith("%")
    campaigns = page.locator("#breakdown tbody tr").all_inner_texts()
    assert any("Search | Brand" in row for row in campaigns)
    assert page.locator(".account-link.active").get_attribute("data-account") == GOOGLE
    assert page.evaluate("window.__sameDocument") is True

    # Pick the chart's metric from a tile, then the granularity.
    page.click(".tile[data-metric=clicks]")
    page.wait_for_url("**metric=clicks**")
    settled(page)
    page.click("[data-granularity=week]")
    page.wait_for_url("**granularity=week**")
    settled(page)
    weekly = chart(page)
    assert 5 <= len(weekly["labels"]) <= 6 and all(label.startswith("Wk ") for label in weekly["labels"])
    assert sum(v or 0 for v in weekly["sets"][0]["data"]) > 0
    assert page.evaluate("window.__sameDocument") is True

    # Comparison off: one series and no change badges; on again: two.
    page.uncheck("#compare-toggle")
    page.wait_for_url("**compare=off**")
    settled(page)
    assert len(chart(page)["sets"]) == 1 and page.locator(".tile .tile-change").count() == 0
    page.check("#compare-toggle")
    page.wait_for_url(lambda u: "compare=off" not in u)
    settled(page)
    assert len(chart(page)["sets"]) == 2
    page.screenshot(path=screenshot_path("dashboard-google-ads-desktop"), full_page=True)

    # Back restores the previous state (comparison off) without a reload either.
    page.go_back()
    page.wait_for_url("**compare=off**")
    settled(page)
    assert len(chart(page)["sets"]) == 1 and not page.is_checked("#compare-toggle")
    page.go_forward()
    settled(page)
    assert page.evaluate("window.__sameDocument") is True

    # The URL is the state: a reload (or a shared link) shows the same view.
    shared = page.url
    page.reload()
    settled(page)
    assert page.url == shared
    assert page.locator("[data-granularity=week]").get_attribute("aria-pressed") == "true"
    assert page.locator(".tile.selected").get_attribute("data-metric") == "clicks"
    assert page.locator("#view-title").inner_text().startswith("Google Ads")

    # A GA4 property has its own tiles and no campaign table.
    page.click(".account-link[data-account^='ga4:']")
    settled(page)
    assert "ga4_sessions" in tile_values(page) and not page.locator("#breakdown-card").is_visible()

    # Custom range.
    page.select_option("#preset", "custom")
    page.fill("#date-from", "2026-11-01")
    page.dispatch_event("#date-from", "change")
    settled(page)
    assert "preset=custom" in page.url and "from=2026-11-01" in page.url

    # The UTM audit shows the demo's deliberate gaps.
    page.click("a.nav-link:has-text('UTM audit')")
    page.wait_for_selector("#utm-audit[data-loading=false]", timeout=30_000)
    assert "Brand Video Awareness" in page.locator("#unmatched-spend-table").inner_text()
    assert "search_competitors_legacy" in page.locator("#unmatched-utms-table").inner_text()
    assert page.locator("#audit-summary .tile-value").first.inner_text() != "—"
    page.screenshot(path=screenshot_path("utm-audit-desktop"), full_page=True)

    # A new project with no data yet: the dashboard says how to get some.
    page.goto(f"{url}/projects/")
    page.fill("input[name=name]", "Empty Shop")
    page.click("form button[type=submit]:has-text('Create')")
    page.wait_for_url(re.compile(r".*/projects/\d+/$"))
    settled(page)
    guide = page.locator("#empty-accounts")
    assert guide.is_visible()
    assert "Connect an account" in guide.inner_text() and "analyticaflow import spend" in guide.inner_text()
    assert "analyticaflow demo" in guide.inner_text()
    assert page.locator("#chart-empty").is_visible()
    assert tile_values(page)["roas"] == "—"  # no spend: no ratio, not an error
    page.screenshot(path=screenshot_path("dashboard-empty-desktop"), full_page=True)
    assert errors == []


def test_dashboard_on_a_phone(demo, browser):
    url, email, password = demo
    page = log_in(browser, url, email, password, width=390, height=844)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.click("text=Demo Shop")
    settled(page)
    assert page.locator(".tile").count() == 8
    assert page.evaluate("document.documentElement.scrollWidth") <= 391  # nothing overflows sideways
    page.screenshot(path=screenshot_path("dashboard-phone"), full_page=True)

    page.click("label.nav-open")
    page.wait_for_timeout(300)
    page.click(".account-link[data-account^='meta_ads:']")
    page.wait_for_url("**account=meta_ads**")
    settled(page)
    page.wait_for_timeout(300)
    assert page.locator(".sidebar").bounding_box()["x"] < 0  # the drawer closed itself
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=screenshot_path("dashboard-meta-phone"), full_page=True)
    assert errors == []
