"""Moderator accounts and logging in, with failures throttled per account and per IP.

Failures are counted in the database, so the limit holds across every worker process.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from app.db import write_transaction
from app.extensions import db
from app.models import LoginFailure, Moderator, utcnow

MIN_PASSWORD = 12
# Checked against when the account does not exist, so that both cases take as long.
_DUMMY_HASH = generate_password_hash("relief-timing-equaliser")


class AuthError(Exception):
    """Logging in did not work; ``str()`` is safe to show."""


class BadCredentials(AuthError):
    """Unknown email or wrong password (never says which)."""

    def __init__(self) -> None:
        super().__init__("Wrong email or password.")


class LoginThrottled(AuthError):
    """Too many recent failures for this account or this address."""

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


def add_moderator(email: str, password: str, name: str) -> Moderator:
    """Create a moderator with a scrypt-hashed password.

    :raise AccountError: for a duplicate email, an empty name or a short password.
    """
    email = normalise_email(email)
    check_password_strength(password)
    if "@" not in email:
        raise AccountError(f"{email!r} is not an email address.")
    if not name.strip():
        raise AccountError("The moderator needs a name (shown on their replies).")
    with write_transaction():
        if db.session.scalar(select(Moderator).where(Moderator.email == email)):
            raise AccountError(f"There is already a moderator with the email {email}.")
        moderator = Moderator(
            email=email, name=name.strip(), password_hash=generate_password_hash(password)
        )
        db.session.add(moderator)
    return moderator


def find_moderator(email: str) -> Moderator | None:
    """Return the moderator with this email, if any."""
    return db.session.scalar(select(Moderator).where(Moderator.email == normalise_email(email)))


def set_password(email: str, password: str) -> Moderator:
    """Change a moderator's password and end all their sessions.

    :raise AccountError: for an unknown email or a short password.
    """
    check_password_strength(password)
    with write_transaction():
        moderator = find_moderator(email)
        if moderator is None:
            raise AccountError(f"No moderator has the email {normalise_email(email)}.")
        moderator.password_hash = generate_password_hash(password)
        moderator.session_version += 1
    return moderator


def remove_moderator(email: str) -> None:
    """Delete a moderator; their log entries keep their email.

    :raise AccountError: for an unknown email.
    """
    with write_transaction():
        moderator = find_moderator(email)
        if moderator is None:
            raise AccountError(f"No moderator has the email {normalise_email(email)}.")
        db.session.delete(moderator)


def all_moderators() -> list[Moderator]:
    """Return every moderator, by email."""
    return list(db.session.scalars(select(Moderator).order_by(Moderator.email)))


@dataclass(frozen=True)
class _Window:
    since: datetime
    limit: int
    seconds: int


def _window(now: datetime) -> _Window:
    seconds = current_app.config["LOGIN_FAILURE_WINDOW_SECONDS"]
    return _Window(
        now - timedelta(seconds=seconds), current_app.config["LOGIN_MAX_FAILURES"], seconds
    )


def _throttle(email: str, ip: str, now: datetime) -> None:
    window = _window(now)
    for column, value in ((LoginFailure.email, email), (LoginFailure.ip, ip)):
        count, oldest = db.session.execute(
            select(func.count(), func.min(LoginFailure.created_at)).where(
                column == value, LoginFailure.created_at > window.since
            )
        ).one()
        if count >= window.limit:
            if isinstance(oldest, str):  # SQLite hands aggregates back as text
                oldest = datetime.fromisoformat(oldest)
            if oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=now.tzinfo)
            wait = (oldest + timedelta(seconds=window.seconds) - now).total_seconds()
            raise LoginThrottled(max(1, int(wait)))


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> Moderator:
    """Return the moderator whose email and password these are.

    :raise LoginThrottled: after LOGIN_MAX_FAILURES failures in the window, for this
        account or this address (checked before the password, so guessing stops).
    :raise BadCredentials: for an unknown email or a wrong password; the failure is
        recorded.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    ip = ip[:45]
    with write_transaction():
        _throttle(email, ip, now)
        moderator = find_moderator(email)
        valid = check_password_hash(moderator.password_hash if moderator else _DUMMY_HASH, password)
        if not (moderator and valid):
            db.session.add(LoginFailure(email=email, ip=ip, created_at=now))
        else:
            db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
            moderator.last_login_at = now
    if not (moderator and valid):
        raise BadCredentials()
    return moderator


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
