"""Telling moderators that a comment waits, with one-click action links.

This module sends an email per held comment to the moderators who want one at once;
``app.moderation.digests`` lists them for those who chose an hourly or daily digest.

Each email carries links to approve, mark as spam or trash the comment.  A link opens a
confirmation page whose button POSTs, so mail scanners and link previews that fetch
links change nothing.  The links of one email are signed, expire after
EMAIL_ACTION_DAYS, and work once: using one uses them all.

The emails go through the outbox (``app.outbox``), written in the same transaction as
their links, so a mail server that is down delays them instead of losing them.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app import mail, outbox
from app.comments.signals import comment_held
from app.db import write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    EmailActionToken,
    MailKind,
    ModerationAction,
    Moderator,
    NotifyMode,
    utcnow,
)
from app.moderation import services
from app.moderation.actions import LABELS
from app.shared.origin import absolute_url, links_on_site
from app.shared.pages import Page
from app.shared.signing import TimedSerializer

EMAIL_ACTIONS = (ModerationAction.APPROVE, ModerationAction.SPAM, ModerationAction.TRASH)
EXTENSION_KEY = "relief.held_mail"


def _serializer() -> URLSafeTimedSerializer:
    return TimedSerializer(current_app.config["SECRET_KEY"], salt="relief.email-action")


def _max_age() -> int:
    return current_app.config["EMAIL_ACTION_DAYS"] * 86400


def action_url(token_id: str, action: ModerationAction) -> str:
    """Return the absolute address of one action link."""
    signed = _serializer().dumps({"t": token_id, "a": action.value})
    return absolute_url(url_for("email_actions.confirm", signed=signed))


def _message_for(comment: Comment, moderator: Moderator, token_id: str) -> tuple[str, str]:
    """The subject and text of one moderator's email about a held comment."""
    page = Page(comment.article, comment.remedy)
    queue = absolute_url(url_for("moderation.queue"))
    links = "\n".join(
        f"{LABELS[action]}: {action_url(token_id, action)}" for action in EMAIL_ACTIONS
    )
    body = (
        f"A comment is waiting for moderation on \u201c{page.title}\u201d.\n\n"
        f"Page: {absolute_url(page.url())}\n"
        f"Name: {comment.author_name}\n"
        f"Why it is held: {comment.reason}\n\n"
        f"{comment.body}\n\n"
        f"---\n{links}\n\n"
        f"Each link opens a page where you confirm the action. The links work once and "
        f"expire in {current_app.config['EMAIL_ACTION_DAYS']} days.\n"
        f"The queue: {queue}\n"
    )
    subject = f"[{current_app.config['SITE_NAME']}] Comment awaiting moderation: {page.title}"
    return subject, body


def notify_held(comment_id: int):
    """Have every moderator emailed about a held comment, off the request path.

    The comment joins this process's queue (``HeldMail``); the links, tokens and
    messages are made on the mail thread and queued in the outbox, which sends them.
    The commenter never waits for them and a failure there never reaches them.  Never
    raises.

    :return: the background job's Future when this call started one; None when a job
        already under way takes the comment too, or when no mail server is configured.
    """
    if not current_app.config["MAIL_SERVER"]:
        mail.log.info("Mail not sent (no MAIL_SERVER): comment %s is held", comment_id)
        return None
    return current_app.extensions[EXTENSION_KEY].add(comment_id)


class HeldMail:
    """The held comments of this process that wait for their moderators' emails.

    One job on the mail thread takes every comment waiting by then and writes their
    emails in one transaction, then looks again: a burst of held comments (a busy
    thread, a spam run) costs one transaction and one outbox drain per batch, not one
    of each per comment, and takes no time from the requests that sent them.  Like the
    job per comment it replaces, the queue lives in memory: a process that dies first
    loses these emails (the comments wait in the queue and in the digests all the same).
    Made anew in a forked child (the pid), like ``mail.MailPool``.
    """

    # How long the job lets held comments gather before writing their emails: under a
    # burst, one transaction and one drain (one SMTP connection) take them all; a lone
    # comment's email leaves this much later, which no moderator notices.
    gather_seconds = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[int] = []
        self._running = False
        self._pid: int | None = None

    def add(self, comment_id: int):
        """Queue a comment; start the job unless one runs.  Return its Future, or None."""
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._waiting, self._running = os.getpid(), [], False
            self._waiting.append(comment_id)
            if self._running:
                return None
            self._running = True
        try:
            return mail.in_background(self._run)
        except RuntimeError:  # the mail pool is shutting down with the process
            with self._lock:
                self._running = False
            return None

    def _run(self) -> int:
        """Write the emails of every waiting comment, batch after batch; return how many
        emails were queued."""
        queued = 0
        while True:
            time.sleep(self.gather_seconds)
            with self._lock:
                batch, self._waiting = self._waiting, []
                if not batch:
                    self._running = False
                    return queued
            try:
                queued += _notify(batch)
            except Exception:
                db.session.rollback()
                mail.log.exception("Emails about held comments %s were not queued", batch)


def _notify(comment_ids: list[int]) -> int:
    """Queue one email (with its single-use links) per held comment and moderator who
    asked for one at once (``NotifyMode.NOW``), in one transaction; the outbox sends
    them once this commits.  Return how many were queued.  Moderators who chose a
    digest find the comments in their next one (``app.moderation.digests``); those who
    chose never, nowhere.

    Every link is on SITE_URL: the commenter's request, and so its Host header, has no
    say in where a moderator's click goes.
    """
    now = utcnow()
    days = current_app.config["EMAIL_ACTION_DAYS"]
    queued = 0
    with links_on_site(), write_transaction():
        # Moderated (or gone) before the mail went out: nothing to say.
        comments = db.session.scalars(
            db.select(Comment)
            .where(Comment.id.in_(comment_ids), Comment.status == CommentStatus.PENDING)
            .order_by(Comment.id)
        ).all()
        if not comments:
            return 0
        # Digest readers hear of them in their next digest, which this drain may send.
        outbox.kick_after_commit()
        moderators = db.session.scalars(
            db.select(Moderator).where(Moderator.notify_mode == NotifyMode.NOW)
        ).all()
        for comment in comments:
            for moderator in moderators:
                token = EmailActionToken(
                    id=secrets.token_urlsafe(24),
                    comment_id=comment.id,
                    moderator_id=moderator.id,
                    created_at=now,
                    expires_at=now + timedelta(days=days),
                )
                db.session.add(token)
                subject, body = _message_for(comment, moderator, token.id)
                outbox.enqueue(MailKind.MODERATION, moderator.email, subject, body, now=now)
                queued += 1
    return queued


class LinkError(Exception):
    """An action link that cannot be used; ``str()`` says why, for the page."""


@dataclass(frozen=True)
class EmailAction:
    """A checked action link: the token row and the action it asks for."""

    token: EmailActionToken
    action: ModerationAction


def resolve(signed: str) -> EmailAction:
    """Check an action link.

    :raise LinkError: for a forged, expired or used link, or one whose comment is gone.
    """
    try:
        data = _serializer().loads(signed, max_age=_max_age())
        action = ModerationAction(data["a"])
        token_id = str(data["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkError(
            "This link is not valid or has expired. Please use the moderation queue."
        ) from None
    if action not in EMAIL_ACTIONS:
        raise LinkError("This link is not valid. Please use the moderation queue.")
    token = db.session.get(EmailActionToken, token_id)
    if token is None:
        raise LinkError("This link is not valid any more. Please use the moderation queue.")
    if token.used_at is not None:
        raise LinkError("This link has already been used. Please use the moderation queue.")
    if token.expires_at <= utcnow():
        raise LinkError("This link has expired. Please use the moderation queue.")
    return EmailAction(token, action)


def carry_out(signed: str) -> str:
    """Use an action link: mark it used and apply its action as its moderator.

    :raise LinkError: as ``resolve`` does, or when the action no longer applies.
    """
    link = resolve(signed)
    with write_transaction():
        token = db.session.get(EmailActionToken, link.token.id, with_for_update=True)
        if token is None or token.used_at is not None:
            raise LinkError("This link has already been used. Please use the moderation queue.")
        token.used_at = utcnow()
        moderator_id, comment_id = token.moderator_id, token.comment_id
    moderator = db.session.get(Moderator, moderator_id)
    try:
        return services.act(
            comment_id,
            link.action,
            moderator,
            expected=CommentStatus.PENDING,
            detail="from an email link",
        ).message
    except services.ModerationError as exc:
        raise LinkError(str(exc)) from None


def _on_comment_held(app, comment_id: int) -> None:
    notify_held(comment_id)


def init_app(app) -> None:
    """Email the moderators whenever the comment services hold a new comment."""
    app.extensions[EXTENSION_KEY] = HeldMail()
    comment_held.connect(_on_comment_held, sender=app)
