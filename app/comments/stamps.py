"""The comment form's time stamp: a signed record of when the form was rendered.

The policy holds comments sent faster than a person types (``COMMENTS_MIN_SECONDS``),
and refuses forms older than ``COMMENTS_FORM_MAX_AGE_SECONDS``: without a maximum age,
one stamp saved by a bot would pass the minimum-time check for ever.

The stamp is part of the page every anonymous reader shares (app.content.page_cache):
it records when that copy was rendered (the start of its stamp era), not when this
reader opened it, so the minimum time counts from a moment up to
PAGE_STAMP_REFRESH_SECONDS (plus a shared cache's PAGE_SHARED_MAX_AGE_SECONDS) before
the reader saw the form.  A page rendered for one reader (a form being corrected, a
held comment) carries a stamp of that moment.  A stamp is a pure function of its
moment and SECRET_KEY, so every worker renders the same bytes for the same era.
"""

from __future__ import annotations

import time

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="relief.comment-form")


def form_stamp(now: float | None = None) -> str:
    """Return a signed record of ``now`` (default: this moment), when the form was rendered."""
    return _serializer().dumps(round(now if now is not None else time.time(), 3))


def seconds_since_stamp(stamp: str | None, now: float | None = None) -> float | None:
    """Return seconds since ``form_stamp`` made ``stamp``; None if missing or forged."""
    if not stamp:
        return None
    try:
        shown = float(_serializer().loads(stamp))
    except (BadSignature, TypeError, ValueError):
        return None
    return (now if now is not None else time.time()) - shown


def is_usable(stamp: str | None, now: float | None = None) -> bool:
    """Whether a re-rendered form may keep ``stamp``: genuine and not past its age."""
    seconds = seconds_since_stamp(stamp, now)
    return seconds is not None and seconds <= current_app.config["COMMENTS_FORM_MAX_AGE_SECONDS"]
