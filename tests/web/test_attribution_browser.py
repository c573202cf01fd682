"""The attribution page in a real browser against the real demo (``analyticaflow demo --size small``): every model
side by side, switching grouping, shown metric, models and lookback without a reload, shareable URLs, the phone
layout. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.browser import chromium, logged_in_page, screenshot_path
from tests.serving import server_output, serving
from tests.test_cli import demo_credentials

pytestmark = pytest.mark.browser

MODEL_LABELS = ["First touch", "Last touch", "Last non-direct", "Linear", "Time decay", "Position based",
                "Markov chain", "Shapley value"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data = tmp_path_factory.mktemp("attribution") / "demo"
    with serving(data, "--data-dir", str(data), "--size", "small", command="demo") as (url, _process):
        yield url, *demo_credentials(server_output(data))
    assert "Traceback" not in server_output(data)


@pytest.fixture(scope="module")
def browser():
    with chromium() as opened:
        yield opened


def open_attribution(browser, url, email, password, *, width=1280, height=900):
    page = logged_in_page(browser, url, email, password, width=width, height=height)
    page.click("text=Demo Shop")
    page.wait_for_url(re.compile(r".*/projects/\d+/$"))
    if width < 800:
        page.click("label.nav-open")
        page.wait_for_timeout(300)
    page.click("a.nav-link:has-text('Attribution')")
    page.wait_for_url("**/attribution/")
    settled(page)
    return page


def settled(page):
    page.wait_for_selector("#attribution[data-loading=false]", timeout=60_000)


def headers(page) -> list[str]:
    return page.eval_on_selector_all("#comparison thead th", "ths => ths.map(th => th.textContent.trim())")


def total_cells(page) -> list[str]:
    return page.eval_on_selector_all("#comparison tfoot td", "tds => tds.map(td => td.textContent.trim())")


def test_every_model_side_by_side_and_the_switches(demo, browser):
    url, email, password = demo
    page = open_attribution(browser, url, email, password)
    assert headers(page) == ["Channel", "Spend", *MODEL_LABELS]
    rows = page.locator("#comparison tbody tr")
    assert rows.count() >= 4
    # Every model credits the same conversions in total: the totals row repeats one number.
    totals = total_cells(page)
    assert totals[0] == "Total" and len(set(totals[2:])) == 1 and totals[2] not in ("0", "—")
    assert page.locator("#dash-notice.flash-error").count() == 0
    summary = page.locator("#summary").text_content()
    assert "Conversions" in summary and "Won deals" in summary
    page.screenshot(path=screenshot_path("attribution-channels"), full_page=True)

    page.click("#group-by [data-group=campaign]")
    page.wait_for_url("**group=campaign**")
    settled(page)
    assert headers(page)[0] == "Campaign"
    assert page.locator("#comparison tbody tr", has_text="Meta Ads").count() >= 1

    page.click("#show [data-show=roas]")
    page.wait_for_url("**show=roas**")
    assert page.locator("#table-title").inner_text().startswith("ROAS by campaign")
    assert "\u00d7" in page.locator("#comparison tbody").inner_text()  # the ratio sign of ROAS

    page.uncheck("#model-picker input[value=shapley]")
    page.wait_for_url("**models=**")
    settled(page)
    assert "Shapley value" not in headers(page) and len(headers(page)) == 2 + 7

    page.fill("#lookback", "7")
    page.press("#lookback", "Enter")
    page.wait_for_url("**lookback=7**")
    settled(page)
    assert "Lookback 7 days" in page.locator("#params-line").inner_text()
    page.screenshot(path=screenshot_path("attribution-campaigns-roas"), full_page=True)

    # The URL is shareable: a fresh page restores every choice.
    shared = page.url
    other = page.context.new_page()  # the same session
    other.goto(shared)
    settled(other)
    assert headers(other) == headers(page) and other.locator("#lookback").input_value() == "7"
    assert other.locator("#show [data-show=roas]").get_attribute("aria-pressed") == "true"
    page.context.close()


def test_on_a_phone(demo, browser):
    url, email, password = demo
    page = open_attribution(browser, url, email, password, width=390, height=844)
    assert page.locator("#comparison tbody tr").count() >= 1
    # The wide table scrolls inside its card; the page itself does not overflow.
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.screenshot(path=screenshot_path("attribution-phone"), full_page=True)
    page.context.close()
