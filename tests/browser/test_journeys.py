"""What readers, commenters and moderators do, done the way they do it: in Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.content.loading import load_directory
from app.extensions import db
from app.models import Comment, CommentStatus
from tests.browser.conftest import PHONE
from tests.conftest import MODERATOR_PASSWORD, ROOT

ARTICLE = "/relieve-back-spasms/"


@pytest.fixture
def site(app, live_server):
    """The real article from content/, served live; returns the base URL."""
    with app.app_context():
        load_directory(ROOT / "content")
    return live_server


@pytest.fixture
def add(app, add_comment):
    """Add a comment to the real article."""

    def make(**kwargs):
        kwargs.setdefault("article_slug", "relieve-back-spasms")
        return add_comment(**kwargs)

    return make


def statuses(app) -> dict[str, CommentStatus]:
    with app.app_context():
        return {c.body: c.status for c in db.session.scalars(select(Comment))}


def fill_comment(page: Page, text: str, name: str = "Ada", email: str = "ada@example.com"):
    page.fill("#comment", text)
    page.fill("#name", name)
    page.fill("#email", email)


# --- Reader ---------------------------------------------------------------------------


def reader_journey(page: Page, site: str) -> None:
    page.goto(site + "/")
    expect(page.locator("h1")).to_contain_text("How to relieve back spasms")
    # A worried reader meets "Get help now" before any remedy, most urgent tier first.
    box = page.locator("#get-help")
    expect(box.get_by_role("heading", name="Get help now")).to_be_visible()
    expect(box.locator(".get-help__label").first).to_have_text("Emergency: call now")
    expect(box).to_contain_text("999 in the UK, 911 in the US, 112 in the EU")
    page.get_by_role("navigation", name="In this article").get_by_role(
        "link", name="Cold and heat packs"
    ).click()
    expect(page).to_have_url(site + ARTICLE + "cold-and-heat/")
    expect(page.locator("h1")).to_have_text("Cold and heat packs")
    expect(page.locator("#get-help")).to_be_visible()
    expect(page.get_by_text("Never go to sleep lying on a heat pad")).to_be_visible()
    page.get_by_role("link", name=re.compile("Next remedy")).click()
    expect(page).to_have_url(site + ARTICLE + "massage/")
    expect(page.locator("h1")).to_have_text("Massage")
    # From the comment form, "When to get help" leads to the box, then to the full section.
    page.locator(".comment-policy").get_by_role("link", name="When to get help").click()
    expect(page).to_have_url(site + ARTICLE + "massage/#get-help")
    expect(page.locator("#get-help h2")).to_be_in_viewport()
    page.locator("#get-help").get_by_role("link", name=re.compile("More about when")).click()
    expect(page).to_have_url(site + ARTICLE + "when-to-see-a-doctor/#when-to-get-help")
    expect(page.get_by_role("heading", name="When to get help", exact=True)).to_be_in_viewport()
    page.get_by_role("link", name=re.compile("^Back to the article")).click()
    expect(page).to_have_url(site + ARTICLE)
    expect(page.get_by_role("heading", name="In this article")).to_be_visible()


def test_reader_journey(page: Page, site):
    reader_journey(page, site)


def test_reader_journey_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    reader_journey(context.new_page(), site)
    context.close()


# --- Commenter ------------------------------------------------------------------------


def commenter_leaves_a_comment(page: Page, site: str, app) -> None:
    page.goto(site + ARTICLE + "massage/")
    fill_comment(page, "A foam roller works wonders for me.")
    page.get_by_role("button", name="Post Comment").click()
    # The notice is inside the new comment, where the page lands.
    mine = page.locator(".comment--pending")
    expect(mine.locator(".notice")).to_contain_text("Your comment is awaiting moderation.")
    expect(mine).to_contain_text("A foam roller works wonders for me.")
    expect(mine).to_contain_text("Until then only you can see it.")
    expect(mine.locator(".notice")).to_be_in_viewport()
    assert re.search(r"#comment-\d+$", page.url)
    page.reload()  # seen again later, the held comment still says who can see it
    expect(page.locator(".comment--pending")).to_contain_text("Only you can see it for now.")
    assert statuses(app)["A foam roller works wonders for me."] is CommentStatus.PENDING


def commenter_sees_errors(page: Page, site: str) -> None:
    page.goto(site + ARTICLE)
    page.fill("#comment", "")
    page.fill("#name", "Ada")
    page.fill("#email", "not an email")
    page.fill("#website", "javascript:alert(1)")
    page.get_by_role("button", name="Post Comment").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.locator("#comment-error")).to_have_text(re.compile("Please write your comment"))
    expect(page.locator("#email-error")).to_have_text(
        "Enter an email address like name@example.com."
    )
    expect(page.locator("#website-error")).to_contain_text("http:// or https://")
    expect(page.locator("#name")).to_have_value("Ada")
    expect(page.locator("#email")).to_have_value("not an email")
    expect(page.locator("#website")).to_have_value("javascript:alert(1)")
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")

    # The summary's links lead to the fields; the text typed so far is kept on refusal.
    summary.get_by_role("link", name=re.compile("Please write your comment")).click()
    page.fill("#comment", "Second try, with text.")
    page.fill("#email", "ada@example")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#comment")).to_have_value("Second try, with text.")
    expect(page.locator("#email-error")).to_be_visible()


def commenter_replies(page: Page, site: str, app, parent: int) -> None:
    page.goto(site + ARTICLE)
    page.locator(f"#comment-{parent}").get_by_role("link", name=re.compile("^Reply")).first.click()
    expect(page.locator("#reply-title")).to_have_text("Replying to Bea")
    fill_comment(page, "Same here, heat first.", name="Cy", email="cy@example.com")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator(".notice")).to_contain_text("Your comment is awaiting moderation.")
    pending = page.locator(f"#comment-{parent} .comment--pending")
    expect(pending).to_contain_text("Same here, heat first.")
    with app.app_context():
        reply = db.session.scalar(select(Comment).where(Comment.body == "Same here, heat first."))
        assert reply.parent_id == parent


def test_commenter_journey(page: Page, site, app, add):
    parent = add(name="Bea", body="Heat helped me most.")
    commenter_leaves_a_comment(page, site, app)
    commenter_sees_errors(page, site)
    commenter_replies(page, site, app, parent)


def test_commenter_journey_without_javascript(browser, site, app, add):
    parent = add(name="Bea", body="Heat helped me most.")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    commenter_leaves_a_comment(page, site, app)
    commenter_sees_errors(page, site)
    commenter_replies(page, site, app, parent)
    assert "replyto=" in page.url or "#comment-" in page.url
    context.close()


def test_reply_with_javascript_moves_the_form_under_the_comment(page: Page, site, add):
    parent = add(name="Bea", body="Heat helped me most.")
    page.goto(site + ARTICLE)
    page.locator(f"#comment-{parent} .reply-link").click()
    assert "replyto" not in page.url  # no page load: the script moved the form
    expect(page.locator(f"#comment-{parent} #respond")).to_be_visible()
    expect(page.locator("#comment")).to_be_focused()
    expect(page.locator("#parent_id")).to_have_value(str(parent))
    page.get_by_role("link", name="Cancel reply").click()
    expect(page.locator(f"#comment-{parent} #respond")).to_have_count(0)
    expect(page.locator("#parent_id")).to_have_value("")
    expect(page.locator("#reply-title")).to_have_text("Leave a Reply")


# --- Moderator ------------------------------------------------------------------------


def test_moderator_journey(page: Page, browser, site, app, add, moderator):
    first = add(status=CommentStatus.PENDING, name="Ann", body="pending, to approve")
    add(status=CommentStatus.PENDING, name="Spammer", body="buy pills now")
    add(status=CommentStatus.PENDING, name="Troll", body="first of the trash")
    add(status=CommentStatus.PENDING, name="Troll", body="second of the trash")
    add(status=CommentStatus.PENDING, name="Edith", body="I hav a typo")
    add(name="Bea", body="already public")

    page.goto(site + "/moderation/")
    expect(page).to_have_url(re.compile(r"/auth/login\?next="))
    page.fill("#email", "mod@example.com")
    page.fill("#password", MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Comments")
    expect(page.get_by_role("link", name=re.compile("^Pending"))).to_contain_text("5")

    def row(text):
        return page.locator("li.queue-row", has_text=text)

    row("pending, to approve").get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(".notice")).to_contain_text(f"Comment {first} approved.")
    row("buy pills now").get_by_role("button", name=re.compile("^Spam")).click()
    expect(page.locator(".notice")).to_contain_text("marked as spam")

    row("first of the trash").get_by_role("checkbox").check()
    row("second of the trash").get_by_role("checkbox").check()
    page.select_option("#bulk-action", "trash")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".notice p")).to_have_text("2 comments moved to the trash.")

    row("I hav a typo").get_by_role("link", name=re.compile("^Edit")).click()
    page.fill("#comment", "I have no typo now")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".notice")).to_contain_text("saved")

    page.goto(site + "/moderation/?status=approved")
    row("already public").get_by_role("link", name=re.compile("^Reply")).click()
    page.fill("#comment", "Thanks for sharing, Bea.")
    page.get_by_role("button", name="Publish reply").click()
    # Back at the queue where the reply was started (the reader's page is checked below).
    expect(page.locator(".notice")).to_have_text("Your reply is published.")
    expect(page).to_have_url(re.compile(r"/moderation/\?status=approved"))

    page.goto(site + "/moderation/log")
    # Five entries (the bulk trash is one), and the moderator's own account being added
    # (test_moderator_roles.py).
    expect(page.locator("table.log tbody tr")).to_have_count(6)
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".notice")).to_have_text("You are logged out.")

    reader = browser.new_context().new_page()
    reader.goto(site + ARTICLE)
    shown = reader.locator(".comment__body").all_inner_texts()
    assert sorted(shown) == sorted(
        ["pending, to approve", "already public", "Thanks for sharing, Bea."]
    )
    site_reply = reader.locator(".comment--site")
    bea = reader.locator("li.comment-item", has_text="already public")
    expect(bea.locator(".comment-children .comment--site")).to_have_count(1)
    expect(site_reply).to_contain_text("Relief team")
    expect(reader.locator("#comments-title")).to_have_text("3 comments")


# --- Phone and keyboard ---------------------------------------------------------------


@pytest.mark.parametrize("path", [ARTICLE, ARTICLE + "stretching-and-gentle-exercise/"])
def test_phone_has_no_horizontal_scrolling_and_a_usable_form(browser, site, app, path, add):
    add(
        name="A name that is rather long for a small screen" * 2,
        body="averyveryverylongwordwithoutanyspacesatall" * 5,
    )
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(site + path)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    box = page.locator("#comment").bounding_box()
    assert box["width"] >= 300 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    fill_comment(page, "Typed on a phone.")
    page.get_by_role("button", name="Post Comment").tap()
    expect(page.locator(".notice")).to_contain_text("Your comment is awaiting moderation.")
    assert (
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        <= 0
    )
    context.close()


def test_keyboard_only(page: Page, site, app):
    page.goto(site + ARTICLE + "massage/")
    # The skip link comes first and is visible when focused.
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0

    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "comment":
            break
    else:
        pytest.fail("Tab never reached the comment field")
    outline = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline

    page.keyboard.type("Sent with the keyboard alone.")
    page.keyboard.press("Tab")
    page.keyboard.type("Kay")
    page.keyboard.press("Tab")
    page.keyboard.type("kay@example.com")
    while page.evaluate("document.activeElement.tagName") != "BUTTON":
        page.keyboard.press("Tab")
    button_outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert button_outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator(".notice")).to_contain_text("Your comment is awaiting moderation.")
    assert statuses(app)["Sent with the keyboard alone."] is CommentStatus.PENDING
