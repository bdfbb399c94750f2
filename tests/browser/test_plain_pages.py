"""The plain pages (About, Editorial policy, Privacy, Contact) in a real browser: axe-core
finds nothing in light or dark mode, and the footer and the comment-form notice lead to
pages that exist."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app.content.loading import load_directory
from tests.browser.conftest import PHONE, screenshot
from tests.conftest import ROOT

PLAIN_PAGES = ("/about/", "/editorial-policy/", "/privacy/", "/contact/")


@pytest.fixture
def site(app, live_server):
    with app.app_context():
        load_directory(ROOT / "content")
    return live_server


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_plain_pages(page: Page, site, scheme):
    page.emulate_media(color_scheme=scheme)
    for path in PLAIN_PAGES:
        response = page.goto(site + path)
        assert response.status == 200, path
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path} ({scheme}):\n{results.generate_report()}"


def test_footer_and_comment_notice_links_lead_somewhere(page: Page, site):
    page.goto(site + "/relieve-back-spasms/massage/")
    notice = page.locator(".comment-policy")
    expect(notice).to_contain_text("Comments are checked before they appear.")
    notice.get_by_role("link", name="When to get help").click()
    expect(page.locator("#get-help")).to_be_in_viewport()
    footer = page.get_by_role("navigation", name="About this site")
    for name, heading in (
        ("About", "About Relief"),
        ("Editorial policy", "Editorial policy"),
        ("Privacy", "Privacy"),
        ("Contact", "Contact us"),
    ):
        footer.get_by_role("link", name=name, exact=True).click()
        expect(page.locator("h1")).to_have_text(heading)
        expect(footer.get_by_role("link", name=name, exact=True)).to_have_attribute(
            "aria-current", "page"
        )


def test_plain_page_screenshots_for_review(browser, site):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    for path in PLAIN_PAGES:
        page.goto(site + path)
        screenshot(page, "page-" + path.strip("/") + "-phone")
    context.close()
