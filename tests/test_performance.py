"""Cost that does not grow with the thread, and the rendered-page cache."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import event

from app.extensions import db
from app.models import CommentStatus

URL = "/back-spasms/"


@contextmanager
def counting_statements(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        if not statement.startswith(("BEGIN", "PRAGMA", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def fill(add_comment, threads: int, replies_per_thread: int, remedy_slug=None):
    for _ in range(threads):
        root = add_comment(remedy_slug=remedy_slug)
        parent = root
        for _ in range(replies_per_thread):
            parent = add_comment(parent=parent, remedy_slug=remedy_slug)
    for status in (CommentStatus.PENDING, CommentStatus.SPAM):
        add_comment(status=status, remedy_slug=remedy_slug)


@pytest.mark.parametrize("url", [URL, URL + "remedy-2/"])
def test_sql_statements_per_page_do_not_grow_with_the_thread(app, article, add_comment, url):
    app.config["PAGE_CACHE_SIZE"] = 0  # measure a full render
    remedy = "remedy-2" if "remedy" in url else None
    client = app.test_client()
    fill(add_comment, threads=2, replies_per_thread=1, remedy_slug=remedy)
    client.get(url)  # the first request also reads the site's settings (app.site_settings)
    with counting_statements(app) as few:
        assert client.get(url).status_code == 200
    fill(add_comment, threads=60, replies_per_thread=6, remedy_slug=remedy)
    with counting_statements(app) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(BeautifulSoup(response.data, "html.parser").select("li.comment-item")) > 300
    assert len(many) == len(few), (len(few), len(many))
    assert len(many) <= 8


def test_cached_page_costs_one_or_two_queries(app, article, add_comment, steady_era):
    fill(add_comment, threads=20, replies_per_thread=2)
    app.test_client().get(URL)  # fills the cache
    with counting_statements(app) as statements:
        response = app.test_client().get(URL)
    assert response.status_code == 200
    assert len(statements) <= 3, statements


def test_approval_shows_at_once_through_the_cache(app, client, article, add_comment, moderator):
    cid = add_comment(status=CommentStatus.PENDING, body="waiting in line")
    reader = app.test_client()
    assert b"waiting in line" not in reader.get(URL).data
    moderator.login()
    client.post(f"/moderation/comments/{cid}/approve", data={"expected": "pending"})
    assert b"waiting in line" in reader.get(URL).data
    soup = BeautifulSoup(reader.get(URL).data, "html.parser")
    assert soup.find(id="comments-title").get_text(strip=True) == "1 comment"


def test_a_content_reload_shows_through_the_cache(app, article):
    from app.content.loading import upsert_article
    from tests.conftest import make_article

    reader = app.test_client()
    reader.get(URL)
    with app.app_context():
        upsert_article(make_article(title="A fresh title"))
    assert b"A fresh title" in reader.get(URL).data


def test_every_anonymous_reader_gets_the_same_page_and_its_form_works(app, article, steady_era):
    """No per-visitor token: the page is shared, and the form on it still takes a
    comment (sent from this site's page, as a browser says)."""
    app.config["WTF_CSRF_ENABLED"] = True
    first, second = app.test_client(), app.test_client()
    pages = [visitor.get(URL) for visitor in (first, second)]
    assert pages[0].data == pages[1].data
    soup = BeautifulSoup(pages[1].data, "html.parser")
    assert soup.find("input", attrs={"name": "csrf_token"}) is None
    assert "__RELIEF" not in str(soup)
    response = second.post(
        URL,
        data={
            "comment": "cached form works",
            "name": "Ada",
            "email": "ada@example.com",
            "rendered_at": soup.find("input", attrs={"name": "rendered_at"})["value"],
        },
        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 303


def test_revalidation_gets_a_304(app, article, steady_era):
    reader = app.test_client()
    first = reader.get(URL)
    assert first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=0, s-maxage=10"
    again = reader.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]


def test_personal_pages_are_never_served_from_the_cache(app, client, article, comment_form):
    client.post(URL, data=comment_form(comment="my own held words"))
    assert b"my own held words" in client.get(URL).data  # rendered for this session
    assert b"my own held words" not in app.test_client().get(URL).data


def test_static_files_are_fingerprinted_and_cached_for_a_year(client, article):
    soup = BeautifulSoup(client.get(URL).data, "html.parser")
    href = soup.find("link", rel="stylesheet")["href"]
    assert "?v=" in href
    with client.get(href) as response:
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
    with client.get("/static/css/site.css") as plain:
        assert "max-age=31536000" not in plain.headers.get("Cache-Control", "")


def test_healthz_checks_the_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    ("current", "total", "window"),
    [
        (1, 1, [1]),
        (1, 5, [1, 2, 3, None, 5]),
        (3, 5, [1, 2, 3, 4, 5]),
        (750, 1500, [1, None, 748, 749, 750, 751, 752, None, 1500]),
        (1500, 1500, [1, None, 1498, 1499, 1500]),
    ],
)
def test_pagers_show_a_window_not_every_page(current, total, window):
    from app.templating import page_window

    assert page_window(current, total) == window
