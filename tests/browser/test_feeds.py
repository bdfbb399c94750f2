"""The comment feeds in a real browser: each page's head points to its feed and to the
site's, and those addresses serve Atom that a feed library reads without complaint."""

from __future__ import annotations

from urllib.parse import urlsplit

import feedparser
import pytest
from playwright.sync_api import Page

from app.models import CommentStatus

SITE = "http://localhost"  # TestConfig's SITE_URL: the links' origin, not the live server's


@pytest.fixture
def site(app, article, add_comment, live_server):
    """The small test article, one approved comment and one held, served live."""
    add_comment(name="Ada", body="Heat helped <b>me</b>.")
    add_comment(name="Held", body="Not yet public.", status=CommentStatus.PENDING)
    add_comment(remedy_slug="remedy-2", name="Bea", body="The stretch eased it.")
    return live_server


def head_feeds(page: Page) -> list[tuple[str, str]]:
    links = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    return [
        (links.nth(i).get_attribute("title"), links.nth(i).get_attribute("href"))
        for i in range(links.count())
    ]


def follow(page: Page, site: str, href: str) -> feedparser.FeedParserDict:
    """Fetch a feed the head names, from the live server, as a feed reader would."""
    assert href.startswith(SITE + "/")
    response = page.request.get(site + urlsplit(href).path)
    assert response.status == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert "set-cookie" not in response.headers
    feed = feedparser.parse(response.body())
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def check_feeds(page: Page, site: str) -> None:
    page.goto(site + "/back-spasms/")
    feeds = head_feeds(page)
    assert [title for title, _ in feeds] == [
        "Comments on Easing back spasms",
        "All comments on Relief",
    ]
    article_feed = follow(page, site, feeds[0][1])
    assert [e.title for e in article_feed.entries] == ["Ada on Easing back spasms"]
    assert article_feed.entries[0].content[0].value == "Heat helped <b>me</b>."
    site_feed = follow(page, site, feeds[1][1])
    assert [e.author for e in site_feed.entries] == ["Bea", "Ada"]

    page.goto(site + "/back-spasms/remedy-2/")
    feeds = head_feeds(page)
    assert feeds[0] == ("Comments on Remedy number 2", SITE + "/back-spasms/remedy-2/feed.atom")
    remedy_feed = follow(page, site, feeds[0][1])
    assert [e.title for e in remedy_feed.entries] == ["Bea on Remedy number 2"]
    # The entry's link leads to the comment on its page.
    page.goto(site + urlsplit(remedy_feed.entries[0].link).path)
    fragment = urlsplit(remedy_feed.entries[0].link).fragment
    assert page.locator(f"#{fragment}").inner_text().count("The stretch eased it.") == 1


def test_pages_point_to_feeds_that_serve_atom(page: Page, site):
    check_feeds(page, site)


def test_pages_point_to_feeds_without_javascript(browser, site):
    context = browser.new_context(java_script_enabled=False)
    check_feeds(context.new_page(), site)
    context.close()


def test_the_browser_gets_the_feed_as_xml(page: Page, site):
    """Opened directly, the feed is XML the browser parses (no page, no script)."""
    response = page.goto(site + "/comments.atom")
    assert response.status == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    body = response.text()
    assert body.startswith("<?xml")
    assert "&lt;b&gt;me&lt;/b&gt;" in body
