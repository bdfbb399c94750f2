"""In Chromium, with and without JavaScript: a commenter edits and then deletes their own
comment; readers see the team's pinned answer; axe-core finds nothing on the new pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.content.loading import load_directory
from app.extensions import db
from app.models import Comment
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility_and_safety import assert_no_violations, log_in
from tests.conftest import ROOT

ARTICLE = "/relieve-back-spasms/"


@pytest.fixture
def site(app, live_server):
    """The real article, served live, publishing comments at once (so that "edited" is
    public) and taking them however fast they are typed."""
    with app.app_context():
        load_directory(ROOT / "content")
    app.config.update(COMMENTS_MODERATION="none", COMMENTS_MIN_SECONDS=0)
    return live_server


def send_comment(page: Page, site: str, text: str):
    page.goto(site + ARTICLE)
    page.fill("#comment", text)
    page.fill("#name", "Ada")
    page.fill("#email", "ada@example.com")
    page.get_by_role("button", name="Post Comment").click()
    mine = page.locator("article.comment", has_text=text)
    expect(mine.locator(".notice")).to_contain_text("your comment is published")
    return mine


def edit_then_delete(page: Page, site: str) -> None:
    mine = send_comment(page, site, "Heat helpd me on day two.")
    expect(mine.locator(".comment__own")).to_contain_text(re.compile(r"\(1[45] min left"))
    mine.get_by_role("link", name="Edit your comment").click()
    expect(page.locator("h1")).to_have_text("Edit your comment")
    expect(page.locator("#comment")).to_have_value("Heat helpd me on day two.")
    page.fill("#comment", "Heat helped me on day two.")
    page.get_by_role("button", name="Save changes").click()

    mine = page.locator("article.comment", has_text="Heat helped me on day two.")
    expect(mine.locator(".notice")).to_have_text("Your changes are saved.")
    expect(mine.locator(".comment__edited")).to_have_text("· edited")
    assert re.search(r"#comment-\d+$", page.url)

    mine.get_by_role("link", name="Delete your comment").click()
    expect(page.locator("h1")).to_have_text("Delete your comment?")
    expect(page.locator(".own-comment__quote")).to_have_text("Heat helped me on day two.")
    page.get_by_role("button", name="Delete my comment").click()
    expect(page.locator(".flashes")).to_contain_text("Your comment is deleted.")
    expect(page.get_by_text("Heat helped me on day two.")).to_have_count(0)
    expect(page.locator("#comments-title")).to_have_text("No comments yet")


def test_edit_then_delete_own_comment(page: Page, site):
    edit_then_delete(page, site)


def test_edit_then_delete_own_comment_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    edit_then_delete(context.new_page(), site)
    context.close()


def test_the_minutes_count_down_and_the_links_go_when_time_is_up(page: Page, app, site):
    page.clock.install()
    mine = send_comment(page, site, "Counting down.")
    expect(mine.locator(".time-left")).to_have_text(re.compile(r"^1[45] min left$"))
    page.clock.fast_forward("05:00")
    expect(mine.locator(".time-left")).to_have_text(re.compile(r"^(9|10) min left$"))
    page.clock.fast_forward("11:00")
    expect(mine.locator(".comment__own")).to_have_count(0)
    # The server keeps its own time: once the comment is as old, an old link is refused.
    cid = int(mine.locator("xpath=..").get_attribute("id").removeprefix("comment-"))
    with app.app_context():
        comment = db.session.get(Comment, cid)
        comment.created_at -= timedelta(minutes=16)
        db.session.commit()
    page.goto(f"{site}/comments/{cid}/edit")
    expect(page.locator("h1")).to_have_text("The time for changes has passed")
    expect(page.get_by_role("link", name="Back to the page")).to_be_visible()


def test_another_browser_is_told_it_cannot_change_the_comment(browser, page: Page, site):
    mine = send_comment(page, site, "Only mine to change.")
    cid = mine.locator("xpath=..").get_attribute("id").removeprefix("comment-")
    context = browser.new_context(java_script_enabled=False)
    other = context.new_page()
    other.goto(f"{site}/comments/{cid}/edit")
    expect(other.locator("h1")).to_have_text("This comment cannot be changed from here")
    expect(other.get_by_role("link", name="Contact us")).to_be_visible()
    other.goto(site + ARTICLE)
    expect(other.locator(".comment__own")).to_have_count(0)
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_the_edit_and_delete_pages(page: Page, site, scheme):
    page.emulate_media(color_scheme=scheme)
    mine = send_comment(page, site, "Checked for accessibility.")
    assert_no_violations(page)  # the page with Edit and Delete beside the comment
    mine.get_by_role("link", name="Edit your comment").click()
    assert_no_violations(page)
    screenshot(page, f"own-edit-{scheme}")
    page.fill("#comment", "")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("#error-summary")).to_be_focused()
    assert_no_violations(page)
    page.get_by_role("link", name="Delete it instead").click()
    expect(page.locator("h1")).to_have_text("Delete your comment?")
    assert_no_violations(page)
    screenshot(page, f"own-delete-{scheme}")
    cid = re.search(r"/comments/(\d+)/", page.url).group(1)
    page.context.clear_cookies()
    page.goto(f"{site}/comments/{cid}/edit")
    expect(page.locator("h1")).to_have_text("This comment cannot be changed from here")
    assert_no_violations(page)


# --- The pinned answer ----------------------------------------------------------------


@pytest.fixture
def answered(app, site, add_comment, moderator):
    """A reader's question on the article and the team's reply: returns the reply's id."""
    from app.moderation import services

    question = add_comment(
        article_slug="relieve-back-spasms", name="Maria", body="Is this safe in pregnancy?"
    )
    with app.app_context():
        return services.reply(question, moderator.record, "Please ask your midwife first.").id


def reader_sees_the_pinned_answer(page: Page, site: str, reply: int) -> None:
    page.goto(site + ARTICLE)
    box = page.locator("#pinned-answer")
    expect(box.get_by_role("heading")).to_have_text("Answer from the Relief team")
    expect(box).to_contain_text("Please ask your midwife first.")
    expect(box).to_contain_text("In reply to Maria")
    box.get_by_role("link", name="See it in the discussion").click()
    assert page.url.endswith(f"#comment-{reply}")
    expect(page.locator(f"#comment-{reply}")).to_be_in_viewport()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_moderator_pins_the_answer_and_readers_see_it_first(
    browser, page: Page, app, site, answered, scheme
):
    page.emulate_media(color_scheme=scheme)
    log_in(page, site)
    page.goto(site + ARTICLE)
    page.locator(f"#comment-{answered}").get_by_role(
        "button", name=re.compile("^Pin to the top")
    ).click()
    expect(page.locator(".flashes")).to_contain_text(f"Comment {answered} is pinned")
    expect(page.locator("#pinned-answer")).to_contain_text("Please ask your midwife first.")
    with app.app_context():
        assert db.session.get(Comment, answered).article.pinned_comment_id == answered

    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript, color_scheme=scheme)
        reader = context.new_page()
        reader_sees_the_pinned_answer(reader, site, answered)
        if javascript:
            assert_no_violations(reader)
            screenshot(reader, f"pinned-answer-{scheme}")
        context.close()
