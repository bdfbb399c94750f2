"""The comment form and the comments as a phone shows them, in light and dark mode:
field borders that can be seen, tap targets big enough, a one-line breadcrumb, room
above what a link scrolls to, and no axe-core violations."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from app.content.loading import load_directory
from tests.browser.conftest import PHONE
from tests.conftest import ROOT

ARTICLE = "/relieve-back-spasms/"
REMEDY = ARTICLE + "stretching-and-gentle-exercise/"
FIELDS = ("comment", "name", "email", "website")
SCHEMES = ["light", "dark"]


@pytest.fixture
def site(app, live_server, add_comment):
    """The real article with three pages of comments (two threads a page), one with a
    reply, so that Reply links and the pager show."""
    app.config["COMMENTS_PER_PAGE"] = 2
    with app.app_context():
        load_directory(ROOT / "content")
    first = add_comment(article_slug="relieve-back-spasms", name="Maria", body="Heat first.")
    add_comment(article_slug="relieve-back-spasms", name="Tom", parent=first, body="Same.")
    for name in ("Bea", "Cy", "Dee", "Eve"):
        add_comment(article_slug="relieve-back-spasms", name=name, body=f"{name} says hi.")
    return live_server


@pytest.fixture(params=SCHEMES)
def phone(request, browser):
    """A page 390 CSS pixels wide in light or dark mode (the context's colour scheme)."""
    context = browser.new_context(viewport=PHONE, color_scheme=request.param)
    yield context.new_page()
    context.close()


def rgb(css: str) -> tuple[float, float, float]:
    """Read "rgb(r, g, b)" or "rgba(r, g, b, a)" as computed by the browser."""
    r, g, b = (float(n) for n in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(colour):
        def channel(c):
            c /= 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (channel(c) for c in colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def style(page: Page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}")


def show_form_errors(page: Page, site: str) -> None:
    page.goto(site + ARTICLE)
    page.fill("#comment", "")
    page.fill("#name", "")
    page.fill("#email", "nope")
    page.fill("#website", "javascript:alert(1)")
    page.get_by_role("button", name="Post Comment").click()
    expect(page.locator("#error-summary")).to_be_focused()


def assert_room_above(page: Page, selector: str) -> None:
    top = page.eval_on_selector(selector, "e => e.getBoundingClientRect().top")
    assert 16 <= top <= 100, (selector, top)


def test_field_borders_stand_out_from_the_page(phone: Page, site):
    phone.goto(site + ARTICLE)
    around = rgb(style(phone, ".respond", "backgroundColor"))
    for name in FIELDS:
        border = rgb(style(phone, f"#{name}", "borderTopColor"))
        inside = rgb(style(phone, f"#{name}", "backgroundColor"))
        assert contrast(border, around) >= 3, (name, border, around)
        assert contrast(border, inside) >= 3, (name, border, inside)


def test_every_field_in_error_has_the_error_border(phone: Page, site):
    show_form_errors(phone, site)
    error = style(phone, "#comment-error", "color")
    for name in FIELDS:
        expect(phone.locator(f"#{name}")).to_have_attribute("aria-invalid", "true")
        expect(phone.locator(f"#{name}-error")).to_be_visible()
        assert style(phone, f"#{name}", "borderTopColor") == error, name
    assert_room_above(phone, "#error-summary")


def test_breadcrumb_is_one_line_on_a_phone(phone: Page, site):
    phone.goto(site + REMEDY)
    crumbs = phone.locator(".breadcrumb ol")
    expect(crumbs).to_contain_text("Home")
    height = crumbs.evaluate("e => e.getBoundingClientRect().height")
    line = float(style(phone, ".breadcrumb li", "lineHeight").removesuffix("px"))
    assert height == pytest.approx(line, abs=1), (height, line)
    width = crumbs.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert width, "the breadcrumb must not overflow the page sideways"


def test_reply_and_pager_links_are_big_enough_to_tap(phone: Page, site):
    phone.goto(site + ARTICLE + "?page=2")
    targets = phone.locator(".reply-link, .comment-pages a")
    assert targets.count() >= 4
    for i in range(targets.count()):
        box = targets.nth(i).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, (targets.nth(i).inner_text(), box)


def test_new_comment_is_scrolled_to_with_room_above_and_highlighted(phone: Page, site):
    phone.goto(site + ARTICLE)
    phone.fill("#comment", "A foam roller works wonders for me.")
    phone.fill("#name", "Ada")
    phone.fill("#email", "ada@example.com")
    phone.get_by_role("button", name="Post Comment").click()
    expect(phone.locator(".notice")).to_contain_text("usually within 2 days")
    target = phone.locator(".comment-item:target")
    expect(target).to_contain_text("A foam roller works wonders for me.")
    expect(phone.locator("#comments-title")).to_have_text(
        "6 comments, and 1 of yours awaiting moderation"
    )
    assert_room_above(phone, ".comment-item:target")
    outline = style(phone, ".comment-item:target > .comment", "outlineStyle")
    assert outline == "solid", "the new comment is highlighted"


def test_linked_comment_scrolls_into_view_with_room_above(phone: Page, site):
    phone.goto(site + ARTICLE + "?page=2")
    comment_id = phone.locator(".comment-item").first.get_attribute("id")
    phone.goto(site + ARTICLE + f"?page=2#{comment_id}")
    assert_room_above(phone, f"#{comment_id}")


def test_identicons_are_dimmed_in_dark_mode(phone: Page, site):
    phone.goto(site + ARTICLE)
    dark = phone.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    dimmed = style(phone, ".avatar--identicon", "filter")
    assert (dimmed != "none") == dark, dimmed


def test_axe_finds_nothing_on_a_phone(phone: Page, site):
    for path in (ARTICLE, REMEDY, ARTICLE + "?page=2"):
        phone.goto(site + path)
        results = Axe().run(phone)
        assert results.violations_count == 0, (path, results.generate_report())
    show_form_errors(phone, site)
    results = Axe().run(phone)
    assert results.violations_count == 0, results.generate_report()
