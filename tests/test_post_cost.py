"""What a comment POST costs: a few SQL statements whatever the page holds, the
moderators' emails written off the request path (many comments at a time), and session
cookies signed without needless compression that still read the ones signed before.

Speed itself is measured in bench/ (bench/profile_post.py), never timed here.
"""

from __future__ import annotations

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import func, select

from app.extensions import db
from app.models import Comment, CommentStatus, EmailActionToken
from tests.test_performance import counting_statements

URL = "/back-spasms/"
REMEDY = URL + "remedy-2/"


def fill(add_comment, remedy_slug: str | None) -> None:
    """Give the page many comments of every kind, from other readers and from Ada."""
    for n in range(40):
        root = add_comment(remedy_slug=remedy_slug, email=f"reader{n}@example.com")
        add_comment(remedy_slug=remedy_slug, parent=root, email=f"other{n}@example.com")
        add_comment(remedy_slug=remedy_slug, status=CommentStatus.PENDING, body=f"held {n}")
        add_comment(remedy_slug=remedy_slug, status=CommentStatus.SPAM, email="ada@example.com")


def serialising(app) -> int:
    """The statements a dialect adds: on PostgreSQL, the advisory lock that makes two
    simultaneous comments from one client take turns (SQLite has one writer anyway)."""
    with app.app_context():
        return 1 if db.engine.dialect.name == "postgresql" else 0


def send(client, url: str, comment_form, **fields):
    response = client.post(url, data=comment_form(**fields))
    assert response.status_code == 303, response.data[:500]
    return response


@pytest.mark.parametrize(("url", "remedy_slug"), [(URL, None), (REMEDY, "remedy-2")])
def test_a_held_comment_costs_seven_statements_whatever_the_page_holds(
    app, client, article, comment_form, add_comment, url, remedy_slug
):
    """The page, whose row also says whether it is closed (1), whether it is closed under
    the write transaction's lock (1), the settings' revision (1), everything known about
    the sender (1), the commenter rules (1), the INSERT (1) and the page of comments the
    redirect goes to (1); PostgreSQL adds its advisory lock (1)."""
    client.get(url)  # the first request also reads the site's settings (app.site_settings)
    with counting_statements(app) as few:
        send(client, url, comment_form, comment="first words", name="New", email="new@x.com")
    fill(add_comment, remedy_slug)
    with counting_statements(app) as many:
        send(client, url, comment_form, comment="more words", name="Newer", email="newer@x.com")
    with app.app_context():
        statuses = db.session.scalars(
            select(Comment.status).where(Comment.author_name.in_(["New", "Newer"]))
        ).all()
    assert statuses == [CommentStatus.PENDING, CommentStatus.PENDING]
    assert len(many) == len(few), (few, many)
    assert len(many) <= 7 + serialising(app), many


@pytest.mark.parametrize(("url", "remedy_slug", "most"), [(URL, None, 8), (REMEDY, "remedy-2", 9)])
def test_a_published_comment_adds_only_the_page_counts(
    app, client, article, comment_form, add_comment, url, remedy_slug, most
):
    """A returning commenter's comment is published at once: the page's count and
    version too (one UPDATE for an article's page, two for a remedy's and its article)."""
    add_comment(name="Ada Reader", email="ada@example.com")  # approved before
    fill(add_comment, remedy_slug)
    client.get(url)
    with counting_statements(app) as statements:
        send(client, url, comment_form, comment="published at once")
    with app.app_context():
        query = select(Comment.status).where(Comment.body == "published at once")
        status = db.session.scalar(query)
    assert status is CommentStatus.APPROVED
    assert len(statements) <= most + serialising(app), statements


def test_a_duplicate_is_caught_among_many_comments_from_the_same_network(
    app, client, article, comment_form, add_comment
):
    """The duplicate check starts from the address's own comments, yet still finds the
    same text sent twice from this network (another browser, so no owner secret)."""
    fill(add_comment, None)
    send(client, URL, comment_form, comment="Said once.", name="Bo", email="bo@example.com")
    again = app.test_client().post(
        URL, data=comment_form(comment="Said once.", name="Bo", email="bo@example.com")
    )
    assert again.status_code == 409
    assert b"already said that" in again.data
    elsewhere = app.test_client().post(
        REMEDY, data=comment_form(comment="Said once.", name="Bo", email="bo@example.com")
    )
    assert elsewhere.status_code == 303  # another page: not a duplicate


def test_a_burst_of_held_comments_emails_the_moderator_about_each(
    app, client, article, moderator, smtp_server, comment_form
):
    for n in range(6):
        send(app.test_client(), URL, comment_form, comment=f"Held words {n}", email=f"r{n}@x.com")
    messages = smtp_server.wait_for(6)
    assert len(messages) == 6
    bodies = [m.get_content() for m in messages]
    assert sorted(n for n in range(6) for body in bodies if f"Held words {n}" in body) == list(
        range(6)
    )
    with app.app_context():
        tokens = db.session.scalar(select(func.count()).select_from(EmailActionToken))
    assert tokens == 6  # one set of single-use links per email


def test_a_session_cookie_signed_before_still_opens(app, client, article, comment_form):
    """Cookies signed by itsdangerous's own serializer (compressed when that is shorter)
    keep working: a browser that sent a held comment before the upgrade still sees it."""
    send(client, URL, comment_form, comment="my held words")
    with client.session_transaction() as session:
        saved = dict(session)
    stock = SecureCookieSessionInterface().get_signing_serializer(app)
    padded = {**saved, "padding": "x" * 600}  # long and repetitive: compressed
    old_cookie = stock.dumps(padded)
    assert old_cookie.startswith(".")
    browser = app.test_client()
    browser.set_cookie("session", old_cookie, domain="localhost")
    assert b"my held words" in browser.get(URL).data
    assert b"my held words" not in app.test_client().get(URL).data


def test_a_small_session_is_signed_as_it_is_and_a_big_one_compressed(app):
    serializer = app.session_interface.get_signing_serializer(app)
    small = serializer.dumps({"csrf_token": "a" * 40})
    big = serializer.dumps({"notes": ["the same words again"] * 100})
    assert not small.startswith(".")
    assert big.startswith(".")
    assert serializer.loads(small) == {"csrf_token": "a" * 40}
    assert serializer.loads(big) == {"notes": ["the same words again"] * 100}
