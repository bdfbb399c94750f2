"""axe-core finds no violations; hostile comments execute nothing; screenshots for review."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app.content.loading import load_directory
from app.models import CommentStatus
from tests.browser.conftest import DESKTOP, PHONE, screenshot
from tests.conftest import MODERATOR_PASSWORD, ROOT

ARTICLE = "/relieve-back-spasms/"
REMEDY = ARTICLE + "stretching-and-gentle-exercise/"


@pytest.fixture
def site(app, live_server, add_comment):
    """The real article with a small approved thread and one pending comment."""
    with app.app_context():
        load_directory(ROOT / "content")
    root = add_comment(
        article_slug="relieve-back-spasms",
        name="Maria",
        body="The pelvic tilt helped me more than anything.\n\nI do ten every morning.",
    )
    add_comment(
        article_slug="relieve-back-spasms",
        name="Tom",
        parent=root,
        website="https://tom.example.com",
        body="Thanks, I will try it. More at https://www.nhs.uk/conditions/back-pain/",
    )
    add_comment(
        article_slug="relieve-back-spasms",
        status=CommentStatus.PENDING,
        name="Pat",
        body="Is cold better than heat on day one?",
    )
    return live_server


def assert_no_violations(page: Page) -> None:
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def log_in(page: Page, site: str) -> None:
    page.goto(site + "/auth/login")
    page.fill("#email", "mod@example.com")
    page.fill("#password", MODERATOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("h1")).to_have_text("Comments")


def show_form_errors(page: Page, site: str) -> None:
    page.goto(site + ARTICLE)
    page.fill("#comment", "")
    page.fill("#email", "nope")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#error-summary")).to_be_focused()


def every_page(page: Page, site: str) -> list[str]:
    """The article and each of its remedy pages, as its table of contents lists them."""
    page.goto(site + ARTICLE)
    toc = page.get_by_role("navigation", name="In this article").get_by_role("link")
    return [ARTICLE] + [link.get_attribute("href") for link in toc.all()]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_public_pages(page: Page, site, scheme):
    page.emulate_media(color_scheme=scheme)
    paths = every_page(page, site)
    assert len(paths) == 9
    for path in paths:
        page.goto(site + path)
        assert_no_violations(page)
    show_form_errors(page, site)
    assert_no_violations(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_on_a_draft_seen_by_a_moderator(page: Page, site, app, moderator, scheme):
    with app.app_context():
        from app.content.publishing import unpublish

        unpublish("relieve-back-spasms")
    page.emulate_media(color_scheme=scheme)
    log_in(page, site)
    for path in (ARTICLE, REMEDY):
        page.goto(site + path)
        expect(page.locator(".notice--draft")).to_contain_text("Draft: not public")
        assert_no_violations(page)


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_help_box_is_near_the_top_and_fits_the_screen(browser, site, label, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    for path in (ARTICLE, REMEDY):
        page.goto(site + path)
        box = page.locator("#get-help")
        # Above the page's own text, and no page scrolls sideways.
        top = box.bounding_box()["y"]
        own_text = page.locator(".remedy-body, .toc").first.bounding_box()["y"]
        assert top < own_text, path
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], path
        expect(box.locator("[data-tier]")).to_have_count(3)
        # The table of contents never breaks a comment count across lines.
        for count in page.locator(".toc__count").all():
            assert count.bounding_box()["height"] < 30, count.text_content()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_in_moderation(page: Page, site, moderator, scheme):
    page.emulate_media(color_scheme=scheme)
    page.goto(site + "/auth/login")
    assert_no_violations(page)
    log_in(page, site)
    assert_no_violations(page)
    page.goto(site + "/moderation/log")
    assert_no_violations(page)


HOSTILE = [
    ("<script>alert('name')</script>", "https://ok.example.com", "<script>alert(1)</script>"),
    ('"><img src=x onerror=alert(2)>', None, "<img src=x onerror=alert(3)>"),
    ("Link Larry", 'https://e.com/"onmouseover="alert(4)', "[click me](javascript:alert(5))"),
    ("<svg/onload=alert(6)>", None, "<svg><script>alert(7)</script></svg>"),
    (
        "javascript:alert(8)",
        None,
        "javascript:alert(9) and data:text/html,<script>alert(10)</script>",
    ),
    ("Markdown", None, "[x](https://evil.example.com/) and <a href='javascript:alert(11)'>a</a>"),
]


def test_hostile_comments_execute_nothing_and_show_as_text(
    page: Page, site, app, add_comment, watch, moderator
):
    for name, website, body in HOSTILE:
        add_comment(article_slug="relieve-back-spasms", name=name, website=website, body=body)
    page.goto(site + ARTICLE)
    page.wait_for_timeout(300)
    bodies = page.locator(".comment__body").all_inner_texts()
    for _, _, body in HOSTILE:
        assert body in bodies
    authors = page.locator(".comment__author").all_inner_texts()
    for name, _, _ in HOSTILE:
        assert any(name in author for author in authors)
    # Every link on the page points to http(s) or a fragment; nothing runs.
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    assert all(h.startswith(("http://", "https://")) for h in hrefs), hrefs
    page.locator(".comment__author a").first.hover()
    assert watch["dialogs"] == []
    assert watch["errors"] == []

    # The same content in the moderation queue and the edit form.
    page.goto(site + "/moderation/?status=approved")
    expect(page).to_have_url(site + "/auth/login?next=/moderation/?status%3Dapproved")
    log_in(page, site)
    page.goto(site + "/moderation/?status=approved")
    page.locator("a", has_text="Edit").first.click()
    page.wait_for_timeout(200)
    assert watch["dialogs"] == []
    assert watch["errors"] == []


def test_screenshots_for_review(browser, site, moderator):
    """Desktop and phone screenshots of the main screens, in tests/screenshots/."""
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(site + ARTICLE)
        screenshot(page, f"article-{label}")
        page.goto(site + REMEDY)
        screenshot(page, f"remedy-{label}")
        show_form_errors(page, site)
        page.locator("#respond").screenshot(path=str(screenshot(page, f"form-errors-{label}")))
        log_in(page, site)
        screenshot(page, f"moderation-queue-{label}")
        context.close()
