"""The preferences page in a real browser: reachable, usable by keyboard, accessible,
and no wider than a phone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Moderator, NotifyMode, QueueOrder
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import MODERATOR_PASSWORD

PAGE = "/moderation/preferences"


def log_in(page: Page, site: str) -> None:
    page.goto(site + "/auth/login")
    page.fill("#email", "mod@example.com")
    page.fill("#password", MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Comments")


def assert_no_violations(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def stored(app) -> Moderator:
    with app.app_context():
        return db.session.scalar(select(Moderator))


def test_choose_and_save_with_the_keyboard(page: Page, app, live_server, moderator, watch):
    log_in(page, live_server)
    page.get_by_role("link", name="Preferences").click()
    expect(page.locator("h1")).to_have_text("Your preferences")
    expect(page.get_by_role("radio", name="Oldest first")).to_be_checked()
    page.get_by_role("radio", name="Newest first").check()
    page.get_by_role("group", name="Keyboard shortcuts in the queue").get_by_role(
        "radio", name="Off"
    ).check()
    daily = page.get_by_role("radio", name="A daily digest")
    daily.focus()
    page.keyboard.press("Space")
    expect(daily).to_be_checked()
    page.get_by_role("button", name="Save preferences").press("Enter")
    expect(page.locator(".flashes [role=status]")).to_contain_text("Your preferences are saved.")
    expect(page.get_by_role("radio", name="A daily digest")).to_be_checked()
    saved = stored(app)
    assert (saved.queue_order, saved.shortcuts, saved.notify_mode) == (
        QueueOrder.NEWEST,
        False,
        NotifyMode.DAILY,
    )
    assert watch["errors"] == [] and watch["dialogs"] == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_preferences_page(page: Page, app, live_server, moderator, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in(page, live_server)
    page.goto(live_server + PAGE)
    assert_no_violations(page)
    # With errors showing: a value no radio offers, as a hand-made request would send.
    page.evaluate("document.getElementById('notify_mode-0').value = 'weekly'")
    page.get_by_role("radio", name="At once, one email per comment").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#notify_mode .field__error")).to_have_text(
        "Choose when to be emailed about comments waiting for moderation."
    )
    assert_no_violations(page)
    assert stored(app).notify_mode is NotifyMode.NOW


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_preferences_page_fits_and_screenshots(browser, live_server, moderator, label, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    log_in(page, live_server)
    page.goto(live_server + PAGE)
    fits(page, viewport["width"])
    screenshot(page, f"moderation-preferences-{label}")
    page.evaluate("document.getElementById('queue_order-0').value = 'sideways'")
    page.get_by_role("radio", name="Oldest first").check()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.locator("#error-summary")).to_be_visible()
    fits(page, viewport["width"])
    screenshot(page, f"moderation-preferences-errors-{label}")
    context.close()
