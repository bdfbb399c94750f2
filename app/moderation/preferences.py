"""A moderator's own preferences: the queue's order, keyboard shortcuts, moderation email.

Only ever the logged-in moderator's own row (the page has no id in its address) or, from
the command line, the account named by its email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import Moderator, NotifyMode, QueueOrder, utcnow
from app.moderation.digests import DIGEST_MODES


class UnknownModerator(Exception):
    """No moderator has that email address; ``str()`` says so."""


@dataclass(frozen=True)
class Preferences:
    """What a moderator can choose for themselves."""

    queue_order: QueueOrder
    shortcuts: bool
    notify_mode: NotifyMode

    @classmethod
    def of(cls, moderator: Moderator) -> Preferences:
        """The moderator's preferences as they are stored."""
        return cls(moderator.queue_order, moderator.shortcuts, moderator.notify_mode)


def save(moderator_id: int, chosen: Preferences, now: datetime | None = None) -> None:
    """Store a moderator's preferences.

    :raise UnknownModerator: when the account is gone (removed while they were logged in).
    """
    with write_transaction():
        moderator = db.session.get(Moderator, moderator_id, populate_existing=True)
        if moderator is None:
            raise UnknownModerator("This account no longer exists.")
        _switch_email(moderator, chosen.notify_mode, now or utcnow())
        moderator.queue_order = chosen.queue_order
        moderator.shortcuts = chosen.shortcuts


def set_notify(email: str, mode: NotifyMode, now: datetime | None = None) -> Moderator:
    """Change how the moderator with this email hears of held comments (the CLI).

    :raise UnknownModerator: when no moderator has that address.
    """
    with write_transaction():
        moderator = db.session.scalar(
            select(Moderator).where(Moderator.email == email.strip().lower())
        )
        if moderator is None:
            raise UnknownModerator(f"No moderator with the address {email.strip()!r}.")
        _switch_email(moderator, mode, now or utcnow())
    return moderator


def _switch_email(moderator: Moderator, mode: NotifyMode, now: datetime) -> None:
    """Set the email mode, and where the next digest starts counting "new" comments.

    Coming from one email per comment, they have heard of everything waiting: the first
    digest comes a period later and marks only what arrived since.  Coming from no
    email, they have heard of nothing: the first digest goes at once, everything new.
    Between hourly and daily the last digest's time stands.
    """
    if mode is moderator.notify_mode:
        return
    if mode in DIGEST_MODES and moderator.notify_mode is NotifyMode.NOW:
        moderator.digest_sent_at = now
    elif mode in DIGEST_MODES and moderator.notify_mode is NotifyMode.NEVER:
        moderator.digest_sent_at = None
    moderator.notify_mode = mode
