"""The channel-grouping settings page in a real browser: an owner adds, changes and removes rules and sees the
reasons a rule cannot be saved; a viewer reads the rules only."""

from __future__ import annotations

import pytest

from analyticaflow.channelgroups.selectors import channel_grouping_for
from analyticaflow.channelgroups.services import channel_grouping_update
from tests.browser import chromium, logged_in_page, screenshot_path
from tests.factories import PASSWORD, add_member, make_project, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(browser, live_server, email: str):
    return logged_in_page(browser, live_server.url, email, PASSWORD)


def opened(page, live_server, project) -> None:
    page.goto(f"{live_server.url}/projects/{project.id}/settings/channel-grouping/")
    page.wait_for_selector("#channel-grouping[data-loading=false]")


def rules_shown(page) -> list[tuple[str, str]]:
    return page.evaluate("""() => [...document.querySelectorAll('#cg-rows tr')].map(
        row => [row.querySelector('.cg-key').value, row.querySelector('.cg-group').value])""")


def test_an_owner_edits_the_rules_and_a_viewer_reads_them(live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the checks read the database beside Playwright's loop
    owner, viewer = make_user("owner@shop.example"), make_user("viewer@shop.example")
    project = make_project(owner)
    add_member(project, viewer, "viewer")
    channel_grouping_update(project=project, rules={"tiktok": "paid_social"}, replace=True, user=owner)
    with chromium() as browser:
        page = logged_in(browser, live_server, "owner@shop.example")
        page.goto(f"{live_server.url}/projects/{project.id}/settings/")
        page.click("#channel-grouping-link")
        page.wait_for_selector("#channel-grouping[data-loading=false]")
        assert rules_shown(page) == [["tiktok", "paid_social"]]
        assert page.locator("#cg-defaults li").count() == 6
        # A new rule, a changed group; a rule with no source is refused before anything is sent.
        page.click("#cg-add")
        page.locator("#cg-rows tr").nth(1).locator(".cg-key").fill("Partner/Referral")
        page.locator("#cg-rows tr").nth(1).locator(".cg-group").select_option("referral")
        page.locator("#cg-rows tr").nth(0).locator(".cg-group").select_option("paid_search")
        page.click("#cg-add")
        page.click("#cg-save")
        assert page.locator("#cg-error").is_visible()
        assert "Name a source" in page.locator("#cg-rows tr").nth(2).locator(".cg-reason").inner_text()
        page.locator("#cg-rows tr").nth(2).locator(".cg-remove").click()
        page.click("#cg-save")
        page.wait_for_selector("#cg-saved:not([hidden])")
        assert rules_shown(page) == [["partner/referral", "referral"], ["tiktok", "paid_search"]]
        assert dict(channel_grouping_for(project_id=project.id).rules) == {
            "partner/referral": "referral", "tiktok": "paid_search"}
        # The server's reason for a key it refuses (too long) is shown next to that rule.
        page.click("#cg-add")
        page.locator("#cg-rows tr").nth(2).evaluate("row => row.querySelector('.cg-key').removeAttribute('maxlength')")
        page.locator("#cg-rows tr").nth(2).locator(".cg-key").fill("x" * 201)
        page.click("#cg-save")
        page.wait_for_selector("#cg-rows tr.invalid")
        assert "1 to 200 characters" in page.locator("#cg-rows tr").nth(2).locator(".cg-reason").inner_text()
        assert "not saved: 1 rule(s) refused" in page.locator("#cg-error").inner_text()
        assert dict(channel_grouping_for(project_id=project.id).rules) == {
            "partner/referral": "referral", "tiktok": "paid_search"}
        page.screenshot(path=screenshot_path("channel-grouping-owner"), full_page=True)
        assert page.errors == []

        reader = logged_in(browser, live_server, "viewer@shop.example")
        opened(reader, live_server, project)
        assert rules_shown(reader) == [["partner/referral", "referral"], ["tiktok", "paid_search"]]
        assert reader.locator("#cg-readonly").is_visible()
        assert reader.locator("#cg-save").count() == 0 and reader.locator("#cg-add").count() == 0
        assert reader.locator(".cg-group").first.is_disabled()
        assert reader.locator(".cg-key").first.get_attribute("readonly") is not None
        assert reader.errors == []
