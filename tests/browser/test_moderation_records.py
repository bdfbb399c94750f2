"""The moderator's workspace in a real browser: no axe-core violations, nothing wider
than a phone, saved replies inserted without a reload (and with one, without JavaScript),
hostile text inert; screenshots at 1280 and 390 px for review."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app.extensions import db
from app.models import CommentRevision, CommentStatus, ModerationAction, SavedReply
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import MODERATOR_PASSWORD

HOSTILE = "<img src=x onerror=alert(1)> <script>alert(2)</script>"


@pytest.fixture
def workspace(app, live_server, article, moderator, add_comment):
    """A question, a pending comment, an edited comment, a saved reply, a log entry."""
    question = add_comment(name="Ada", body="Is heat better than ice on day one?")
    pending = add_comment(status=CommentStatus.PENDING, name="Pat", body="My legs feel numb?")
    edited = add_comment(name=HOSTILE, body=f"Heat helped. {HOSTILE}")
    with app.app_context():
        from app.models import Comment, ModerationEvent

        comment = db.session.get(Comment, edited)
        db.session.add(
            CommentRevision(
                comment_id=edited,
                author_name=comment.author_name,
                author_website=None,
                body=comment.body,
                by_author=True,
                created_at=datetime(2026, 1, 2, tzinfo=UTC),
            )
        )
        comment.body = "Heat helped a great deal, thank you. " + HOSTILE
        db.session.add(
            SavedReply(
                title="Get help: urgent symptoms",
                body="Thank you for telling us, {name}. Please read: {help_link}",
            )
        )
        db.session.add(
            ModerationEvent(
                moderator_email="mod@example.com",
                action=ModerationAction.AUTHOR_EDIT,
                comment_id=edited,
                detail="changed text",
            )
        )
        db.session.commit()
    return {"site": live_server, "question": question, "pending": pending, "edited": edited}


def log_in(page: Page, site: str) -> None:
    page.goto(site + "/auth/login")
    page.fill("#email", "mod@example.com")
    page.fill("#password", MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Comments")


def pages(w) -> list[tuple[str, str]]:
    return [
        ("queue", "/moderation/"),
        ("saved-replies", "/moderation/saved-replies"),
        ("saved-reply-form", "/moderation/saved-replies/new"),
        ("saved-reply-delete", "/moderation/saved-replies/1/delete"),
        ("questions", "/moderation/questions"),
        ("history", f"/moderation/comments/{w['edited']}/history"),
        ("log", "/moderation/log?action=author_edit"),
        ("log-errors", "/moderation/log?since=2026-13-40&comment=abc"),
        ("reply", f"/moderation/comments/{w['pending']}/reply"),
    ]


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_every_workspace_page_passes_axe_fits_the_screen_and_runs_nothing(
    browser, workspace, label, viewport
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, workspace["site"])
    for name, path in pages(workspace):
        page.goto(workspace["site"] + path)
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width}px wide"
        screenshot(page, f"workspace-{name}-{label}")
    # The form with a saved reply in it, and the save form's errors.
    page.goto(workspace["site"] + f"/moderation/comments/{workspace['pending']}/reply?saved=1")
    assert Axe().run(page).violations_count == 0
    screenshot(page, f"workspace-reply-filled-{label}")
    page.goto(workspace["site"] + "/moderation/saved-replies/new")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert Axe().run(page).violations_count == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert dialogs == []
    context.close()


@pytest.mark.parametrize("scheme", ["dark"])
def test_workspace_pages_pass_axe_in_dark_mode(page: Page, workspace, scheme):
    page.emulate_media(color_scheme=scheme)
    log_in(page, workspace["site"])
    for _, path in pages(workspace):
        page.goto(workspace["site"] + path)
        results = Axe().run(page)
        assert results.violations_count == 0, f"{path}\n{results.generate_report()}"


def test_a_saved_reply_goes_into_the_box_without_a_reload_and_publishes(page: Page, workspace):
    site = workspace["site"]
    log_in(page, site)
    page.goto(site + f"/moderation/comments/{workspace['pending']}/reply")
    page.evaluate("window.notReloaded = true")
    page.fill("#comment", "Hello Pat.")
    page.get_by_role("link", name="Use “Get help: urgent symptoms”").click()
    box = page.locator("#comment")
    expect(box).to_have_value(
        "Hello Pat.\n\nThank you for telling us, Pat. Please read: "
        "http://localhost/back-spasms/#get-help"
    )
    assert page.evaluate("window.notReloaded") is True  # inserted, not reloaded
    expect(box).to_be_focused()
    expect(page.locator("#saved-reply-status")).to_have_text(
        "“Get help: urgent symptoms” is in your reply."
    )
    page.get_by_role("button", name="Publish reply").click()
    # Back where the moderator came from, told; the reply is on the reader's page.
    expect(page.locator(".notice").first).to_contain_text("Your reply is published.")
    page.goto(site + "/back-spasms/")
    expect(page.locator(".comment--site").last).to_contain_text("Thank you for telling us, Pat.")
    link = page.locator(".comment--site a[href$='#get-help']").last
    expect(link).to_have_attribute("href", "http://localhost/back-spasms/#get-help")


def test_without_javascript_the_link_reloads_the_form_filled_in(browser, workspace):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    site = workspace["site"]
    log_in(page, site)
    page.goto(site + f"/moderation/comments/{workspace['question']}/reply")
    page.get_by_role("link", name="Use “Get help: urgent symptoms”").click()
    assert page.url.startswith(f"{site}/moderation/comments/{workspace['question']}/reply?saved=1")
    expect(page.locator("#comment")).to_have_value(
        "Thank you for telling us, Ada. Please read: http://localhost/back-spasms/#get-help"
    )
    page.get_by_role("button", name="Publish reply").click()
    # Back where the moderator came from, told; the reply is on the reader's page.
    expect(page.locator(".notice").first).to_contain_text("Your reply is published.")
    page.goto(site + "/back-spasms/")
    expect(page.locator(".comment--site").last).to_contain_text("Thank you for telling us, Ada.")
    context.close()
