"""Moderators' digests: one email listing the held comments, hourly or daily.

A moderator chooses (``Moderator.notify_mode``) between an email per held comment as
it arrives (``app.moderation.notifications``), a digest, or nothing.  A digest lists
every comment still waiting, not only those since the last one: a comment nobody acted
on must not drop out of sight.  Those that arrived (or were held again) since the
moderator's previous digest are marked "new".  Comments whose text has red-flag
phrases come first, under "Needs a careful answer"; then the new ones; then the
others, oldest first.  Each listed comment has its own approve / spam / trash links
(one ``EmailActionToken`` per comment, the same confirmation page as the single
emails), so using one comment's link leaves the others' working.

When a digest is due:

- hourly: at most one an hour, as soon as something waits (the first comment after a
  quiet spell is not kept back for an hour);
- daily: one a day, the first time the outbox drains after MODERATION_DIGEST_HOUR
  (UTC), and only if something waits then; a comment arriving later waits for the
  next day's digest.

``plan`` is an outbox planner: every drain (every MAIL_DRAIN_SECONDS in each serving
process, after each commit that queued mail, and ``flask moderation send-digests``)
asks it.  Whether a moderator's digest is due is decided by a conditional UPDATE of
``digest_sent_at`` (``WHERE digest_sent_at IS NULL OR digest_sent_at < :due``) in the
same transaction that queues the email: of several workers or servers asking at once,
exactly one sees its UPDATE change the row and sends; the others change nothing.

Commenters' email addresses never appear in a digest (nor in any moderation email):
mail is copied, forwarded and kept in more places than the queue, which shows them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import and_, case, exists, false, func, or_, select, true, update
from sqlalchemy.orm import joinedload

from app import outbox
from app.db import write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    EmailActionToken,
    MailKind,
    ModerationAction,
    ModerationEvent,
    ModerationEventItem,
    Moderator,
    NotifyMode,
)
from app.moderation.actions import LABELS
from app.moderation.notifications import EMAIL_ACTIONS, action_url
from app.shared.origin import absolute_url, links_on_site
from app.shared.pages import Page

DIGEST_MODES = (NotifyMode.HOURLY, NotifyMode.DAILY)
HOUR = timedelta(hours=1)
# The characters of each comment a digest quotes.
EXCERPT = 300
# Logged actions that put a comment back in the queue: one so changed after a digest
# is new to the next one, however old the comment.
BACK_TO_PENDING = (
    ModerationAction.HOLD,
    ModerationAction.AUTHOR_EDIT,
    ModerationAction.UNAPPROVE,
    ModerationAction.NOT_SPAM,
    ModerationAction.RESTORE,
)


@dataclass(frozen=True)
class DigestItem:
    """One held comment, ready for the digest's template."""

    comment_id: int
    page_title: str
    page_url: str
    name: str
    reason: str
    excerpt: str
    red_flags: list[str]
    new: bool
    links: list[tuple[str, str]]  # (label, address) for approve, spam, trash


@dataclass(frozen=True)
class Digest:
    """What one moderator's digest says."""

    subject: str
    body: str
    listed: int
    total: int


def daily_slot(now: datetime, hour: int) -> datetime:
    """The latest time of day ``hour``:00 UTC at or before ``now``."""
    slot = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return slot if slot <= now else slot - timedelta(days=1)


def _due(now: datetime):
    """The SQL condition: this moderator's digest is due at ``now``."""
    sent = Moderator.digest_sent_at
    slot = daily_slot(now, current_app.config["MODERATION_DIGEST_HOUR"])
    return or_(
        and_(Moderator.notify_mode == NotifyMode.HOURLY, or_(sent.is_(None), sent <= now - HOUR)),
        and_(Moderator.notify_mode == NotifyMode.DAILY, or_(sent.is_(None), sent < slot)),
    )


def _waiting():
    """The SQL condition for a comment waiting in the queue."""
    return and_(Comment.status == CommentStatus.PENDING, Comment.deleted_at.is_(None))


def plan(now: datetime) -> None:
    """Queue the digests that are due (an outbox planner: quick when none is)."""
    send_due(now)


def send_due(now: datetime) -> int:
    """Queue every digest due now; return how many were queued."""
    due = db.session.execute(
        select(Moderator.id, Moderator.notify_mode).where(_due(now)).order_by(Moderator.id)
    ).all()
    waiting = bool(due) and db.session.scalar(select(exists().where(_waiting())))
    db.session.rollback()  # end the read: a long-lived one holds SQLite's log back
    queued = 0
    for moderator_id, mode in due:
        # An hourly digest with nothing to say waits for something to; a daily one
        # passes its day (claim_and_queue marks it so) and goes tomorrow.
        if waiting or mode is NotifyMode.DAILY:
            queued += claim_and_queue(moderator_id, now) is not None
    return queued


def claim_and_queue(moderator_id: int, now: datetime) -> Digest | None:
    """Take this moderator's due digest and queue it, in one transaction.

    :return: the digest queued, or None when it was not due (any more: another process
        took it first), or when nothing waits (a daily digest then counts as done for
        the day; an hourly one does not, so the next comment is not kept back).
    """
    with links_on_site(), write_transaction():
        moderator = db.session.get(Moderator, moderator_id, populate_existing=True)
        if moderator is None or moderator.notify_mode not in DIGEST_MODES:
            return None
        previous = moderator.digest_sent_at
        waiting = db.session.scalar(select(func.count()).where(_waiting())) or 0
        if not waiting and moderator.notify_mode is NotifyMode.HOURLY:
            return None
        claimed = db.session.execute(
            update(Moderator)
            .where(Moderator.id == moderator_id, _due(now))
            .values(digest_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1 or not waiting:
            return None
        digest = _write(moderator, previous, now)
        outbox.enqueue(MailKind.MODERATION, moderator.email, digest.subject, digest.body, now=now)
    return digest


def _new_since(previous: datetime | None):
    """The SQL condition: a waiting comment arrived or was held again after ``previous``."""
    if previous is None:
        return true()
    held_again = exists().where(
        ModerationEvent.comment_id == Comment.id,
        ModerationEvent.action.in_(BACK_TO_PENDING),
        ModerationEvent.created_at > previous,
    )
    # Bulk actions log one entry with an item per comment.
    put_back = exists().where(
        ModerationEventItem.comment_id == Comment.id,
        ModerationEventItem.status_after == CommentStatus.PENDING,
        ModerationEventItem.event_id == ModerationEvent.id,
        ModerationEvent.created_at > previous,
    )
    return or_(Comment.created_at > previous, held_again, put_back)


def _write(moderator: Moderator, previous: datetime | None, now: datetime) -> Digest:
    """Make the tokens and text of one moderator's digest (in the caller's transaction)."""
    config = current_app.config
    new = _new_since(previous)
    flagged = Comment.red_flags != ""
    total, new_count, red_count = db.session.execute(
        select(
            func.count(),
            func.count().filter(new),
            func.count().filter(flagged),
        ).where(_waiting())
    ).one()
    rows = db.session.execute(
        select(Comment, case((new, true()), else_=false()))
        .where(_waiting())
        .options(joinedload(Comment.article), joinedload(Comment.remedy))
        .order_by(
            case((flagged, 0), else_=1),
            case((new, 0), else_=1),
            Comment.created_at,
            Comment.id,
        )
        .limit(max(1, config["MODERATION_DIGEST_MAX"]))
    ).all()
    expires = now + timedelta(days=config["EMAIL_ACTION_DAYS"])
    items = []
    for comment, is_new in rows:
        token = EmailActionToken(
            id=secrets.token_urlsafe(24),
            comment_id=comment.id,
            moderator_id=moderator.id,
            created_at=now,
            expires_at=expires,
        )
        db.session.add(token)
        items.append(_item(comment, bool(is_new), token.id))
    body = render_template(
        "mail/moderation_digest.txt",
        moderator=moderator,
        items=items,
        total=total,
        new_count=new_count,
        red_count=red_count,
        previous=previous,
        hourly=moderator.notify_mode is NotifyMode.HOURLY,
        hour=config["MODERATION_DIGEST_HOUR"],
        days=config["EMAIL_ACTION_DAYS"],
        queue_url=absolute_url(url_for("moderation.queue")),
        preferences_url=absolute_url(url_for("moderation.preferences")),
    )
    return Digest(subject_for(total, new_count, red_count), body, len(items), total)


def subject_for(total: int, new: int, red: int) -> str:
    """E.g. "[Relief] 12 comments waiting, 3 new (2 need a careful answer)"."""
    subject = f"[{current_app.config['SITE_NAME']}] {_plural(total, 'comment')} waiting"
    if 0 < new < total:
        subject += f", {new} new"
    if red:
        subject += f" ({red} {'needs' if red == 1 else 'need'} a careful answer)"
    return subject


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _item(comment: Comment, new: bool, token_id: str) -> DigestItem:
    page = Page(comment.article, comment.remedy)
    return DigestItem(
        comment_id=comment.id,
        page_title=page.title,
        page_url=absolute_url(page.url()),
        name=comment.author_name,
        reason=comment.reason,
        excerpt=excerpt(comment.body),
        red_flags=comment.red_flag_list,
        new=new,
        links=[(LABELS[action], action_url(token_id, action)) for action in EMAIL_ACTIONS],
    )


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The text on one line, cut at a word near ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 2 // 3:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"
