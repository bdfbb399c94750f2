"""Hostile probes of the shared pages (issue 15), from an outside review: the WSGI
layer answers only for the exact page address Flask would render, with the same bytes
and headers; odd queries, paths, hosts and conditions get what Flask gives; a database
in trouble falls through to Flask's error page; and every POST route still refuses a
cross-site form without its token."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.content import page_cache
from app.extensions import db

# Every test here compares answers across requests: none may straddle a stamp era.
pytestmark = pytest.mark.usefixtures("steady_era")

URL = "/back-spasms/"


def layer_hits(app) -> int:
    return app.extensions["relief.page_layer"].hits


def rendered_afresh(app, client, url: str, **kwargs):
    """The answer Flask renders itself, with no copy to answer from."""
    page_cache.pages_of(app).clear()
    return client.get(url, **kwargs)


def test_the_home_pages_copy_is_the_article_page_byte_for_byte(app, article):
    """With one article, / renders the article page and the layer keeps it under the
    article's key: /back-spasms/ must then get exactly what it would have rendered."""
    client = app.test_client()
    assert client.get("/").status_code == 200
    from_copy = client.get(URL)
    assert layer_hits(app) == 1
    assert from_copy.data == rendered_afresh(app, client, URL).data


@pytest.mark.parametrize(
    "query",
    ["page=1&page=2", "page=+1", "page=1;x=y", "x=y", "page=1&x=y", "page=", "page=-1", "PAGE=1"],
)
def test_odd_queries_are_left_to_flask(app, article, query):
    client = app.test_client()
    client.get(URL)
    client.get(f"{URL}?{query}")
    assert layer_hits(app) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/back-spasms",  # Flask redirects
        "/back-spasms//",
        "/Back-Spasms/",
        "/back-spasms/./",
        "/back-spasms/%2e/",
        "/back-spasms/nope/",  # Flask answers 404
    ],
)
def test_addresses_flask_redirects_or_refuses_are_left_to_flask(app, article, path):
    """(Flask itself renders //back-spasms/ as the page, the same bytes: see below.)"""
    client = app.test_client()
    client.get(URL)
    response = client.get(URL, environ_overrides={"PATH_INFO": path})  # as sent, raw
    assert response.status_code != 200
    assert layer_hits(app) == 0


def test_a_doubled_leading_slash_is_rendered_by_flask_as_the_same_page(app, article):
    client = app.test_client()
    page = client.get(URL)
    doubled = client.get(URL, environ_overrides={"PATH_INFO": "//back-spasms/"})
    assert layer_hits(app) == 0
    assert doubled.data == page.data


def test_a_spoofed_host_reaches_no_copy(app, article):
    client = app.test_client()
    spoofed = {
        "Host": "evil.example",
        "X-Forwarded-Host": "evil2.example",
        "X-Forwarded-Proto": "https",
    }
    first = client.get(URL, headers=spoofed)
    assert b"evil" not in first.data
    second = client.get(URL)
    assert layer_hits(app) == 1
    assert second.data == first.data


def test_the_layers_answer_has_every_header_flasks_had(app, article):
    client = app.test_client()
    from_flask = client.get(URL)
    from_copy = client.get(URL)
    assert layer_hits(app) == 1
    assert list(from_copy.headers) == list(from_flask.headers)
    assert "Content-Security-Policy" in from_copy.headers
    assert "Set-Cookie" not in from_copy.headers


def test_a_database_in_trouble_falls_through_to_flasks_error_page(app, article):
    client = app.test_client()
    client.get(URL)
    with app.app_context():
        db.session.execute(text("ALTER TABLE articles RENAME TO articles_gone"))
        db.session.commit()
    app.testing = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get(URL)
    finally:
        with app.app_context():
            db.session.execute(text("ALTER TABLE articles_gone RENAME TO articles"))
            db.session.commit()
    assert response.status_code == 500
    assert b"Traceback" not in response.data
    assert "Content-Security-Policy" in response.headers  # Flask's own error page
    assert layer_hits(app) == 0


def everything_stored(app) -> list:
    with app.app_context():
        return [
            (table.name, db.session.execute(select(table)).all())
            for table in db.metadata.sorted_tables
        ]


ROUTE_ARGUMENTS = {
    "slug": "back-spasms",
    "article_slug": "back-spasms",
    "remedy_slug": "remedy-2",
    "moderator_id": 1,
    "rule_id": 1,
    "reply_id": 1,
    "event_id": 1,
    "signed": "x",
    "name": "COMMENTS_MAX_LINKS",
    "action": "approve",
}


def test_no_post_route_acts_on_a_cross_site_form_without_a_token(
    app, client, article, add_comment, mod
):
    """Every POST in the URL map, sent by a logged-in moderator's browser from another
    site, with CSRF on as in production: nothing changes anywhere."""
    arguments = {**ROUTE_ARGUMENTS, "comment_id": add_comment()}
    app.config["WTF_CSRF_ENABLED"] = True
    acted = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = rule.build({k: v for k, v in arguments.items() if k in rule.arguments})[1]
        before = everything_stored(app)
        response = client.post(
            url,
            data={"comment": "Buy now", "name": "Spam", "email": "spam@example.com"},
            headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://attacker.example"},
        )
        if everything_stored(app) != before or response.status_code < 400:
            acted.append((rule.endpoint, response.status_code))
    # Logging in again while logged in only redirects to the queue.
    assert acted == [("auth.login", 302)]


def test_a_page_past_the_last_is_kept_exactly_as_the_last(app, article, add_comment):
    app.config["COMMENTS_PER_PAGE"] = 2
    for _ in range(5):
        add_comment()
    client = app.test_client()
    assert client.get(f"{URL}?page=99").status_code == 200
    from_copy = client.get(f"{URL}?page=3")
    assert layer_hits(app) == 1
    assert from_copy.data == rendered_afresh(app, client, f"{URL}?page=3").data
    page_cache.pages_of(app).clear()
    client.get(f"{URL}?page=0")
    from_copy = client.get(URL)
    assert layer_hits(app) == 2
    assert from_copy.data == rendered_afresh(app, client, URL).data


@pytest.mark.parametrize(
    "headers",
    [
        {"Range": "bytes=0-9"},
        {"Range": "bytes=0-9", "If-Range": '"other"'},
        {"If-None-Match": "*"},
        {"If-Match": '"other"'},
        {"If-Unmodified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
        {"If-Modified-Since": "garbage"},
        {"If-None-Match": 'garbage, W/"x"'},
    ],
)
def test_rare_conditions_get_from_the_layer_what_flask_gives(app, article, headers):
    client = app.test_client()
    client.get(URL)
    from_copy = client.get(URL, headers=headers)
    assert layer_hits(app) == 1
    from_flask = rendered_afresh(app, client, URL, headers=headers)
    assert (from_copy.status_code, from_copy.data) == (from_flask.status_code, from_flask.data)
