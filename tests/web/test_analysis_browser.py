"""The analysis pages in a real browser against the real demo (``analyticaflow demo --size small``): the funnel
chart with a breakdown and its dropped persons, the cohort heatmap, the LTV curves, the top paths and a person's
timeline, at desktop width and one at phone width. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser import chromium, logged_in_page, screenshot_path
from tests.serving import server_output, serving
from tests.test_cli import demo_credentials

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("analysis") / "demo"
    with serving(data, "--data-dir", str(data), "--size", "small", command="demo") as (url, _process):
        yield url, *demo_credentials(server_output(data))
    assert "Traceback" not in server_output(data)


@pytest.fixture(scope="module")
def page(demo):
    url, email, password = demo
    with chromium() as browser:
        opened = logged_in_page(browser, url, email, password)
        opened.click("text=Demo Shop")
        opened.wait_for_url(re.compile(r".*/projects/\d+/$"))
        opened.project_url = opened.url.rstrip("/")
        yield opened
        assert opened.errors == []


def settled(page):
    page.wait_for_selector("#analysis[data-loading=false]", timeout=60_000)
    page.wait_for_timeout(400)  # charts animate for 200 ms
    assert page.locator("#dash-notice.flash-error").count() == 0, page.locator("#dash-notice").inner_text()


def datasets(page, canvas: str) -> list[dict]:
    return page.evaluate(
        f"() => Chart.getChart('{canvas}').data.datasets.map(d => ({{label: d.label, data: d.data}}))")


def no_overflow(page, width: int = 1280) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1


def test_funnel_with_breakdown_and_dropped_persons(page):
    page.click("a.nav-link:has-text('Funnels')")
    page.wait_for_url("**/funnels/")
    settled(page)
    (persons,) = datasets(page, "funnel-chart")
    assert len(persons["data"]) == 3 and persons["data"][0] > persons["data"][1] > persons["data"][2] > 0
    assert page.locator("#steps-table tbody tr").count() == 3
    page.select_option("#breakdown", "channel")
    page.click("#run")
    settled(page)
    assert "breakdown=channel" in page.url
    groups = datasets(page, "funnel-chart")  # each group's share of its own step 1
    assert len(groups) > 1 and any(g["label"] == "google" for g in groups)
    assert all(g["data"][0] == 1 and g["data"][0] >= g["data"][1] >= g["data"][2] for g in groups)
    assert page.locator("#groups-table tbody tr").count() >= len(groups)
    no_overflow(page)
    page.screenshot(path=screenshot_path("analysis-funnel"), full_page=True)
    page.click("#steps-table [data-dropped='2']")
    page.wait_for_selector("#dropped-card:not([hidden])")
    settled(page)
    first = page.locator("#dropped-table tbody tr a").first
    assert first.count() == 1
    person = first.inner_text()
    first.click()
    page.wait_for_url("**/people/?person=*")
    settled(page)
    assert page.locator("#person-facts").inner_text().count(person) == 1
    assert page.locator("#timeline .event").count() >= 1
    assert page.locator("#timeline .visit-start").count() >= 1
    page.screenshot(path=screenshot_path("analysis-person"), full_page=True)


def test_cohort_heatmap(page):
    page.goto(f"{page.project_url}/cohorts/")
    settled(page)
    rows = page.locator("#heatmap tbody tr")
    assert rows.count() > 3  # the average and one row per weekly cohort
    assert "%" in rows.nth(0).inner_text()
    assert page.locator("#heatmap td.partial").count() >= 1  # the latest cohorts are still in progress
    page.click("#granularity [data-granularity=month]")
    settled(page)
    assert "granularity=month" in page.url and page.locator("#heatmap thead th").nth(2).inner_text() == "MONTH 0"
    page.click("#metric [data-metric=revenue]")
    assert "€" in page.locator("#heatmap tbody tr").nth(0).inner_text()
    no_overflow(page)
    page.screenshot(path=screenshot_path("analysis-cohorts"), full_page=True)


def test_ltv_curves(page):
    page.goto(f"{page.project_url}/ltv/?preset=last_90&months=3")
    settled(page)
    lines = datasets(page, "ltv-chart")
    assert lines[0]["label"].startswith("All customers") and len(lines) > 2
    assert len(lines[0]["data"]) == 4 and lines[0]["data"][0] > 0
    table = page.locator("#ltv-table tbody").inner_text()
    assert "google" in table and "€" in table
    page.click("#by [data-by=channel_group]")
    settled(page)
    every = datasets(page, "ltv-chart")
    assert any(line["label"].startswith("Paid search") for line in every)
    # Only the customers acquired through the Google Ads account: fewer customers, its spend only; kept in the URL.
    page.wait_for_selector("#account option[value='google_ads:123-456-7890']", state="attached")
    page.select_option("#account", "google_ads:123-456-7890")
    settled(page)
    assert "account=google_ads%3A123-456-7890" in page.url and "by=channel_group" in page.url
    google = datasets(page, "ltv-chart")
    assert google != every and google[0]["label"].startswith("All customers")
    assert [line["label"] for line in google if line["label"].startswith("Paid social")] == []
    page.reload()
    settled(page)
    assert page.locator("#account").input_value() == "google_ads:123-456-7890"
    assert datasets(page, "ltv-chart") == google
    page.select_option("#account", "all")
    settled(page)
    assert "account=" not in page.url and datasets(page, "ltv-chart") == every
    no_overflow(page)
    page.screenshot(path=screenshot_path("analysis-ltv"), full_page=True)


def test_view_toggles_keep_history_and_back_restores_the_report(page):
    page.goto(f"{page.project_url}/ltv/?preset=last_90&months=3")
    settled(page)
    page.click("#curve [data-curve=ltv]")  # how the answer is shown: no new history entry, no reload
    assert "curve=ltv" in page.url
    assert page.locator("#curve [data-curve=ltv]").get_attribute("class").split().count("active") == 1
    page.click("#by [data-by=channel_group]")
    settled(page)
    assert "by=channel_group" in page.url
    page.go_back()
    settled(page)
    assert "by=" not in page.url and "curve=ltv" in page.url
    assert "active" in page.locator("#by [data-by=channel]").get_attribute("class").split()
    assert not any(line["label"].startswith("Paid search") for line in datasets(page, "ltv-chart"))


def test_top_paths_and_person_search(page):
    page.goto(f"{page.project_url}/journeys/")
    settled(page)
    rows = page.locator("#paths-table tbody tr")
    assert rows.count() >= 5
    assert "→" in page.locator("#paths-table").inner_text()  # multi-touch paths
    assert "%" in rows.nth(0).inner_text()
    no_overflow(page)
    page.screenshot(path=screenshot_path("analysis-journeys"), full_page=True)
    page.fill("input[name=person]", "cust_000001")
    page.click("#person-search button[type=submit]")
    page.wait_for_url("**/people/?person=cust_000001")
    settled(page)
    assert "u:cust_000001" in page.locator("#person-facts").inner_text()


def test_phone_width(page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.project_url}/funnels/")
    settled(page)
    assert datasets(page, "funnel-chart")[0]["data"][0] > 0
    no_overflow(page, 390)
    page.screenshot(path=screenshot_path("analysis-funnel-phone"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
