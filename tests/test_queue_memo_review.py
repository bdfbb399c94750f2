"""Review of the queue page memo: cases where a kept page is older than what a fresh
render shows (time, the overview's own cache, the script root)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from sqlalchemy import update

from app.db import data_version
from app.extensions import db
from app.models import Comment, CommentStatus
from tests.test_queue_memo import other_worker, rows

PENDING = CommentStatus.PENDING


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
        db.session.execute(update(Comment).where(Comment.id == first).values(status=CommentStatus.SPAM))
        writing = data_version()
        db.session.rollback()
        assert data_version() != writing
