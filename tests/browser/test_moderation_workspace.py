"""The moderator's workspace in a real browser: fifty comments cleared in fifteen page
actions or fewer, with and without JavaScript; Undo; keyboard shortcuts; no horizontal
scrolling at 390 px; no axe-core violations."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentStatus, ModerationAction, ModerationEvent
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import MODERATOR_PASSWORD

QUEUE = "/moderation/?status=pending"
SPAM_AT = {3, 9, 14, 21, 30, 36, 41, 47}  # positions, oldest first, 1-based
QUESTIONS_AT = {5, 27}


@pytest.fixture
def site(app, live_server, moderator, article):
    return live_server


@pytest.fixture
def fifty(app, add_comment):
    """Fifty pending comments, oldest first: eight spam, two questions, forty fine."""
    kinds = {}
    for n in range(1, 51):
        if n in SPAM_AT:
            kinds[
                add_comment(status=CommentStatus.PENDING, body=f"Cheap pills {n} at pills.example")
            ] = "spam"
        elif n in QUESTIONS_AT:
            kinds[
                add_comment(
                    status=CommentStatus.PENDING, body=f"Question {n}: is heat safe on day one?"
                )
            ] = "question"
        else:
            kinds[
                add_comment(
                    status=CommentStatus.PENDING, body=f"Thanks, remedy {n % 3 + 1} helped."
                )
            ] = "fine"
    return kinds


def statuses(app) -> dict[int, CommentStatus]:
    with app.app_context():
        return dict(db.session.execute(select(Comment.id, Comment.status)).all())


def log_in(page: Page, site: str) -> None:
    page.goto(site + "/auth/login")
    page.fill("#email", "mod@example.com")
    page.fill("#password", MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Comments")


class ActionCounter:
    """Counts what the moderator causes: page loads and form posts (a redirect is part of
    the request that caused it) and in-page fetches; never stylesheets or scripts."""

    def __init__(self, page: Page):
        self.requests: list[str] = []
        page.on("request", self._seen)

    def _seen(self, request) -> None:
        if request.redirected_from is not None:
            return
        if request.is_navigation_request() or request.resource_type == "fetch":
            self.requests.append(f"{request.method} {request.url}")

    def __len__(self) -> int:
        return len(self.requests)


def visible_rows(page: Page) -> list[int]:
    ids = page.eval_on_selector_all("li.queue-row", "rows => rows.map(r => r.dataset.comment)")
    return [int(x) for x in ids]


def expected_next(order: list[int], acted: set[int]) -> int | None:
    """The row the queue should come back to: after the first acted row, else before."""
    first = next(n for n, cid in enumerate(order) if cid in acted)
    after = [cid for cid in order[first:] if cid not in acted]
    before = [cid for cid in order[:first] if cid not in acted]
    return after[0] if after else (before[-1] if before else None)


def assert_at_row(page: Page, target: int | None, js: bool) -> None:
    """The moderator is still on the pending tab, at the row after what they acted on."""
    assert re.search(r"/moderation/\?status=pending(#|$)", page.url), page.url
    if target is None:
        return
    if target not in visible_rows(page):
        # The row after the acted ones may now sit on the next page: the top of this one.
        return
    assert page.url.endswith(f"#queue-{target}"), (page.url, target)
    if js:
        assert page.evaluate("document.activeElement.id") == f"queue-{target}"
    else:
        assert page.evaluate("document.querySelector(':target').id") == f"queue-{target}"


# --- The done-when journey ----------------------------------------------------------------


def clear_the_queue(page: Page, site: str, app, kinds: dict[int, str], js: bool) -> ActionCounter:
    """Approve 40 in bulk, spam 8, reply to the 2 questions, from a fresh login."""
    log_in(page, site)
    counter = ActionCounter(page)
    page.goto(site + QUEUE)
    if js:
        page.evaluate("window.stillHere = true")

    def in_place(act) -> None:
        """Do ``act`` and wait until the queue is swapped in, without a reload."""
        page.evaluate("document.getElementById('queue-page').dataset.old = '1'")
        act()
        expect(page.locator("#queue-page[data-old]")).to_have_count(0)
        assert page.evaluate("window.stillHere") is True  # no full reload

    while rows := visible_rows(page):
        questions = [cid for cid in rows if kinds[cid] == "question"]
        fine = [cid for cid in rows if kinds[cid] == "fine"]
        if questions:
            cid = questions[0]
            target = expected_next(rows, {cid})
            if js:  # j to the question, r opens the reply page
                current = "document.querySelector('.is-current')?.dataset.comment"
                while page.evaluate(current) != str(cid):
                    page.keyboard.press("j")
                page.keyboard.press("r")
            else:
                page.locator(f"#queue-{cid} a[data-action=reply]").click()
            expect(page.locator("h1")).to_contain_text("Reply to")
            page.fill("#comment", "Heat is fine after the first day; see remedy 2.")
            page.get_by_role("button", name="Publish reply").click()
            expect(page.locator(".notice").first).to_have_text("Your reply is published.")
            assert_at_row(page, target, js=False)  # a page of its own: back by redirect
            if js:
                page.evaluate("window.stillHere = true")
            continue
        chosen = set(fine) if fine else set(rows)
        target = expected_next(rows, chosen)
        if js:
            page.locator("#select-all").check()  # no request
            for cid in rows:
                if cid not in chosen:  # x on the row unselects it
                    page.locator(f"#queue-{cid}").focus()
                    page.keyboard.press("x")
            expect(page.locator("#selected-count")).to_have_text(f"{len(chosen)} selected")
            keys = "Shift+A" if fine else "Shift+S"
            in_place(lambda keys=keys: page.keyboard.press(keys))
        else:
            page.get_by_role("link", name="Select all on this page").click()  # a request
            for cid in rows:
                if cid not in chosen:
                    page.locator(f"#select-{cid}").uncheck()
            bulk = "approve" if fine else "spam"
            page.locator(f".bulk-bar--top [data-bulk={bulk}]").click()
        verb = "approved" if fine else "marked as spam"
        notice = page.locator(".flashes .notice").first
        expect(notice).to_contain_text(f"{len(chosen)} comments {verb}.")
        assert_at_row(page, target, js)
    return counter


def assert_cleared(app, kinds) -> None:
    now = statuses(app)
    for cid, kind in kinds.items():
        assert now[cid] is (CommentStatus.SPAM if kind == "spam" else CommentStatus.APPROVED), cid


def assert_undo_brings_back_the_spam(app, page: Page, kinds, press_u: bool) -> None:
    spam = [cid for cid, kind in kinds.items() if kind == "spam"]
    if press_u:
        page.keyboard.press("u")
    else:
        page.locator(".flashes").get_by_role("button", name="Undo").click()
    expect(page.locator(".flashes .notice").first).to_contain_text("Undone: 8 comments put back")
    expect(page.locator("li.queue-row")).to_have_count(8)
    now = statuses(app)
    assert all(now[cid] is CommentStatus.PENDING for cid in spam)
    with app.app_context():
        newest_first = select(ModerationEvent).order_by(ModerationEvent.id.desc())
        last = db.session.scalars(newest_first).first()
        assert last.action is ModerationAction.UNDO
        assert sorted(item.comment_id for item in last.items) == sorted(spam)


def test_fifty_comments_in_fifteen_actions_without_javascript(browser, site, app, fifty):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    counter = clear_the_queue(page, site, app, fifty, js=False)
    assert_cleared(app, fifty)
    # 1 queue load; 2 replies x (reply page + publish); 3 rounds of (select all + approve);
    # 1 of (select all + spam).
    assert len(counter) == 13, counter.requests
    assert_undo_brings_back_the_spam(app, page, fifty, press_u=False)
    context.close()


def test_fifty_comments_in_fifteen_actions_with_javascript_and_shortcuts(browser, site, app, fifty):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    counter = clear_the_queue(page, site, app, fifty, js=True)
    assert_cleared(app, fifty)
    # 1 queue load; 2 replies x (r + publish); 3 bulk approvals and 1 bulk spam, each one
    # fetch (select all and unselecting are no requests).
    assert len(counter) == 9, counter.requests
    assert len(counter) <= 15
    assert_undo_brings_back_the_spam(app, page, fifty, press_u=True)
    expect(page.locator("#moderation-live")).to_contain_text("Undone: 8 comments put back")
    assert errors == []
    context.close()


# --- Shortcuts and single actions in place ----------------------------------------------


def test_shortcuts_act_on_the_current_row_and_announce_it(browser, site, app, add_comment):
    ids = [add_comment(status=CommentStatus.PENDING, body=f"Comment {n}") for n in range(4)]
    page = browser.new_context(viewport=DESKTOP).new_page()
    log_in(page, site)
    page.goto(site + QUEUE)
    expect(page.get_by_text("Keyboard shortcuts: press ? for the list")).to_be_visible()
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.id") == f"queue-{ids[0]}"
    page.keyboard.press("j")
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.press("a")
    live = page.locator("#moderation-live")
    expect(live).to_have_text(f"Comment {ids[1]} approved. Undo with u.")
    assert page.evaluate("document.activeElement.id") == f"queue-{ids[2]}"
    page.keyboard.press("s")
    expect(live).to_have_text(f"Comment {ids[2]} marked as spam. Undo with u.")
    page.keyboard.press("t")
    expect(live).to_contain_text(f"Comment {ids[3]} moved to the trash.")
    assert statuses(app)[ids[1]] is CommentStatus.APPROVED
    page.keyboard.press("u")
    expect(live).to_contain_text(f"Undone: comment {ids[3]} is pending again.")
    assert statuses(app)[ids[3]] is CommentStatus.PENDING
    assert page.evaluate("document.activeElement.id") == f"queue-{ids[3]}"
    # Typing in a field is typing, not a shortcut.
    page.locator("#filter-q").fill("")
    page.locator("#filter-q").press("a")
    page.locator("#filter-q").press("t")
    assert page.locator("#filter-q").input_value() == "at"
    assert statuses(app)[ids[0]] is CommentStatus.PENDING
    # With Ctrl the browser's own keys stay the browser's.
    page.locator(f"#queue-{ids[0]}").focus()
    page.keyboard.press("Control+a")
    assert statuses(app)[ids[0]] is CommentStatus.PENDING


def test_shortcuts_switched_off_bind_nothing(browser, site, app, add_comment):
    from sqlalchemy import update

    from app.models import Moderator

    cid = add_comment(status=CommentStatus.PENDING)
    with app.app_context():
        db.session.execute(update(Moderator).values(shortcuts=False))
        db.session.commit()
    page = browser.new_context(viewport=DESKTOP).new_page()
    log_in(page, site)
    page.goto(site + QUEUE)
    expect(page.locator("#shortcuts")).to_have_count(0)
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.wait_for_timeout(300)  # give a wrongly bound key the time to post
    assert statuses(app)[cid] is CommentStatus.PENDING


# --- Accessibility, phones, screenshots -------------------------------------------------


def workspace_sample(app, add_comment) -> dict[str, int]:
    parent = add_comment(name="Hamid", body="Does heat or cold help more on the first day? " * 6)
    ids = {
        "careful": add_comment(
            status=CommentStatus.PENDING,
            name="Sam",
            body="My legs went numb after the spasm. Is that normal?",
            red_flags="numbness\nlegs went numb",
        ),
        "reply": add_comment(
            status=CommentStatus.PENDING, name="Lee", parent=parent, body="Same question here."
        ),
        "plain": add_comment(
            status=CommentStatus.PENDING, name="Ana", body="Thank you, this helped."
        ),
        "long_email": add_comment(
            status=CommentStatus.PENDING,
            name="Averyveryverylongname Withoutanybreaks",
            email="a.very.long.address.without.any.break.at.all@subdomain.example.com",
            website="https://www.example.com/a/very/long/path/that/does/not/break/anywhere",
            body="https://example.com/" + "x" * 120,
        ),
        "spam": add_comment(status=CommentStatus.SPAM, body="pills"),
        "parent": parent,
    }
    return ids


def assert_no_violations(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_queue_has_no_axe_violations_with_shortcuts_open_and_undo_shown(
    browser, site, app, add_comment, scheme
):
    ids = workspace_sample(app, add_comment)
    page = browser.new_context(viewport=DESKTOP, color_scheme=scheme).new_page()
    log_in(page, site)
    page.goto(site + QUEUE)
    assert_no_violations(page)
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-list")).to_have_attribute("open", "")
    assert_no_violations(page)
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts-list")).not_to_have_attribute("open", "")
    row = page.locator(f"#queue-{ids['plain']}")
    row.get_by_role("button", name=re.compile("^Approve")).click()
    expect(page.locator(".flashes").get_by_role("button", name="Undo")).to_be_visible()
    page.keyboard.press("j")
    assert_no_violations(page)
    screenshot(page, f"moderation-workspace-{scheme}-1280")
    page.goto(site + "/moderation/?status=careful")
    assert_no_violations(page)


def test_a_short_comment_row_is_compact_on_a_laptop(browser, site, app, add_comment):
    ids = workspace_sample(app, add_comment)
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(page, site)
    page.goto(site + QUEUE)
    height = page.locator(f"#queue-{ids['plain']}").bounding_box()["height"]
    assert 50 <= height <= 120, height
    reply = page.locator(f"#queue-{ids['reply']}").bounding_box()["height"]
    assert reply <= 180, reply  # with three lines of the text it answers
    # The bulk bar stays in view at the top when the page scrolls.
    page.mouse.wheel(0, 600)
    page.wait_for_timeout(100)
    bar = page.locator(".bulk-bar--top").bounding_box()
    assert bar["y"] >= -1 and bar["y"] < 10, bar
    bottom = page.locator(".bulk-bar--bottom").bounding_box()
    assert bottom["y"] + bottom["height"] <= 800 + 1


def fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, (page.url, width)


@pytest.mark.parametrize("js", [True, False])
def test_every_moderation_page_fits_a_phone(browser, site, app, add_comment, js):
    ids = workspace_sample(app, add_comment)
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=js
    )
    page = context.new_page()
    log_in(page, site)
    pages = {
        "queue": QUEUE,
        "careful": "/moderation/?status=careful",
        "selected": QUEUE + "&select=all",
        "log": "/moderation/log",
        "edit": f"/moderation/comments/{ids['long_email']}/edit",
        "reply": f"/moderation/comments/{ids['reply']}/reply",
        "delete": f"/moderation/comments/{ids['spam']}/delete",
        "empty-spam": "/moderation/empty-spam",
        "email-action": "/email-action/not-a-valid-link",
    }
    for name, path in pages.items():
        page.goto(site + path)
        fits(page)
        if js and name == "queue":
            page.keyboard.press("?")
            fits(page)
            screenshot(page, "moderation-workspace-390")
    # After an action, with its Undo button.
    page.goto(site + QUEUE)
    page.locator(f"#queue-{ids['plain']}").get_by_role("button", name=re.compile("^Spam")).click()
    expect(page.locator(".flashes").get_by_role("button", name="Undo")).to_be_visible()
    fits(page)
    page.goto(site + "/moderation/log")
    fits(page)
    if not js:
        screenshot(page, "moderation-log-390")
    context.close()
