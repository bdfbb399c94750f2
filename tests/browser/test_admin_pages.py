"""The admins' pages in a real browser: axe finds nothing, nothing scrolls sideways at
390 px, and the settings round trip works with CSRF on; screenshots for review."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from app import site_settings
from app.auth.services import add_moderator
from app.models import ModeratorRole
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_accessibility_and_safety import assert_no_violations
from tests.conftest import MODERATOR_PASSWORD


def log_in(page: Page, site: str, email: str = "mod@example.com") -> None:
    page.goto(site + "/auth/login")
    page.fill("#email", email)
    page.fill("#password", MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Comments")


@pytest.fixture
def team(app, moderator):
    with app.app_context():
        add_moderator("pat@example.com", MODERATOR_PASSWORD, "Pat", role=ModeratorRole.MODERATOR)


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_admin_pages_have_no_axe_violations_and_fit_a_phone(page: Page, live_server, team, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.goto(live_server + "/moderation/settings")
        assert_no_violations(page)
        fits(page, viewport["width"])
        # A refused value: shown by its field, the typed text kept.
        page.fill("#comments_max_links", "")
        page.locator("#comments_max_links").press_sequentially("9999")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator("#comments_max_links-error")).to_have_text(
            "Enter a whole number from 0 to 100."
        )
        expect(page.locator("#comments_max_links")).to_have_value("9999")
        assert_no_violations(page)
        fits(page, viewport["width"])
        if scheme == "light":
            screenshot(page, f"admin-settings-error-{label}")
        page.goto(live_server + "/moderation/moderators")
        assert_no_violations(page)
        fits(page, viewport["width"])
        if scheme == "light":
            screenshot(page, f"admin-moderators-{label}")
        page.goto(live_server + "/moderation/moderators/2/remove")
        assert_no_violations(page)
        fits(page, viewport["width"])


def test_an_admin_saves_and_resets_a_setting_in_the_browser(page: Page, app, live_server, team):
    log_in(page, live_server)
    page.get_by_role("link", name="Settings").click()
    page.select_option("#comments_moderation", "all")
    page.fill("#comments_moderation_words", "cure\nmiracle")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash, .flashes").first).to_contain_text('added "cure", "miracle"')
    with app.app_context():
        assert site_settings.get("COMMENTS_MODERATION") == "all"
        assert site_settings.get("COMMENTS_MODERATION_WORDS") == ("cure", "miracle")
    section = page.locator("#setting-comments_moderation_words")
    expect(section).to_contain_text("Changed")
    screenshot(page, "admin-settings-saved-desktop")
    section.get_by_role("button", name="Reset to default").click()
    expect(page.locator("#setting-comments_moderation_words")).to_contain_text("Default")
    with app.app_context():
        assert site_settings.get("COMMENTS_MODERATION_WORDS") == ()
        assert site_settings.get("COMMENTS_MODERATION") == "all"  # the other one stays


def test_an_admin_promotes_a_moderator_in_the_browser(page: Page, app, live_server, team):
    log_in(page, live_server)
    page.get_by_role("link", name="Moderators").click()
    page.select_option("#role-2", "admin")
    page.get_by_role("button", name="Change role of Pat").click()
    expect(page.locator("body")).to_contain_text("Pat (pat@example.com) is now admin.")


def test_a_moderator_sees_no_admin_links_and_a_friendly_403(page: Page, live_server, team):
    log_in(page, live_server, "pat@example.com")
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)
    response = page.goto(live_server + "/moderation/settings")
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("Only admins can open this page")
    assert_no_violations(page)
