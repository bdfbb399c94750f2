"""Moderator accounts, logging in and out, throttling and redirects."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Moderator
from tests.conftest import MODERATOR_PASSWORD, ModeratorHelper


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
    # A browser that never logged in is an unknown device: the account's limit applies.
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
        # The site's only admin stays (test_moderator_roles.py has the rest).
        refused = runner.invoke(args=["moderators", "remove", "mod@example.com"])
        assert refused.exit_code != 0 and "only admin" in refused.output
        add_other = ["moderators", "add", "two@example.com", "--admin", "--password-stdin"]
        assert runner.invoke(args=add_other, input=f"{MODERATOR_PASSWORD}\n").exit_code == 0
        removed = runner.invoke(args=["moderators", "remove", "mod@example.com"])
        assert removed.exit_code == 0
        assert runner.invoke(args=["moderators", "remove", "mod@example.com"]).exit_code != 0
        assert "mod@example.com" not in runner.invoke(args=["moderators", "list"]).output


def test_control_characters_in_the_login_email_are_refused_not_stored(client, moderator):
    """Found by Hypothesis on PostgreSQL: a NUL in the email reached the failures table."""
    response = client.post("/auth/login", data={"email": "mod\x00@example.com", "password": "x"})
    assert response.status_code == 400
    assert b"control character" in response.data


def test_control_characters_in_a_queue_search_are_harmless(client, moderator):
    moderator.login()
    assert client.get("/moderation/?q=a%00b").status_code == 200


# --- Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies") ---

DEVICE_COOKIE = "relief_device"


def browser(app, address: str = "127.0.0.1"):
    """A separate browser (its own cookies) at ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def fail_from_elsewhere(app, email: str, times: int = 6, first: int = 1) -> list[int]:
    """Wrong passwords for ``email``, each from a new browser at a new address."""
    return [
        browser(app, f"198.51.100.{n}")
        .post("/auth/login", data={"email": email, "password": "wrong password"})
        .status_code
        for n in range(first, first + times)
    ]


def known_browser(app, moderator, address: str = "127.0.0.1"):
    """A browser that has logged in to ``moderator``'s account before (and logged out)."""
    known = browser(app, address)
    assert moderator.login(client=known).status_code == 303
    assert moderator.logout(client=known).status_code == 303
    return known


@pytest.fixture
def second_moderator(app):
    from app.auth.services import add_moderator

    with app.app_context():
        add_moderator("other@example.com", MODERATOR_PASSWORD, "Other moderator")
    return ModeratorHelper(app, app.test_client(), "other@example.com")


def test_a_known_browser_gets_in_whatever_others_tried(app, moderator):
    known = known_browser(app, moderator)
    # Wrong passwords from anywhere else lock the account for unknown devices...
    assert fail_from_elsewhere(app, "mod@example.com") == [401] * 5 + [429]
    assert moderator.login(client=browser(app, "192.0.2.50")).status_code == 429
    # ...but not for the moderator's own browser, again and again.
    for _ in range(3):
        assert moderator.login(client=known).status_code == 303
        assert known.get("/moderation/").status_code == 200
        moderator.logout(client=known)


def test_an_unknown_device_is_throttled_per_account_wherever_it_is(app, moderator):
    assert fail_from_elsewhere(app, "mod@example.com", times=5) == [401] * 5
    fresh = browser(app, "192.0.2.60")
    response = moderator.login(client=fresh)
    assert response.status_code == 429
    assert fresh.get("/moderation/").status_code == 302


def test_an_address_full_of_failures_does_not_lock_a_known_device_behind_it(
    app, moderator, second_moderator
):
    office = "203.0.113.5"
    colleague = known_browser(app, second_moderator, office)
    for n in range(5):
        browser(app, office).post(
            "/auth/login", data={"email": f"guess{n}@example.com", "password": "x"}
        )
    # Unknown devices at that address wait, for every account...
    assert moderator.login(client=browser(app, office)).status_code == 429
    assert second_moderator.login(client=browser(app, office)).status_code == 429
    # ...the colleague's known browser does not.
    assert second_moderator.login(client=colleague).status_code == 303


def test_a_known_devices_own_failures_lock_that_device_only(app, moderator):
    laptop = known_browser(app, moderator, "192.0.2.10")
    phone = known_browser(app, moderator, "192.0.2.11")
    assert [moderator.login("wrong password", client=laptop).status_code for _ in range(5)] == [
        401
    ] * 5
    # The phone and unknown devices are untouched by the laptop's mistakes.
    assert moderator.login(client=phone).status_code == 303
    moderator.logout(client=phone)
    assert moderator.login(client=browser(app, "192.0.2.12")).status_code == 303
    # The laptop is now an unknown device: once others lock the account, it waits too.
    assert fail_from_elsewhere(app, "mod@example.com", times=5) == [401] * 5
    assert moderator.login(client=laptop).status_code == 429
    assert moderator.login(client=phone).status_code == 303


def _tamper(value: str) -> str:
    payload, _, signature = value.rpartition(".")
    flipped = "A" if signature[0] != "A" else "B"
    return f"{payload}.{flipped}{signature[1:]}"


def test_forged_or_foreign_device_cookies_count_as_unknown(app, moderator, second_moderator):
    from itsdangerous import URLSafeSerializer

    known = known_browser(app, moderator)
    genuine = known.get_cookie(DEVICE_COOKIE, path="/auth/login").value
    colleague = known_browser(app, second_moderator)
    assert fail_from_elsewhere(app, "mod@example.com", times=5) == [401] * 5

    with app.app_context():
        from app.auth.devices import account_key

        account = account_key("mod@example.com")
    forged_key = URLSafeSerializer("not-our-secret", salt="relief.login-device").dumps(
        [[account, "x" * 22, 2_000_000_000]]
    )
    for value in (_tamper(genuine), forged_key, genuine + "x", "garbage", "é" * 5000, "[]"):
        response = browser(app, "192.0.2.70").post(
            "/auth/login",
            data={"email": "mod@example.com", "password": MODERATOR_PASSWORD},
            headers={"Cookie": f"{DEVICE_COOKIE}={value}"},
        )
        assert response.status_code == 429, value[:40]
    # A device known for another account is unknown for this one.
    assert moderator.login(client=colleague).status_code == 429
    # The genuine cookie, even copied into another browser, is what makes a device known.
    copy = browser(app, "192.0.2.71")
    copy.set_cookie(DEVICE_COOKIE, genuine, path="/auth/login")
    assert moderator.login(client=copy).status_code == 303


def test_ipv6_addresses_in_one_64_count_together(app, moderator):
    for n in range(1, 6):
        response = browser(app, f"2001:db8:1:2::{n}").post(
            "/auth/login", data={"email": f"guess{n}@example.com", "password": "x"}
        )
        assert response.status_code == 401
    assert moderator.login(client=browser(app, "2001:db8:1:2:ffff::9")).status_code == 429
    assert moderator.login(client=browser(app, "2001:db8:1:3::1")).status_code == 303


def test_throttled_login_says_when_to_retry_and_keeps_the_email(client, moderator):
    for _ in range(5):
        moderator.login("wrong password")
    blocked = client.post("/auth/login", data={"email": "MOD@example.com", "password": "x"})
    assert blocked.status_code == 429
    assert 890 <= int(blocked.headers["Retry-After"]) <= 900
    assert blocked.headers["Cache-Control"] == "private, no-store"
    body = blocked.get_data(as_text=True)
    assert "Please wait 15 minutes" in body
    assert 'value="MOD@example.com"' in body


def test_retry_after_counts_from_the_failure_that_must_expire(app, client, moderator):
    from datetime import timedelta

    from app.models import LoginFailure

    for _ in range(5):
        moderator.login("wrong password")
    with app.app_context():
        for n, failure in enumerate(db.session.scalars(select(LoginFailure))):
            failure.created_at -= timedelta(minutes=10 - n)  # 10, 9, 8, 7, 6 minutes ago
        db.session.commit()
    blocked = moderator.login()
    assert blocked.status_code == 429
    assert 290 <= int(blocked.headers["Retry-After"]) <= 300  # the oldest expires in 5
    assert "Please wait 5 minutes" in blocked.get_data(as_text=True)


def test_device_cookie_flags(client, moderator):
    response = moderator.login()
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{DEVICE_COOKIE}=")
    )
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/auth/login" in cookie
    assert f"Max-Age={365 * 24 * 3600}" in cookie
    assert "Secure" not in cookie  # SESSION_COOKIE_SECURE is off in tests; on in production
    value = cookie.split(";")[0].split("=", 1)[1]
    payload = value.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    assert b"@example.com" not in decoded  # the account is named by a keyed hash


def test_a_browser_remembers_several_accounts(app, moderator, second_moderator):
    shared = known_browser(app, moderator)
    assert second_moderator.login(client=shared).status_code == 303
    second_moderator.logout(client=shared)
    for email in ("mod@example.com", "other@example.com"):
        assert fail_from_elsewhere(app, email, times=5) == [401] * 5
    assert moderator.login(client=shared).status_code == 303
    moderator.logout(client=shared)
    assert second_moderator.login(client=shared).status_code == 303


def test_an_expired_device_cookie_is_unknown(app, moderator):
    known = known_browser(app, moderator)
    app.config["LOGIN_DEVICE_COOKIE_DAYS"] = 0
    assert fail_from_elsewhere(app, "mod@example.com", times=5) == [401] * 5
    assert moderator.login(client=known).status_code == 429


@pytest.mark.parametrize(
    "payload",
    [{"mod@example.com": "x"}, "mod@example.com", [["mod@example.com", "x", True]], [[1, 2, 3]]],
)
def test_a_signed_device_cookie_of_the_wrong_shape_is_unknown_not_an_error(app, moderator, payload):
    from itsdangerous import URLSafeSerializer

    value = URLSafeSerializer(app.config["SECRET_KEY"], salt="relief.login-device").dumps(payload)
    assert fail_from_elsewhere(app, "mod@example.com", times=5) == [401] * 5
    odd = browser(app, "192.0.2.80")
    odd.set_cookie(DEVICE_COOKIE, value, path="/auth/login")
    assert moderator.login(client=odd).status_code == 429


@pytest.mark.parametrize("password", ["", "wrong password here"])
def test_a_refused_login_page_holding_the_typed_email_is_private(client, moderator, password):
    response = client.post("/auth/login", data={"email": "mod@example.com", "password": password})
    assert response.status_code in {400, 401}
    assert b"mod@example.com" in response.data
    assert response.headers["Cache-Control"] == "private, no-store"
