"""Pages any cache may keep: one page for every anonymous reader, a private one for
anyone with something of their own, and the worker's copies answered before routing."""

from __future__ import annotations

import time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text

from app.extensions import db
from app.models import CommentStatus
from config import TestConfig
from tests.conftest import app_on_fresh_database, database_url

# Every test here compares answers across requests: none may straddle a stamp era.
pytestmark = pytest.mark.usefixtures("steady_era")

URL = "/back-spasms/"
REMEDY = "/back-spasms/remedy-2/"
SAME_ORIGIN = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def layer_hits(app) -> int:
    """Answers the WSGI layer gave from the worker's copies (its own count)."""
    return app.extensions["relief.page_layer"].hits


def headers_of(response) -> list[tuple[str, str]]:
    """Every header, in order (the server adds Date: a shared page carries none)."""
    assert "Date" not in response.headers
    return list(response.headers)


def assert_shared(response) -> None:
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=10"
    assert response.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong: the bytes are fixed
    # No date: what the page shows also moves with moments no date tracks.
    assert "Last-Modified" not in response.headers


def assert_private(response) -> None:
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers.get("ETag") is None


# --- The done-when tests ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", URL, REMEDY, URL + "?page=1"])
def test_two_cookieless_readers_get_identical_public_pages(app, article, add_comment, path):
    app.config["WTF_CSRF_ENABLED"] = True  # as in production: still no cookie, no token
    add_comment(body="A published comment.")
    first = app.test_client().get(path)
    second = app.test_client().get(path)
    assert_shared(first)
    assert_shared(second)
    assert first.data == second.data
    assert headers_of(first) == headers_of(second)
    soup = soup_of(first)
    assert soup.find("input", attrs={"name": "csrf_token"}) is None
    assert soup.find("input", attrs={"name": "rendered_at"})["value"]


def test_a_reader_with_a_held_comment_gets_a_private_page(app, client, article, comment_form):
    client.post(URL, data=comment_form(comment="Mine, waiting."), headers=SAME_ORIGIN)
    mine = client.get(URL)
    assert "Mine, waiting." in mine.get_data(as_text=True)
    assert_private(mine)
    assert "Mine, waiting." not in app.test_client().get(URL).get_data(as_text=True)


def test_everyone_with_something_of_their_own_gets_a_private_page(
    app, article, comment_form, moderator
):
    notice = app.test_client()
    notice.post(URL, data=comment_form(), headers=SAME_ORIGIN, follow_redirects=False)
    saved = app.test_client()
    saved.post(URL, data=comment_form(remember="y", comment="Saved me."), headers=SAME_ORIGIN)
    with saved.session_transaction() as session:
        session.clear()  # only the "save my details" cookie is left
    staff = app.test_client()
    moderator.login(client=staff)
    for browser in (notice, saved, staff):
        assert_private(browser.get(URL))
    reply = app.test_client().get(URL + "?replyto=1")
    assert_private(reply)
    corrected = app.test_client().post(URL, data=comment_form(email="nope"))
    assert corrected.status_code == 422
    assert_private(corrected)


def test_a_cookieless_get_sets_no_cookie_even_in_production(tmp_path):
    from app.crypto import generate_key
    from config import ProductionConfig

    class Prod(ProductionConfig):
        SECRET_KEY = "p" * 48
        EMAIL_ENCRYPTION_KEYS = generate_key()
        SITE_URL = "https://relief.example.org"
        SQLALCHEMY_DATABASE_URI = database_url(tmp_path)

    with app_on_fresh_database(Prod, with_article=True) as app:
        for path in ("/", URL, REMEDY):
            for _ in range(2):  # rendered, then from the worker's copy
                response = app.test_client().get(path, base_url="https://relief.example.org")
                assert_shared(response)
                assert "Strict-Transport-Security" in response.headers


# --- The WSGI layer --------------------------------------------------------------------


@pytest.mark.parametrize("path", [URL, REMEDY, URL + "?page=1"])
def test_the_second_cookieless_request_is_answered_before_routing(app, article, path):
    first = app.test_client().get(path)
    assert layer_hits(app) == 0
    second = app.test_client().get(path)
    assert layer_hits(app) == 1
    assert second.data == first.data
    assert headers_of(second) == headers_of(first)  # security headers included
    assert second.headers["Content-Security-Policy"] and second.headers["X-Frame-Options"]


def test_any_cookie_goes_through_flask(app, article):
    app.test_client().get(URL)
    other = app.test_client()
    other.set_cookie("unrelated", "1")
    response = other.get(URL)
    assert layer_hits(app) == 0
    assert response.status_code == 200


def test_an_approved_comment_shows_on_the_next_request(app, client, article, add_comment, mod):
    cid = add_comment(status=CommentStatus.PENDING, body="waiting in line")
    reader = app.test_client()
    assert b"waiting in line" not in reader.get(URL).data
    assert b"waiting in line" not in reader.get(URL).data
    assert layer_hits(app) == 1
    client.post(f"/moderation/comments/{cid}/approve", data={"expected": "pending"})
    assert b"waiting in line" in reader.get(URL).data  # the versions moved: rendered
    assert layer_hits(app) == 1
    assert b"waiting in line" in reader.get(URL).data
    assert layer_hits(app) == 2


def test_a_page_turned_back_into_a_draft_is_never_served_from_a_copy(app, article):
    """Even when nothing bumped its versions: the layer checks ``published`` itself."""
    reader = app.test_client()
    reader.get(URL)
    with app.app_context():
        db.session.execute(text("UPDATE articles SET published = false"))
        db.session.commit()
    assert reader.get(URL).status_code == 404
    assert reader.get(REMEDY).status_code == 404
    assert layer_hits(app) == 0


def test_a_page_past_its_review_date_is_rendered_again(app, article):
    """No version moves the day a review falls due; the key holds it all the same."""
    reader = app.test_client()
    reader.get(URL)
    with app.app_context():
        db.session.execute(text("UPDATE articles SET next_review_on = '2020-01-02'"))
        db.session.commit()
    assert b"due for review" in reader.get(URL).data
    assert layer_hits(app) == 0


def test_a_page_closed_to_comments_is_rendered_again(app, client, article, mod):
    reader = app.test_client()
    assert soup_of(reader.get(URL)).find("form", class_="comment-form")
    with app.app_context():
        article_id = db.session.execute(text("SELECT id FROM articles")).scalar()
    client.post("/moderation/pages", data={"page": str(article_id), "state": "closed"})
    closed = reader.get(URL)
    assert soup_of(closed).find("form", class_="comment-form") is None
    assert layer_hits(app) == 0
    reader.get(URL)
    assert layer_hits(app) == 1


def test_another_script_root_never_gets_the_roots_copy(app, article):
    app.test_client().get(URL)
    mounted = app.test_client().get(URL, environ_overrides={"SCRIPT_NAME": "/x"})
    assert layer_hits(app) == 0
    assert soup_of(mounted).find("form", class_="comment-form")["action"].startswith("/x/")
    root = app.test_client().get(URL)
    assert layer_hits(app) == 1
    assert soup_of(root).find("form", class_="comment-form")["action"].startswith(URL)


def test_a_new_stamp_era_renders_the_page_again(app, article, monkeypatch):
    from app.content import page_cache

    first = app.test_client().get(URL)
    later = time.time() + app.config["PAGE_STAMP_REFRESH_SECONDS"]
    monkeypatch.setattr(page_cache.time, "time", lambda: later)
    again = app.test_client().get(URL)
    assert layer_hits(app) == 0
    assert again.headers["ETag"] != first.headers["ETag"]
    stamps = [
        soup_of(r).find("input", attrs={"name": "rendered_at"})["value"] for r in (first, again)
    ]
    assert stamps[0] != stamps[1]


def test_conditional_requests_get_a_304_from_the_layer(app, article):
    first = app.test_client().get(URL)
    etag = first.headers["ETag"]
    matching = app.test_client().get(URL, headers={"If-None-Match": etag})
    assert matching.status_code == 304
    assert matching.data == b""
    assert matching.headers["ETag"] == etag
    assert matching.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert "Content-Length" not in matching.headers
    other = app.test_client().get(URL, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.data == first.data
    assert layer_hits(app) == 2


def test_a_date_alone_never_gets_a_304_for_a_page_that_changed(app, article, moderator, steady_era):
    """Closing pages after N days (a setting) changes the page at once, though neither
    the page's versions nor the stamp's period moved: a client that revalidates with
    If-Modified-Since alone gets the page as it is now, never a 304 for its old copy."""
    from app import site_settings

    first = app.test_client().get(URL)
    assert soup_of(first).find("form", class_="comment-form")
    with app.test_request_context():
        site_settings.save({"COMMENTS_CLOSE_AFTER_DAYS": "1"}, moderator.record)
    when = "Sun, 01 Jan 2090 00:00:00 GMT"  # a date later than anything
    again = app.test_client().get(URL, headers={"If-Modified-Since": when})
    assert again.status_code == 200
    assert soup_of(again).find("form", class_="comment-form") is None


def test_head_gets_the_headers_only(app, article):
    first = app.test_client().get(URL)
    head = app.test_client().head(URL)
    assert layer_hits(app) == 1
    assert head.status_code == 200
    assert head.data == b""
    assert headers_of(head) == headers_of(first)
    assert head.headers["Content-Length"] == str(len(first.data))


def test_a_head_before_any_get_is_shared_but_not_kept(app, article):
    head = app.test_client().head(URL)
    assert_shared(head)
    assert head.data == b""
    get = app.test_client().get(URL)
    assert layer_hits(app) == 0
    assert len(get.data) == int(head.headers["Content-Length"])


@pytest.mark.parametrize(
    "path",
    [
        "/..%2f/",
        "/back-spasms/..%2f/",
        "/%2e%2e/",
        "/" + "a" * 5000 + "/",
        "/back-spasms/" + "b" * 400 + "/",
        "/back-spasms/%ff%fe/",
        "/caf%C3%A9/",
        "/back-spasms//",
        "/back-spasms/?page=2&page=3",
        "/back-spasms/?page=-1",
        "/back-spasms/?page=99999999999999",
        "/back-spasms/?replyto=1",
        "/moderation/",
        "/back-spasms/remedy-2/extra/",
    ],
)
def test_hostile_or_odd_addresses_fall_through_to_flask_harmlessly(app, article, path):
    app.test_client().get(URL)  # a copy the layer could be tricked into serving
    response = app.test_client().get(path)
    assert layer_hits(app) == 0
    assert response.status_code < 500


def test_raw_non_utf8_bytes_in_the_path_fall_through(app, article):
    app.test_client().get(URL)
    environ = {"PATH_INFO": "/back-spasms/\xff\xfe/", "REQUEST_METHOD": "GET"}
    response = app.test_client().get("/", environ_overrides=environ)
    assert layer_hits(app) == 0
    assert response.status_code == 404


def test_posts_and_other_methods_go_through_flask(app, article, comment_form):
    app.test_client().get(URL)
    assert app.test_client().post(URL, data=comment_form(), headers=SAME_ORIGIN).status_code == 303
    assert app.test_client().put(URL).status_code == 405
    assert layer_hits(app) == 0


def test_no_copies_are_kept_when_the_cache_is_off(app, article):
    app.config["PAGE_CACHE_SIZE"] = 0
    app.extensions.pop("relief.page_cache", None)
    for _ in range(2):
        assert_shared(app.test_client().get(URL))  # still shared: caches may keep it
    assert layer_hits(app) == 0


def test_a_response_that_sets_a_cookie_is_never_kept(app):
    from app.content import page_cache

    headers = [("Cache-Control", "public, max-age=0"), ("Set-Cookie", "session=x")]
    assert not page_cache.keep(app, ("key",), headers, b"body")
    assert not page_cache.keep(app, ("key",), [("Cache-Control", "private")], b"body")
    assert page_cache.keep(app, ("key",), [("Cache-Control", "public"), ("Date", "x")], b"b")
    assert page_cache.pages_of(app).get(("key",)).headers == (("Cache-Control", "public"),)


# --- Settings --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"PAGE_STAMP_REFRESH_SECONDS": 0},
        {"PAGE_SHARED_MAX_AGE_SECONDS": -1},
        {"PAGE_STAMP_REFRESH_SECONDS": 900, "PAGE_SHARED_MAX_AGE_SECONDS": 10},
        {"COMMENTS_FORM_MAX_AGE_SECONDS": 200.0},
    ],
)
def test_a_stamp_or_lifetime_too_long_for_the_form_is_refused_at_start(settings):
    from app import create_app

    with pytest.raises(RuntimeError, match="PAGE_STAMP_REFRESH_SECONDS"):
        create_app(TestConfig, **settings)


def test_the_shared_lifetime_is_a_setting(app, article):
    app.config["PAGE_SHARED_MAX_AGE_SECONDS"] = 30
    response = app.test_client().get(URL)
    assert response.headers["Cache-Control"] == "public, max-age=0, s-maxage=30"


def test_a_settings_change_in_another_worker_reaches_the_layer_at_once(app, article, moderator):
    """A page that closes by age under a new COMMENTS_CLOSE_AFTER_DAYS changes no
    version: the layer reads the settings' revision with the versions, and a revision
    this worker has not read sends the request to Flask, which reads it."""
    from app import create_app, site_settings

    reader = app.test_client()
    assert soup_of(reader.get(URL)).find("form", class_="comment-form")
    reader.get(URL)
    assert layer_hits(app) == 1
    other_worker = create_app(
        TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"]
    )
    with other_worker.test_request_context():
        site_settings.save({"COMMENTS_CLOSE_AFTER_DAYS": "1"}, moderator.record)
        db.session.remove()
        db.engine.dispose()  # none of its connections may outlive the database
    closed = reader.get(URL)
    assert soup_of(closed).find("form", class_="comment-form") is None
    assert layer_hits(app) == 1
    reader.get(URL)
    assert layer_hits(app) == 2


def test_the_layer_keeps_pages_behind_a_trusted_proxy_too(tmp_path):
    """ProxyFix (TRUSTED_PROXY_COUNT) sits inside the layer and rewrites the request's
    address and scheme: the page is the same, and kept all the same."""
    with app_on_fresh_database(
        with_article=True,
        SQLALCHEMY_DATABASE_URI=database_url(tmp_path),
        TRUSTED_PROXY_COUNT=1,
        TRUSTED_PROXY_HOST=True,
    ) as app:
        forwarded = {
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "attacker.example",
        }
        first = app.test_client().get(URL, headers=forwarded)
        second = app.test_client().get(URL)
        assert layer_hits(app) == 1
        assert second.data == first.data
        assert b"attacker" not in second.data
