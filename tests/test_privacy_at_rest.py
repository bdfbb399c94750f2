"""Commenter data at rest: encrypted emails, key rotation, IP retention, export, erasure,
and backups."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.crypto import generate_key
from app.extensions import db
from app.models import Comment, CommentStatus, ModerationEvent

SENTINEL = "leak-7f3a@example.test"
ON_SQLITE = not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def raw_emails(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(text("SELECT author_email FROM comments")).scalars())


def test_emails_are_encrypted_in_the_database(app, client, article, comment_form):
    client.post("/back-spasms/", data=comment_form(email=SENTINEL))
    [stored] = raw_emails(app)
    assert stored.startswith("gAAAAA") and SENTINEL not in stored
    with app.app_context():
        assert db.session.scalar(select(Comment)).author_email == SENTINEL


@pytest.mark.skipif(not ON_SQLITE, reason="reads the SQLite file itself")
def test_the_raw_database_file_holds_no_email(app, client, article, comment_form):
    client.post("/back-spasms/", data=comment_form(email=SENTINEL, comment="first"))
    client.post("/back-spasms/", data=comment_form(email=SENTINEL, comment="second"))
    path = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    assert files
    for file in files:
        data = file.read_bytes()
        assert SENTINEL.encode() not in data, file
        assert b"leak-7f3a" not in data, file


def test_keys_rotate_reencrypts_with_the_new_key(app, runner, article, add_comment):
    add_comment(email="a@example.com")
    add_comment(email="b@example.com")
    before = raw_emails(app)
    new_key = generate_key()
    old_keys = app.config["EMAIL_ENCRYPTION_KEYS"] or _derived(app)
    app.config["EMAIL_ENCRYPTION_KEYS"] = f"{new_key},{old_keys}"
    from app import crypto

    crypto.init_app(app)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 2 email(s)" in result.output
    after = raw_emails(app)
    assert set(after).isdisjoint(before)
    # Only the new key is needed now.
    app.config["EMAIL_ENCRYPTION_KEYS"] = new_key
    crypto.init_app(app)
    with app.app_context():
        emails = {c.author_email for c in db.session.scalars(select(Comment))}
    assert emails == {"a@example.com", "b@example.com"}
    assert "Re-encrypted 0" in runner.invoke(args=["keys", "rotate"]).output


def _derived(app) -> str:
    from app.crypto import keys_from_config

    return keys_from_config(app.config)[0].decode()


def test_removing_a_key_too_early_is_a_clear_error(app, runner, article, add_comment):
    add_comment()
    app.config["EMAIL_ENCRYPTION_KEYS"] = generate_key()
    from app import crypto

    crypto.init_app(app)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code != 0
    assert "cannot be decrypted" in result.output


def test_keys_generate_prints_a_fernet_key(runner):
    from cryptography.fernet import Fernet

    key = runner.invoke(args=["keys", "generate"]).output.strip()
    Fernet(key)


def test_purge_ips_anonymises_old_addresses(app, runner, client, article, comment_form):
    client.post(
        "/back-spasms/",
        data=comment_form(comment="old"),
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    client.post(
        "/back-spasms/",
        data=comment_form(comment="v6", email="six@example.com"),
        environ_base={"REMOTE_ADDR": "2001:db8:1234:5678::1"},
    )
    client.post(
        "/back-spasms/",
        data=comment_form(comment="new", email="n@example.com"),
        environ_base={"REMOTE_ADDR": "198.51.100.9"},
    )
    with app.app_context():
        for comment in db.session.scalars(select(Comment).where(Comment.body != "new")):
            comment.created_at = datetime.now(UTC) - timedelta(days=31)
        db.session.commit()
    result = runner.invoke(args=["comments", "purge-ips"])
    assert "Anonymised the IP address of 2 comment(s) older than 30 days" in result.output
    with app.app_context():
        rows = dict(db.session.execute(select(Comment.body, Comment.ip)).all())
        agents = dict(db.session.execute(select(Comment.body, Comment.user_agent)).all())
    assert rows == {"old": "203.0.113.0/24", "v6": "2001:db8:1234::/48", "new": "198.51.100.9"}
    assert agents["old"] is None and agents["new"] is not None
    assert "of 0 comment(s)" in runner.invoke(args=["comments", "purge-ips"]).output


def test_export_prints_everything_about_an_address(
    app, runner, client, article, comment_form, add_comment
):
    client.post(
        "/back-spasms/",
        data=comment_form(email=SENTINEL, comment="mine", website="https://me.example.com"),
    )
    add_comment(email="someone-else@example.com", body="not mine")
    result = runner.invoke(args=["comments", "export", "--email", SENTINEL.upper()])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    [comment] = data["comments"]
    assert comment["email"] == SENTINEL
    assert comment["text"] == "mine"
    assert comment["website"] == "https://me.example.com"
    assert comment["ip"] == "127.0.0.1"
    assert comment["page"]["path"] == "/back-spasms/"
    assert comment["status"] == "pending"


def test_erase_removes_the_person_and_keeps_threads(app, runner, article, add_comment):
    lone = add_comment(email=SENTINEL, body="lone words", name="Eve")
    answered = add_comment(email=SENTINEL, body="answered words", name="Eve")
    reply = add_comment(parent=answered, body="a reply by someone else")
    result = runner.invoke(args=["comments", "erase", "--email", SENTINEL, "--yes"])
    assert result.exit_code == 0, result.output
    assert "1 comment(s) deleted, 1 left as placeholders" in result.output
    with app.app_context():
        assert db.session.get(Comment, lone) is None
        tomb = db.session.get(Comment, answered)
        assert (tomb.author_name, tomb.author_email, tomb.body) == ("", "", "")
        assert db.session.get(Comment, reply).status is CommentStatus.APPROVED
        assert db.session.scalar(select(ModerationEvent)).moderator_email == "command line"
    page = app.test_client().get("/back-spasms/").get_data(as_text=True)
    assert "This comment was removed." in page and "a reply by someone else" in page
    assert not re.search(r"\bEve\b", page) and "answered words" not in page
    export = json.loads(runner.invoke(args=["comments", "export", "--email", SENTINEL]).output)
    assert export["comments"] == []


def test_erase_asks_first(runner, article, add_comment):
    add_comment(email=SENTINEL)
    result = runner.invoke(args=["comments", "erase", "--email", SENTINEL], input="n\n")
    assert result.exit_code != 0
    assert "Aborted" in result.output


@pytest.mark.skipif(not ON_SQLITE, reason="backups copy SQLite files")
def test_backup_while_writing_then_restore_and_compare(app, runner, article, add_comment, tmp_path):
    import threading

    for n in range(50):
        add_comment(body=f"before backup {n}")
    stop = threading.Event()

    def writer():
        while not stop.is_set():
            add_comment(body="written during the backup")

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "copy.sqlite3")])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert "integrity check: ok" in result.output

    import sqlite3

    backed_up = sqlite3.connect(tmp_path / "copy.sqlite3")
    snapshot = backed_up.execute("SELECT id, body FROM comments ORDER BY id").fetchall()
    backed_up.close()
    assert len(snapshot) >= 50

    with app.app_context():  # life goes on: the live database changes
        db.session.execute(text("DELETE FROM comments"))
        db.session.commit()
    restored = runner.invoke(args=["restore", str(tmp_path / "copy.sqlite3"), "--yes"])
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        rows = db.session.execute(text("SELECT id, body FROM comments ORDER BY id")).all()
        assert [tuple(r) for r in rows] == snapshot
        assert db.session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_backup_refuses_to_overwrite_and_postgres(app, runner, tmp_path):
    target = tmp_path / "exists.sqlite3"
    target.write_text("x")
    if ON_SQLITE:
        result = runner.invoke(args=["backup", str(target)])
        assert result.exit_code != 0 and "--force" in result.output
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://u@h/db"
    result = runner.invoke(args=["backup", str(tmp_path / "x.sqlite3")])
    assert "pg_dump" in result.output


@pytest.mark.skipif(not ON_SQLITE, reason="restores SQLite files")
def test_restore_refuses_a_file_that_is_not_a_relief_database(runner, tmp_path):
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"not a database at all" * 100)
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert "not a SQLite database" in result.output or "not a Relief database" in result.output
