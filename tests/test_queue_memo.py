"""A worker keeps each moderator's queue pages while the database is unchanged
(app/moderation/page_memo.py): what a moderator sees must never be older than the data,
whoever changed it (or the clock, for "Oldest waiting"), and a kept page must carry the
asking session's own CSRF token."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from app import create_app
from app.db import data_version
from app.extensions import db
from app.models import Comment, CommentStatus
from config import TestConfig
from tests.test_moderation_queue_pages import statements_for

PENDING, APPROVED = CommentStatus.PENDING, CommentStatus.APPROVED


def rows(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    page = BeautifulSoup(response.data, "html.parser")
    return [int(li["data-comment"]) for li in page.select("li.queue-row")]


def token_of(response) -> str:
    return re.search(rb'name="csrf_token" value="([^"]+)"', response.data).group(1).decode()


@contextmanager
def other_worker(app):
    """Another app on the same database, as a second gunicorn worker (or a `flask`
    command) would be: its own engine, its own connections, its own counters."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        yield other
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_repeated_view_reads_no_comment(app, client, mod, add_comment):
    """What makes the queue fast: the second view of unchanged data is the kept page."""
    ids = [add_comment(status=PENDING) for _ in range(3)]
    assert rows(client.get("/moderation/")) == ids
    again = statements_for(app, client, "/moderation/", pragmas=True)
    assert not [s for s in again if "FROM comments" in s], again
    # One look at the data's version serves the kept page, its counts and overview.
    versions = [s for s in again if "data_version" in s or "pg_current_snapshot" in s]
    assert len(versions) == 1, again
    assert rows(client.get("/moderation/")) == ids


def test_another_workers_changes_show_on_the_next_view(app, client, mod, add_comment):
    ids = [add_comment(status=PENDING) for _ in range(3)]
    assert rows(client.get("/moderation/")) == ids  # kept by this worker
    with other_worker(app) as other, other.app_context():
        db.session.execute(update(Comment).where(Comment.id == ids[0]).values(status=APPROVED))
        db.session.commit()
    assert rows(client.get("/moderation/")) == ids[1:]
    assert rows(client.get("/moderation/?status=approved")) == ids[:1]


def test_a_comment_sent_through_another_worker_shows(app, client, mod, add_comment):
    first = add_comment(status=PENDING)
    assert rows(client.get("/moderation/")) == [first]
    with other_worker(app) as other:
        reader = other.test_client()
        page = reader.get("/back-spasms/").get_data(as_text=True)
        stamp = re.search(r'name="rendered_at" value="([^"]+)"', page).group(1)
        sent = reader.post(
            "/back-spasms/",
            data={
                "comment": "Does the heat pack help at night?",
                "name": "Other Worker Reader",
                "email": "other@example.com",
                "rendered_at": stamp,
            },
        )
        assert sent.status_code == 303, sent.status_code
    page = client.get("/moderation/")
    assert len(rows(page)) == 2
    assert b"Other Worker Reader" in page.data


def test_data_version_moves_with_any_commit_and_only_then(app, article, add_comment):
    with app.app_context():
        before = data_version()
        db.session.rollback()
        assert data_version() == before  # a read changes nothing
        db.session.rollback()
    add_comment(status=PENDING)  # this process
    with app.app_context():
        mine = data_version()
        assert mine != before
        db.session.rollback()
    with other_worker(app) as other, other.app_context():
        db.session.execute(update(Comment).values(status=APPROVED))
        db.session.commit()
    with app.app_context():
        assert data_version() != mine  # another process


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def login_with_token(client, email: str) -> None:
    token = token_of(client.get("/auth/login"))
    answer = client.post(
        "/auth/login",
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert answer.status_code in (302, 303), answer.status_code


def test_a_kept_page_carries_the_asking_sessions_own_token(
    csrf_app, moderator, article, add_comment
):
    app = csrf_app
    ids = [add_comment(status=PENDING) for _ in range(2)]
    desk, laptop = app.test_client(), app.test_client()
    login_with_token(desk, moderator.email)
    login_with_token(laptop, moderator.email)
    desk_page = desk.get("/moderation/")
    laptop_page = laptop.get("/moderation/")  # the kept page, for another session
    assert rows(laptop_page) == rows(desk_page) == ids
    assert b"relief-csrf-" not in laptop_page.data
    assert token_of(laptop_page) != token_of(desk_page)
    # Each session's token works for an action; the other's would not.
    refused = laptop.post(
        f"/moderation/comments/{ids[0]}/approve",
        data={"csrf_token": token_of(desk_page), "expected": "pending"},
    )
    assert refused.status_code == 400
    done = laptop.post(
        f"/moderation/comments/{ids[0]}/approve",
        data={"csrf_token": token_of(laptop_page), "expected": "pending"},
    )
    assert done.status_code == 303
    assert rows(desk.get("/moderation/")) == ids[1:]


def test_a_moderator_never_gets_anothers_page(app, client, mod, add_comment):
    from app.auth.services import add_moderator

    add_comment(status=PENDING)
    with app.app_context():
        add_moderator("second@example.com", "another long passphrase here", "Second")
    assert b"mod@example.com" in client.get("/moderation/").data
    other = app.test_client()
    other.post(
        "/auth/login",
        data={"email": "second@example.com", "password": "another long passphrase here"},
    )
    page = other.get("/moderation/")
    assert b"second@example.com" in page.data
    assert b"mod@example.com" not in page.data


def test_the_message_after_an_action_is_shown_and_not_kept(app, client, mod, add_comment):
    ids = [add_comment(status=PENDING) for _ in range(2)]
    assert rows(client.get("/moderation/")) == ids
    done = client.post(
        f"/moderation/comments/{ids[0]}/approve",
        data={"expected": "pending"},
        follow_redirects=True,
    )
    assert b"Undo" in done.data
    assert rows(done) == ids[1:]
    again = client.get("/moderation/")
    assert rows(again) == ids[1:]
    assert b"Undo" not in again.data


def test_many_addresses_keep_a_bounded_number_of_pages(app, client, mod, add_comment):
    from app.moderation.page_memo import MEMO_KEY

    add_comment(status=PENDING)
    app.config["MODERATION_PAGE_MEMO"] = 4
    for n in range(20):
        assert client.get(f"/moderation/?q=probe{n}").status_code == 200
    assert len(app.extensions[MEMO_KEY]) == 4


def test_turned_off_it_renders_every_time(app, client, mod, add_comment):
    app.config["MODERATION_PAGE_MEMO"] = 0
    add_comment(status=PENDING)
    client.get("/moderation/")
    again = statements_for(app, client, "/moderation/")
    assert [s for s in again if "FROM comments" in s]


def test_sqlite_gathers_planner_statistics_by_itself(app, client, mod, add_comment):
    """Without statistics SQLite reads the queue's large index to count the comments
    that need a careful answer; each connection runs an approximate ANALYZE."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL's autovacuum keeps its own statistics")
    for _ in range(30):
        add_comment(status=PENDING)
    add_comment(status=PENDING, red_flags="numbness")
    with app.app_context():
        db.session.execute(db.text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
        db.engine.dispose()  # new connections, which analyze when first returned
    assert client.get("/moderation/").status_code == 200
    with app.app_context():
        analysed = db.session.scalars(select(db.text("tbl")).select_from(db.text("sqlite_stat1")))
        assert "comments" in set(analysed)


def overview_text(response) -> str:
    page = BeautifulSoup(response.data, "html.parser")
    return " ".join(page.select_one("section.overview").get_text().split())


def test_oldest_waiting_follows_the_clock(app, client, mod, add_comment, monkeypatch):
    """'Oldest waiting: N' is rendered from now: a kept page freezes it."""
    add_comment(status=PENDING)
    sent = datetime(2026, 1, 1, 0, 1, tzinfo=UTC)  # add_comment's first comment
    monkeypatch.setattr("app.moderation.overview.utcnow", lambda: sent + timedelta(minutes=5))
    assert "Oldest waiting: 5 minutes" in overview_text(client.get("/moderation/"))
    monkeypatch.setattr("app.moderation.overview.utcnow", lambda: sent + timedelta(hours=3))
    assert "Oldest waiting: 3 hours" in overview_text(client.get("/moderation/"))


def test_overview_numbers_are_not_kept_past_their_age(app, client, mod, add_comment):
    """The overview is reused by age (MODERATION_COUNTS_SECONDS) and is not in the key:
    a page rendered in that window with old numbers is then kept while data holds."""
    app.config["MODERATION_COUNTS_SECONDS"] = 0.5
    first = add_comment(status=PENDING)
    assert "0 held comments with red flags" in overview_text(client.get("/moderation/"))
    with other_worker(app) as other, other.app_context():
        db.session.execute(update(Comment).where(Comment.id == first).values(red_flags="numbness"))
        db.session.commit()
    client.get("/moderation/")  # within the overview's age: old numbers, kept
    time.sleep(0.7)
    later = client.get("/moderation/")
    assert rows(later) == [first]
    assert "1 held comment with red flags" in overview_text(later)


def test_a_page_under_another_script_root_is_not_served_at_the_root(app, client, mod, add_comment):
    add_comment(status=PENDING)
    prefixed = client.get("/moderation/", base_url="http://localhost/relief/")
    assert b'href="/relief/moderation/' in prefixed.data
    plain = client.get("/moderation/")
    assert b'href="/relief/' not in plain.data


def test_analyze_at_checkin_never_holds_a_request_for_the_busy_timeout(app, article):
    """Another process holding the write lock (a `flask` command, another worker's long
    write) makes the check-in ANALYZE wait SQLITE_BUSY_TIMEOUT_MS inside the request's
    teardown, before the body goes out; any page whose connection is due pays it."""
    import sqlite3

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        import pytest

        pytest.skip("SQLite only")
    app.config["SQLITE_BUSY_TIMEOUT_MS"] = 1500
    with app.app_context():
        path = db.engine.url.database
        db.engine.dispose()
    from app.db import configure_engine  # noqa: F401  (the listeners are on the engine)

    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        assert app.test_client().get("/back-spasms/").status_code == 200
        took = time.monotonic() - started
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert took < 1.0, f"a reader's page took {took:.2f}s"


def test_a_rolled_back_write_leaves_no_reusable_version(app, article, add_comment):
    """data_version's docstring: a transaction that has written and not committed gets a
    value no other call returns.  On SQLite total_changes keeps counting rolled-back
    rows, so the same value comes back after the rollback, over other data."""
    first = add_comment(status=PENDING)
    with app.app_context():
        db.session.execute(
            update(Comment).where(Comment.id == first).values(status=CommentStatus.SPAM)
        )
        writing = data_version()
        db.session.rollback()
        assert data_version() != writing
