"""The shared page's comment form in Chromium: a post from the page itself is taken (the
browser's own Origin and Sec-Fetch-Site say so), a post from another site's page is
refused kindly with the text kept."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.extensions import db
from app.models import Comment
from tests.conftest import serving

URL = "/back-spasms/"


@pytest.fixture
def site(app, article, live_server):
    """The live server, with SITE_URL its own origin (as in production), so the Origin
    Chromium sends matches too, not only Sec-Fetch-Site."""
    app.config["SITE_URL"] = live_server
    return live_server


def bodies(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Comment.body)))


@pytest.fixture
def other_site(site):
    """A page on another origin (127.0.0.2: another site, as IP addresses are) with a
    form that posts a comment to the live server, as a hostile page would."""
    form = (
        "<!doctype html><title>Another site</title>"
        f'<form method="post" action="{site}{URL}">'
        '<textarea name="comment">Planted by another site.</textarea>'
        '<input name="name" value="Mallory"><input name="email" value="m@example.com">'
        "<button>Send</button></form>"
    )
    with serving(Response(form, mimetype="text/html"), host="127.0.0.2") as url:
        yield url + "/"


def test_a_same_origin_post_from_the_shared_page_is_taken(page: Page, app, site):
    shown = page.goto(site + URL)
    assert shown.headers["cache-control"] == "public, max-age=0, s-maxage=10"
    assert "set-cookie" not in shown.headers
    page.fill("#comment", "Posted from the page every reader shares.")
    page.fill("#name", "Ada")
    page.fill("#email", "ada@example.com")
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.get_by_role("button", name="Post Comment").click()
    headers = posted.value.all_headers()
    assert headers["origin"] == site
    assert headers["sec-fetch-site"] == "same-origin"
    mine = page.locator(".comment--pending")
    expect(mine).to_contain_text("Posted from the page every reader shares.")
    expect(mine.locator(".notice")).to_contain_text("Your comment is awaiting moderation.")
    assert bodies(app) == ["Posted from the page every reader shares."]


def test_a_post_from_another_sites_page_is_refused_with_the_text_kept(
    page: Page, app, site, other_site
):
    page.goto(other_site)
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Send").click()
    assert answer.value.status == 403
    assert answer.value.request.all_headers()["sec-fetch-site"] == "cross-site"
    expect(page.locator("#error-summary")).to_contain_text("sent from a page on another website")
    expect(page.locator("#comment")).to_have_value("Planted by another site.")
    assert bodies(app) == []
