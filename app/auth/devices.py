"""Device cookies, after OWASP's "Slow Down Online Guessing Attacks with Device Cookies".

A browser that logs in to an account receives a signed cookie naming that account with
a random nonce.  Carrying it makes the browser a *known device* for that account: its
failed logins count against its nonce only, so other people's guessing cannot lock it
out.  The cookie proves nothing about the password; it only decides which failures a
login attempt is counted with.  The account is named by a keyed hash of its normalised
email, so the cookie (signed, not encrypted) does not show the address.

One cookie lists the few accounts a browser has logged in to, newest first, each with
the time it was issued; entries older than ``LOGIN_DEVICE_COOKIE_DAYS`` are ignored
whatever the browser says the cookie's expiry is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Response, current_app, url_for
from itsdangerous import BadData, URLSafeSerializer

COOKIE_NAME = "relief_device"
# Its own salt: no other signed value of the app can pass for a device cookie.
SALT = "relief.login-device"
# Accounts one browser is remembered for; older logins drop off the list.
MAX_ACCOUNTS = 5
NONCE_BYTES = 16
# Longer values are not ours (five entries make about 300 characters).
MAX_COOKIE_LENGTH = 1024


@dataclass(frozen=True)
class Device:
    """One account a browser has logged in to: the nonce its failures are counted under."""

    account: str  # account_key() of the login
    nonce: str
    issued: int  # Unix time


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _lifetime() -> timedelta:
    return timedelta(days=current_app.config["LOGIN_DEVICE_COOKIE_DAYS"])


def account_key(login: str) -> str:
    """Return how a device cookie names the account whose normalised email is ``login``."""
    secret = current_app.config["SECRET_KEY"]
    key = secret if isinstance(secret, bytes) else secret.encode("utf-8")
    digest = hmac.new(key, f"{SALT}:{login}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def read(value: str | None, now: datetime) -> list[Device]:
    """Return the unexpired entries of a device cookie; none for a forged or odd one."""
    if not value or len(value) > MAX_COOKIE_LENGTH:
        return []
    try:
        entries = _serializer().loads(value)
    except (BadData, UnicodeError):
        return []
    if not isinstance(entries, list):
        return []
    oldest = (now - _lifetime()).timestamp()
    devices = []
    for entry in entries[:MAX_ACCOUNTS]:
        if not (
            isinstance(entry, list)
            and len(entry) == 3
            and isinstance(entry[0], str)
            and isinstance(entry[1], str)
            and type(entry[2]) is int
        ):
            return []  # we never wrote this: treat the whole cookie as unknown
        if entry[2] > oldest:
            devices.append(Device(*entry))
    return devices


def nonce_for(value: str | None, login: str, now: datetime) -> str | None:
    """Return the nonce this cookie holds for ``login``, or None for an unknown device."""
    account = account_key(login)
    return next((d.nonce for d in read(value, now) if d.account == account), None)


def issue(value: str | None, login: str, now: datetime) -> str:
    """Return a cookie value listing ``login`` first with a fresh nonce, others kept.

    The nonce is new at every login (OWASP: issue a new cookie on success), so a device
    that was locked out and then proved the password is known again.
    """
    fresh = Device(account_key(login), secrets.token_urlsafe(NONCE_BYTES), int(now.timestamp()))
    others = [d for d in read(value, now) if d.account != fresh.account]
    entries = [fresh, *others][:MAX_ACCOUNTS]
    return _serializer().dumps([[d.account, d.nonce, d.issued] for d in entries])


def set_cookie(response: Response, value: str) -> None:
    """Attach the device cookie, sent back only to the login URL and never to scripts."""
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=int(_lifetime().total_seconds()),
        path=url_for("auth.login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
