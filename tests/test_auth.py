"""Moderator accounts, logging in and out, throttling and redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Moderator
from tests.conftest import MODERATOR_PASSWORD


def test_login_lands_in_the_queue(client, moderator):
    response = moderator.login()
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/"
    assert client.get("/moderation/").status_code == 200


def test_login_is_case_insensitive_for_the_email(client, moderator):
    response = client.post(
        "/auth/login", data={"email": " MOD@Example.com ", "password": MODERATOR_PASSWORD}
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("email", "password"),
    [("mod@example.com", "wrong password"), ("nobody@example.com", MODERATOR_PASSWORD)],
)
def test_failed_login_says_only_wrong_email_or_password(client, moderator, email, password):
    response = client.post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Wrong email or password." in body
    assert "not found" not in body.lower() and "unknown" not in body.lower()
    assert client.get("/moderation/").status_code == 302


def test_passwords_are_hashed_with_scrypt(app, moderator):
    with app.app_context():
        stored = db.session.scalar(select(Moderator.password_hash))
    assert stored.startswith("scrypt:")
    assert MODERATOR_PASSWORD not in stored


def test_failures_are_throttled_per_account(client, moderator):
    for _ in range(5):
        assert moderator.login("wrong password").status_code == 401
    blocked = moderator.login()  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed attempts. Please wait 15 minutes" in blocked.get_data(as_text=True)
    assert client.get("/moderation/").status_code == 302


def test_failures_are_throttled_per_address(app, client, moderator):
    for n in range(5):
        client.post("/auth/login", data={"email": f"guess{n}@example.com", "password": "x"})
    assert moderator.login().status_code == 429
    elsewhere = app.test_client()
    response = elsewhere.post(
        "/auth/login",
        data={"email": "mod@example.com", "password": MODERATOR_PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    # The account itself is not locked: another address with the right password gets in.
    assert response.status_code == 303


def test_throttle_lifts_after_the_window(app, client, moderator):
    from datetime import timedelta

    from app.models import LoginFailure

    for _ in range(5):
        moderator.login("wrong password")
    with app.app_context():
        for failure in db.session.scalars(select(LoginFailure)):
            failure.created_at -= timedelta(minutes=16)
        db.session.commit()
    assert moderator.login().status_code == 303


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/",
        "//evil.example.com/",
        "/\\evil.example.com",
        "javascript:alert(1)",
        "evil.example.com",
        "http:/evil.example.com",
    ],
)
def test_next_is_followed_only_to_local_paths(client, moderator, target):
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={"email": "mod@example.com", "password": MODERATOR_PASSWORD},
    )
    assert response.headers["Location"] == "/moderation/"


def test_next_local_path_is_followed(client, moderator):
    response = client.post(
        "/auth/login",
        query_string={"next": "/moderation/log"},
        data={"email": "mod@example.com", "password": MODERATOR_PASSWORD},
    )
    assert response.headers["Location"] == "/moderation/log"


def test_session_is_cleared_before_login(client, moderator):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    moderator.login()
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_needs_a_post(client, moderator):
    moderator.login()
    assert client.get("/auth/logout").status_code == 405
    assert client.get("/moderation/").status_code == 200
    assert moderator.logout().status_code == 303
    assert client.get("/moderation/").status_code == 302


def test_a_replayed_session_cookie_is_dead_after_logout(app, client, moderator):
    moderator.login()
    stolen = client.get_cookie("session").value
    moderator.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/moderation/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_session_cookie_flags(client, moderator):
    response = moderator.login()
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_form_with_csrf_enabled_refuses_kindly(app, client, moderator):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/auth/login", data={"email": "mod@example.com", "password": MODERATOR_PASSWORD}
    )
    assert response.status_code == 400
    assert b"The login form expired" in response.data


class TestCommands:
    def test_add_asks_twice_and_hashes(self, app, runner):
        result = runner.invoke(
            args=["moderators", "add", "New@Example.com", "--name", "Sam"],
            input=f"{MODERATOR_PASSWORD}\n{MODERATOR_PASSWORD}\n",
        )
        assert result.exit_code == 0, result.output
        assert "Added moderator new@example.com" in result.output
        with app.app_context():
            moderator = db.session.scalar(select(Moderator))
            assert moderator.name == "Sam"
            assert moderator.password_hash.startswith("scrypt:")

    def test_add_refuses_mismatched_confirmation(self, app, runner):
        result = runner.invoke(
            args=["moderators", "add", "a@example.com"],
            input="\n".join([MODERATOR_PASSWORD, "something else"] + [MODERATOR_PASSWORD] * 2),
        )
        assert "do not match" in result.output.lower()
        assert result.exit_code == 0

    def test_add_from_stdin_and_short_password(self, runner):
        ok = runner.invoke(
            args=["moderators", "add", "b@example.com", "--password-stdin"],
            input=MODERATOR_PASSWORD + "\n",
        )
        assert ok.exit_code == 0
        short = runner.invoke(
            args=["moderators", "add", "c@example.com", "--password-stdin"], input="short\n"
        )
        assert short.exit_code != 0
        assert "at least 12 characters" in short.output
        again = runner.invoke(
            args=["moderators", "add", "B@example.com", "--password-stdin"],
            input=MODERATOR_PASSWORD + "\n",
        )
        assert again.exit_code != 0 and "already" in again.output

    def test_list_remove_and_set_password(self, app, client, runner, moderator):
        listed = runner.invoke(args=["moderators", "list"])
        assert "mod@example.com" in listed.output and "never" in listed.output
        moderator.login()
        changed = runner.invoke(
            args=["moderators", "set-password", "mod@example.com", "--password-stdin"],
            input="a brand new passphrase\n",
        )
        assert changed.exit_code == 0
        # Changing the password logs the moderator out everywhere.
        assert client.get("/moderation/").status_code == 302
        assert moderator.login("a brand new passphrase").status_code == 303
        removed = runner.invoke(args=["moderators", "remove", "mod@example.com"])
        assert removed.exit_code == 0
        assert runner.invoke(args=["moderators", "remove", "mod@example.com"]).exit_code != 0
        assert "No moderators yet" in runner.invoke(args=["moderators", "list"]).output


def test_control_characters_in_the_login_email_are_refused_not_stored(client, moderator):
    """Found by Hypothesis on PostgreSQL: a NUL in the email reached the failures table."""
    response = client.post("/auth/login", data={"email": "mod\x00@example.com", "password": "x"})
    assert response.status_code == 400
    assert b"control character" in response.data


def test_control_characters_in_a_queue_search_are_harmless(client, moderator):
    moderator.login()
    assert client.get("/moderation/?q=a%00b").status_code == 200
