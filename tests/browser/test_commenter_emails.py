"""Emails about one's comments and "Manage your comments", in Chromium, with and without
JavaScript; axe-core on every new page, light and dark."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.content.loading import load_directory
from app.extensions import db
from app.models import Comment, ModerationAction
from tests.browser.test_accessibility_and_safety import assert_no_violations
from tests.conftest import ROOT
from tests.test_reply_notifications import body_of
from tests.test_reply_notifications import expect as expect_mail

ARTICLE = "/relieve-back-spasms/"
ADA = "ada@example.com"


@pytest.fixture
def site(app, live_server, smtp_server, moderator):
    """The real article, served live, with a moderator and a real SMTP server."""
    with app.app_context():
        load_directory(ROOT / "content")
    return live_server


def on_site(site: str, url: str) -> str:
    """An emailed link (built on SITE_URL, http://localhost) on the live test server."""
    return site + url.replace("http://localhost", "")


def emailed_link(smtp, address: str, count: int, pattern: str) -> str:
    """The link matching ``pattern`` in the ``count``-th email to ``address``."""
    message = expect_mail(smtp, address, count)[count - 1]
    match = re.search(rf"(http://localhost{pattern}\S+)", body_of(message))
    assert match, body_of(message)
    return match.group(1)


def approve(app, moderator, body: str) -> int:
    from app.moderation import services

    with app.app_context():
        cid = db.session.scalar(select(Comment.id).where(Comment.body == body))
        services.act(cid, ModerationAction.APPROVE, moderator.record)
    return cid


def post_comment(page: Page, site: str, text: str, tick: bool, name: str = "Ada") -> None:
    page.goto(site + ARTICLE)
    page.fill("#comment", text)
    page.fill("#name", name)
    page.fill("#email", ADA)
    box = page.get_by_label("Email me when my comment is published and when someone replies to it")
    expect(box).not_to_be_checked()
    if tick:
        box.check()
    page.get_by_role("button", name="Post Comment").click()


def subscribe_and_unsubscribe(page: Page, site: str, app, moderator, smtp) -> None:
    post_comment(page, site, "Is a warm bath safe on day one?", tick=True)
    notice = page.locator(".comment--pending .notice")
    expect(notice).to_contain_text("we are sending it a link to confirm")

    confirm = emailed_link(smtp, ADA, 1, "/comments/notifications/confirm/")
    page.goto(on_site(site, confirm))
    expect(page.locator("h1")).to_have_text("Confirm emails about your comments")
    page.get_by_role("button", name="Yes, email me").click()
    expect(page.locator("h1")).to_have_text("Thank you: your address is confirmed")

    ada = approve(app, moderator, "Is a warm bath safe on day one?")
    published = expect_mail(smtp, ADA, 2)[1]
    assert "Your comment is published" in published["Subject"]

    page.goto(site + ARTICLE)
    page.locator(f"#comment-{ada} .reply-link").click()
    page.fill("#comment", "Yes, warm not hot, and not for long.")
    page.fill("#name", "Bob")
    page.fill("#email", "bob@example.com")
    page.get_by_role("button", name="Post Comment").click()
    approve(app, moderator, "Yes, warm not hot, and not for long.")
    reply = expect_mail(smtp, ADA, 3)[2]
    assert "Yes, warm not hot, and not for long." in body_of(reply)
    assert reply["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    read = re.search(r"Read it and reply: (\S+)", body_of(reply)).group(1)
    page.goto(on_site(site, read))
    expect(page.locator(".comment-item:target")).to_contain_text("Yes, warm not hot")

    stop = re.search(r"Stop all emails from Relief: (\S+)", body_of(reply)).group(1)
    page.goto(on_site(site, stop))
    expect(page.locator("h1")).to_have_text("Stop all emails about your comments?")
    page.get_by_role("button", name="Stop these emails").click()
    expect(page.locator("h1")).to_have_text("You are unsubscribed")


def test_subscribing_and_unsubscribing(page: Page, site, app, moderator, smtp_server):
    subscribe_and_unsubscribe(page, site, app, moderator, smtp_server)


def test_subscribing_and_unsubscribing_without_javascript(
    browser, site, app, moderator, smtp_server
):
    context = browser.new_context(java_script_enabled=False)
    subscribe_and_unsubscribe(context.new_page(), site, app, moderator, smtp_server)
    context.close()


def manage_comments(page: Page, site: str, smtp) -> None:
    page.goto(site + "/privacy/")
    page.locator("main a[href='/comments/manage/']").first.click()
    expect(page.locator("h1")).to_have_text("Manage your comments")
    page.get_by_label("Email address").fill(ADA)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator("h1")).to_have_text("Check your email")

    link = emailed_link(smtp, ADA, 1, "/comments/manage/open/")
    page.goto(on_site(site, link))
    page.get_by_role("button", name="Show my comments").click()
    expect(page.locator("h1")).to_have_text("Your comments")
    expect(page.locator("#list-title")).to_have_text("2 comments")
    expect(page.locator(".manage-item")).to_have_count(2)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download everything (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert {c["text"] for c in data["comments"]} == {"First thoughts", "Second thoughts"}

    page.get_by_role("link", name=re.compile("^Delete this comment on .*")).first.click()
    expect(page.locator("h1")).to_have_text("Delete this comment?")
    page.get_by_role("button", name="Delete this comment").click()
    expect(page.locator(".flashes")).to_contain_text("Your comment was deleted.")
    expect(page.locator("#list-title")).to_have_text("1 comment")

    page.get_by_role("button", name=re.compile("I am done")).click()
    expect(page.locator("h1")).to_have_text("Manage your comments")
    page.goto(site + "/comments/manage/yours")
    expect(page.locator("h1")).to_have_text("Please ask for a new link")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_managing_comments_by_email(browser, site, add_comment, smtp_server, javascript):
    for body in ("First thoughts", "Second thoughts"):
        add_comment(article_slug="relieve-back-spasms", name="Ada", email=ADA, body=body)
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    manage_comments(context.new_page(), site, smtp_server)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_new_pages(
    page: Page, site, app, moderator, add_comment, smtp_server, scheme
):
    page.emulate_media(color_scheme=scheme)
    add_comment(article_slug="relieve-back-spasms", name="Ada", email=ADA, body="Mine")

    page.goto(site + "/comments/manage/")
    assert_no_violations(page)
    page.get_by_role("button", name="Email me a link").click()  # empty: the error
    expect(page.locator("#error-summary")).to_be_visible()
    assert_no_violations(page)
    page.get_by_label("Email address").fill(ADA)
    page.get_by_role("button", name="Email me a link").click()
    assert_no_violations(page)  # "check your email"

    link = on_site(site, emailed_link(smtp_server, ADA, 1, "/comments/manage/open/"))
    page.goto(link)
    assert_no_violations(page)
    page.get_by_role("button", name="Show my comments").click()
    assert_no_violations(page)  # the list
    page.get_by_role("link", name=re.compile("^Delete this comment on .*")).click()
    assert_no_violations(page)
    page.goto(site + "/comments/manage/yours/delete-all")
    assert_no_violations(page)
    page.goto(link)  # used: "that link does not work"
    assert_no_violations(page)
    page.context.clear_cookies()
    page.goto(site + "/comments/manage/yours")
    assert_no_violations(page)  # "please ask for a new link"

    # A name Ada has not published under: held as a first comment (the shared page's
    # stamp may be a minute old, so "too fast" no longer holds it).
    post_comment(page, site, "Please email me", tick=True, name="Ada L.")
    confirm = on_site(site, emailed_link(smtp_server, ADA, 2, "/comments/notifications/confirm/"))
    page.goto(confirm)
    assert_no_violations(page)
    page.get_by_role("button", name="Yes, email me").click()
    assert_no_violations(page)
    approve(app, moderator, "Please email me")
    notice = expect_mail(smtp_server, ADA, 3)[2]
    for label in ("Stop emails about this conversation", "Stop all emails from Relief"):
        page.goto(on_site(site, re.search(rf"{label}: (\S+)", body_of(notice)).group(1)))
        assert_no_violations(page)
        page.get_by_role("button", name="Stop these emails").click()
        assert_no_violations(page)
