"""Commenter rules and closed pages in a real browser: made from the queue, listed,
refused kindly with JavaScript off; axe-core finds nothing and nothing scrolls sideways
at 390 px; screenshots at 1280 and 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, text

from app.content.loading import load_directory
from app.extensions import db
from app.models import CommenterRule, CommentStatus, RuleKind
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.browser.test_accessibility_and_safety import assert_no_violations, log_in
from tests.conftest import ROOT

ARTICLE = "/relieve-back-spasms/"


@pytest.fixture
def site(app, live_server, add_comment, moderator):
    with app.app_context():
        load_directory(ROOT / "content")
    add_comment(article_slug="relieve-back-spasms", name="Maria", body="Heat helped me.")
    pending = add_comment(
        article_slug="relieve-back-spasms",
        status=CommentStatus.PENDING,
        name="Pat",
        email="pat@example.com",
        body="Buy <b>cheap</b> pills at my site!",
    )
    return live_server, pending


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls {overflow}px sideways"


def check_both_widths(page: Page, name: str) -> None:
    for label, viewport in (("1280", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(viewport)
        assert_no_violations(page)
        if label == "390":
            no_sideways_scroll(page)
        screenshot(page, f"{name}-{label}")


def test_a_moderator_makes_and_removes_a_rule_from_the_queue(page: Page, app, site):
    url, pending = site
    log_in(page, url)
    page.get_by_role("link", name=f"Trust or block… the author of comment {pending}").click()
    expect(page.locator("h1")).to_have_text("Trust or block Pat")
    expect(page.locator("#domain")).to_have_value("example.com")
    check_both_widths(page, "rule-form")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Mark everything from this email address as spam").check()
    page.select_option("#expires", "7")
    page.fill("#note", "<script>alert('x')</script> sells pills")
    page.get_by_label("Also mark their comments waiting in the queue as spam").check()
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator(".notice").first).to_contain_text("Rule saved")
    expect(page.locator(".notice").first).to_contain_text("1 pending comment marked as spam")
    with app.app_context():
        rule = db.session.scalar(select(CommenterRule))
        assert rule.kind is RuleKind.SPAM and rule.expires_at is not None

    page.get_by_role("link", name="Rules").click()
    card = page.locator(".rule-card")
    expect(card).to_contain_text("pat@example.com")
    expect(card).to_contain_text("<script>alert('x')</script> sells pills")
    check_both_widths(page, "rules-list")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name="Remove the rule").click()
    expect(page.locator(".notice").first).to_contain_text("Rule removed")
    expect(page.locator(".rule-card")).to_have_count(0)


def test_the_rule_form_shows_errors_next_to_the_fields(page: Page, site):
    url, pending = site
    log_in(page, url)
    page.goto(f"{url}/moderation/comments/{pending}/rule")
    page.get_by_label("Hold everything from this IP address").check()
    page.fill("#ip", "300.1.1.1")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#ip-error")).to_contain_text("Enter an IP address")
    expect(page.locator("#ip")).to_have_value("300.1.1.1")
    check_both_widths(page, "rule-form-error")


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_pages_list_closes_a_page_and_readers_see_it_closed(
    page: Page, browser: Browser, site, javascript
):
    errors = []
    url, _ = site
    log_in(page, url)
    page.get_by_role("link", name="Pages").click()
    expect(page.locator("h1")).to_have_text("Pages and comments")
    if javascript:
        check_both_widths(page, "pages-list")
        page.set_viewport_size(DESKTOP)
    page.locator(".page-card").first.get_by_role("button", name="Close to comments").click()
    expect(page.locator(".notice").first).to_contain_text("closed to new comments")

    context = browser.new_context(java_script_enabled=javascript)
    reader = context.new_page()
    reader.on("pageerror", lambda error: errors.append(str(error)))
    reader.goto(url + ARTICLE)
    expect(reader.locator("#comments-closed")).to_have_text("Comments are closed.")
    expect(reader.locator("form.comment-form")).to_have_count(0)
    expect(reader.locator("a.reply-link")).to_have_count(0)
    expect(reader.locator(".comment")).to_contain_text("Heat helped me.")
    if javascript:  # axe runs in the page: it needs JavaScript
        check_both_widths(reader, "closed-page")
    assert errors == []  # the site's scripts cope with a page that has no form
    context.close()


@pytest.mark.parametrize("javascript", [False, True], ids=["js-off", "js-on"])
def test_a_comment_sent_as_the_page_closes_is_kept_for_its_author(
    browser: Browser, app, site, javascript
):
    """The form was loaded while open, and the page closed before sending."""
    url, _ = site
    context = browser.new_context(java_script_enabled=javascript)
    reader = context.new_page()
    reader.goto(url + ARTICLE)
    typed = "A long story of what helped me,\nwith two lines — and <b>tags</b>."
    reader.fill("#comment", typed)
    reader.fill("#name", "Ada")
    reader.fill("#email", "ada@example.com")
    with app.app_context():
        db.session.execute(text("UPDATE articles SET commenting = 'closed'"))
        db.session.commit()
    reader.get_by_role("button", name="Post Comment").click()
    expect(reader.locator("#error-summary")).to_contain_text(
        "Comments on this page are closed, so your comment was not posted."
    )
    expect(reader.locator("#kept-comment")).to_have_value(typed)
    expect(reader.locator("#kept-comment")).to_have_attribute("readonly", "")
    with app.app_context():
        assert db.session.scalar(text("SELECT count(*) FROM comments")) == 2  # the fixture's
    if javascript:
        check_both_widths(reader, "closed-page-refused")
    context.close()
