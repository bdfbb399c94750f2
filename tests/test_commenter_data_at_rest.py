"""What reply notifications and manage links keep at rest: addresses and email text
encrypted (and rotated with the keys), never in clear in the database files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app import crypto
from app.crypto import generate_key
from app.extensions import db
from app.models import ManageRequest, OutgoingMail, Subscription
from tests.test_reply_notifications import drain

SENTINEL = "leak-9c2e@example.test"
ON_SQLITE = not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
ENCRYPTED = [
    ("notify_subscriptions", "email"),
    ("outgoing_mail", "recipient"),
    ("outgoing_mail", "body"),
]


def queue_everything(app, comment_form) -> None:
    """A comment asking for emails, and a request for a manage link, with no mail server:
    a subscription, a "please confirm" and a manage email wait in the outbox."""
    app.config["MAIL_SERVER"] = ""
    client = app.test_client()
    assert (
        client.post("/back-spasms/", data=comment_form(email=SENTINEL, notify="y")).status_code
        == 303
    )
    assert client.post("/comments/manage/", data={"email": SENTINEL}).status_code == 303
    drain(app)


def test_addresses_and_texts_are_encrypted_in_the_database(app, article, comment_form):
    queue_everything(app, comment_form)
    with app.app_context():
        for table, column in ENCRYPTED:
            values = db.session.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
            assert values, table
            assert all(v.startswith("gAAAAA") and "leak-9c2e" not in v for v in values), table
        assert db.session.scalar(select(Subscription)).email == SENTINEL
        kinds = {m.kind.value: m for m in db.session.scalars(select(OutgoingMail))}
        assert set(kinds) == {"confirm", "manage"}
        assert all(m.recipient == SENTINEL for m in kinds.values())
        # The request is answered: its address is gone, its keyed hash stays a day.
        request = db.session.scalar(select(ManageRequest))
        assert request.email == "" and request.email_digest


@pytest.mark.skipif(not ON_SQLITE, reason="reads the SQLite file itself")
def test_the_raw_database_file_holds_no_address(app, article, comment_form):
    queue_everything(app, comment_form)
    path = Path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    for file in files:
        assert b"leak-9c2e" not in file.read_bytes(), file


def test_keys_rotate_reencrypts_notifications_and_the_outbox(app, runner, article, comment_form):
    queue_everything(app, comment_form)

    def raw():
        with app.app_context():
            return {
                (table, column): set(
                    db.session.execute(text(f"SELECT {column} FROM {table}")).scalars()
                )
                for table, column in ENCRYPTED
            }

    before = raw()
    old = app.config["EMAIL_ENCRYPTION_KEYS"] or crypto.keys_from_config(app.config)[0].decode()
    new = generate_key()
    app.config["EMAIL_ENCRYPTION_KEYS"] = f"{new},{old}"
    crypto.init_app(app)
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    after = raw()
    for key in before:
        assert before[key].isdisjoint(after[key]), key
    app.config["EMAIL_ENCRYPTION_KEYS"] = new  # the old key can go now
    crypto.init_app(app)
    with app.app_context():
        assert db.session.scalar(select(Subscription)).email == SENTINEL
        assert {m.recipient for m in db.session.scalars(select(OutgoingMail))} == {SENTINEL}


def test_erase_removes_an_address_that_only_asked_for_emails(app, runner, article, comment_form):
    queue_everything(app, comment_form)
    with app.app_context():  # its only comment went meanwhile
        db.session.execute(text("DELETE FROM comments"))
        db.session.commit()
    result = runner.invoke(args=["comments", "erase", "--email", SENTINEL, "--yes"])
    assert result.exit_code == 0 and "Erased" in result.output
    with app.app_context():
        assert db.session.scalars(select(Subscription)).all() == []
        assert db.session.scalars(select(OutgoingMail)).all() == []
    result = runner.invoke(args=["comments", "erase", "--email", SENTINEL, "--yes"])
    assert "Nothing is stored" in result.output
