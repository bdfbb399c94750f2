"""Moderator accounts and logging in, with failed logins throttled.

Known devices (browsers with a device cookie for the account, see ``devices``) are
throttled on their own failures; unknown devices per account and per client network.
Failures are counted in the database, so the limits hold across every worker process.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import devices
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import (
    LoginFailure,
    ModerationAction,
    ModerationEvent,
    Moderator,
    ModeratorRole,
    utcnow,
)
from app.netaddr import client_network

MIN_PASSWORD = 12
# Who the moderation log names for changes made with `flask moderators`.
CLI_ACTOR = "command line"
# Checked against when the account does not exist, so that both cases take as long.
_DUMMY_HASH = generate_password_hash("relief-timing-equaliser")


class AuthError(Exception):
    """Logging in did not work; ``str()`` is safe to show."""


class BadCredentials(AuthError):
    """Unknown email or wrong password (never says which)."""

    def __init__(self) -> None:
        super().__init__("Wrong email or password.")


class LoginThrottled(AuthError):
    """Too many recent failures for this device, or for this account or network."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        minutes = max(1, -(-wait_seconds // 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(f"Too many failed attempts. Please wait {minutes} {unit} and try again.")


class AccountError(ValueError):
    """A moderator account cannot be created or changed as asked."""


def normalise_email(email: str) -> str:
    """Moderator emails are compared without regard to case or surrounding space."""
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    """:raise AccountError: for a password shorter than MIN_PASSWORD characters."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must be at least {MIN_PASSWORD} characters long.")


def _describe(moderator: Moderator) -> str:
    return f"{moderator.name} ({moderator.email})"


def _log(by: Moderator | None, action: ModerationAction, detail: str, linked: bool = True) -> None:
    """Leave a line in the moderation log; ``by`` None: the command line.  ``linked``
    False names ``by`` by email only (an account removing itself)."""
    db.session.add(
        ModerationEvent(
            moderator_id=by.id if by is not None and linked else None,
            moderator_email=by.email if by is not None else CLI_ACTOR,
            action=action,
            detail=detail,
        )
    )


def _admin_turn(by: Moderator | None) -> None:
    """Inside a write transaction: let role changes take turns, and check that ``by``
    (None: the command line) is still an admin.

    :raise AccountError: when ``by`` is not an admin (any more).
    """
    serialise_on("moderator-roles")  # two demotions at once cannot both pass the count
    if by is None:
        return
    fresh = db.session.get(Moderator, by.id, populate_existing=True)
    if fresh is None or not fresh.is_admin:
        raise AccountError("Only an admin can manage moderators.")


def _admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Moderator).where(Moderator.role == ModeratorRole.ADMIN)
    )


def add_moderator(
    email: str,
    password: str,
    name: str,
    role: ModeratorRole | None = None,
    by: Moderator | None = None,
) -> Moderator:
    """Create a moderator with a scrypt-hashed password, and log it.

    :param role: None for a moderator, except that the first account on a site with no
        admin becomes an admin (someone must be able to manage the rest).
    :param by: the admin adding them; None for the command line.
    :raise AccountError: for a duplicate email, an empty name or a short password, or
        when ``by`` is not an admin.
    """
    email = normalise_email(email)
    check_password_strength(password)
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError(f"{email!r} is not an email address.")
    if not name.strip():
        raise AccountError("The moderator needs a name (shown on their replies).")
    if len(name.strip()) > 100:
        raise AccountError("Keep the name to 100 characters.")
    with write_transaction():
        _admin_turn(by)
        if db.session.scalar(select(Moderator).where(Moderator.email == email)):
            raise AccountError(f"There is already a moderator with the email {email}.")
        if role is None:
            role = ModeratorRole.MODERATOR if _admin_count() else ModeratorRole.ADMIN
        moderator = Moderator(
            email=email,
            name=name.strip(),
            password_hash=generate_password_hash(password),
            role=role,
        )
        db.session.add(moderator)
        _log(by, ModerationAction.MODERATOR_ADD, f"added {_describe(moderator)} as {role.value}")
    return moderator


def change_role(email: str, role: ModeratorRole, by: Moderator | None = None) -> Moderator:
    """Make a moderator an admin, or an admin a moderator, and log it.

    The site always keeps one admin: demoting the last one is refused, checked in the
    write transaction (two admins demoting each other at once cannot both succeed).

    :raise AccountError: for an unknown email, the last admin, or when ``by`` is not
        an admin.
    """
    with write_transaction():
        _admin_turn(by)
        moderator = _existing(email)
        if moderator.role is role:
            return moderator
        if moderator.role is ModeratorRole.ADMIN and _admin_count() <= 1:
            raise AccountError(
                f"{moderator.email} is the only admin: make someone else an admin first."
            )
        before = moderator.role
        moderator.role = role
        _log(
            by,
            ModerationAction.MODERATOR_ROLE,
            f"{_describe(moderator)}: {before.value} \u2192 {role.value}",
        )
    return moderator


def find_moderator(email: str) -> Moderator | None:
    """Return the moderator with this email, if any."""
    return db.session.scalar(select(Moderator).where(Moderator.email == normalise_email(email)))


def _existing(email: str) -> Moderator:
    """Return the moderator with this email.

    :raise AccountError: when there is none.
    """
    moderator = find_moderator(email)
    if moderator is None:
        raise AccountError(f"No moderator has the email {normalise_email(email)}.")
    return moderator


def set_password(email: str, password: str) -> Moderator:
    """Change a moderator's password and end all their sessions.

    :raise AccountError: for an unknown email or a short password.
    """
    check_password_strength(password)
    with write_transaction():
        moderator = _existing(email)
        moderator.password_hash = generate_password_hash(password)
        moderator.session_version += 1
    return moderator


def remove_moderator(email: str, by: Moderator | None = None) -> None:
    """Delete a moderator, and log it; their log entries keep their email.

    The last admin cannot be removed (not even by themselves), checked in the write
    transaction.

    :raise AccountError: for an unknown email, the last admin, or when ``by`` is not
        an admin.
    """
    with write_transaction():
        _admin_turn(by)
        moderator = _existing(email)
        if moderator.is_admin and _admin_count() <= 1:
            raise AccountError(
                f"{moderator.email} is the only admin: make someone else an admin first."
            )
        # Removing oneself: the log line outlives the account, by its email.
        self_removal = by is not None and by.id == moderator.id
        _log(
            by,
            ModerationAction.MODERATOR_REMOVE,
            f"removed {_describe(moderator)}",
            linked=not self_removal,
        )
        db.session.delete(moderator)


def get_moderator(moderator_id: int) -> Moderator | None:
    """Return the moderator with this id, if any."""
    return db.session.get(Moderator, moderator_id)


def all_moderators() -> list[Moderator]:
    """Return every moderator, admins first, then by email."""
    return list(db.session.scalars(select(Moderator).order_by(Moderator.role, Moderator.email)))


@dataclass(frozen=True)
class Login:
    """A successful login: the moderator, and the device cookie value for their browser."""

    moderator: Moderator
    device_cookie: str


def _wait(condition: ColumnElement[bool], now: datetime) -> int:
    """Return the seconds until the failures matching ``condition`` fall below the limit.

    0 when they are below it already.  The failure that must leave the window is the
    LOGIN_MAX_FAILURES-th newest: once it is out, one more attempt is allowed.
    """
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    window = timedelta(seconds=current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"])
    deciding = db.session.scalar(
        select(LoginFailure.created_at)
        .where(condition, LoginFailure.created_at > now - window)
        .order_by(LoginFailure.created_at.desc())
        .offset(max(limit, 1) - 1)
        .limit(1)
    )
    if deciding is None:
        return 0
    return max(1, math.ceil((deciding + window - now).total_seconds()))


def _throttle(email: str, network: str, device: str | None, now: datetime) -> str | None:
    """Return the device nonce the attempt is trusted by, or None for an unknown device.

    :raise LoginThrottled: when neither the device nor unknown devices may try now.
    """
    device_wait = _wait(LoginFailure.device == device, now) if device else 0
    if device and not device_wait:
        return device  # a known device is held only to its own failures
    unknown = LoginFailure.device.is_(None)
    untrusted_wait = max(
        _wait(unknown & (LoginFailure.email == email), now),
        _wait(unknown & (LoginFailure.network == network), now),
    )
    if untrusted_wait:
        # A locked-out known device is let in again by whichever limit lifts first.
        raise LoginThrottled(min(device_wait, untrusted_wait) if device else untrusted_wait)
    return None


def authenticate(
    email: str,
    password: str,
    address: str | None,
    device_cookie: str | None = None,
    now: datetime | None = None,
) -> Login:
    """Return the moderator whose email and password these are, and a new device cookie.

    ``address`` is the client's IP address, ``device_cookie`` the device cookie the
    browser sent.  Throttling (checked before the password, so that guessing stops):
    a known device for this account may fail LOGIN_MAX_FAILURES times in the window,
    counted for that device alone, and then counts as unknown.  Unknown devices may fail
    that often per account and per client network (IPv6 per /64), all together.

    :raise LoginThrottled: when this attempt may not be tried now.
    :raise BadCredentials: for an unknown email or a wrong password; the failure is
        recorded against the device, or against the account and network.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    network = client_network(address) or "unknown"
    # Every attempt is recorded as a failure before the password is checked, in a short
    # transaction: the slow hash runs outside the write lock (on SQLite it would hold up
    # every comment), and attempts sent at once still count against the limit.
    with write_transaction():
        device = _throttle(email, network, devices.nonce_for(device_cookie, email, now), now)
        attempt = LoginFailure(email=email, network=network, device=device, created_at=now)
        db.session.add(attempt)
    moderator = find_moderator(email)
    valid = check_password_hash(moderator.password_hash if moderator else _DUMMY_HASH, password)
    if not (moderator and valid):
        raise BadCredentials()
    with write_transaction():
        # Only this attempt is taken back: clearing the account's other failures would
        # give a guesser a fresh allowance each time the real moderator logs in.  They
        # stop counting after the window (`flask comments purge-ips` deletes old rows).
        db.session.execute(delete(LoginFailure).where(LoginFailure.id == attempt.id))
        moderator = db.session.get(Moderator, moderator.id)
        moderator.last_login_at = now
    return Login(moderator, devices.issue(device_cookie, email, now))


def end_sessions(moderator: Moderator) -> None:
    """Invalidate every session cookie this moderator holds (used at logout)."""
    with write_transaction():
        fresh = db.session.get(Moderator, moderator.id)
        if fresh is not None:
            fresh.session_version += 1


def load_moderator(user_id: str) -> Moderator | None:
    """Flask-Login's loader: "id:version" must match the moderator's current version."""
    ident, _, version = user_id.partition(":")
    if not (ident.isdigit() and version.isdigit()):
        return None
    moderator = db.session.get(Moderator, int(ident))
    if moderator is None or moderator.session_version != int(version):
        return None
    return moderator
