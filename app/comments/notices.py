"""Writing notification emails from the notices publishing left (an outbox planner).

Per address, at most NOTIFY_MAX_PER_HOUR notification emails in any hour: a notice
that finds the address at its limit waits (``deferred_at``), and when the hour has
room again every waiting notice goes in one email.  Each notice is checked again when
its email is written: a reply trashed, an address unsubscribed or a thread muted since
sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import joinedload

from app import outbox
from app.comments import subscriptions
from app.comments.listing import thread_page_of
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommentStatus,
    MailKind,
    Notice,
    NoticeKind,
    OutgoingMail,
    Subscription,
)
from app.shared.origin import absolute_url, links_on_site
from app.shared.pages import Page

COUNTED = (MailKind.NOTICE, MailKind.DIGEST)
# The part of the reader's own comment quoted under a reply, to say which one it was.
EXCERPT = 200


@dataclass(frozen=True)
class Item:
    """One notice, ready for an email template."""

    kind: str  # "reply" or "published"
    page_title: str
    url: str  # the comment, on its page of comments
    name: str  # who wrote the comment (the replier, or the reader)
    text: str
    site_reply: bool
    yours: str  # an excerpt of the reader's comment that was answered ("" if published)
    stop_thread_url: str


def plan(now: datetime) -> None:
    """Turn waiting notices into emails, within each address's hourly limit."""
    if not db.session.scalar(select(exists().where(Notice.id.is_not(None)))):
        db.session.rollback()
        return
    with links_on_site(), write_transaction():
        serialise_on("notify-planner")  # two processes never write one notice twice
        digests = db.session.scalars(select(Notice.email_digest).distinct()).all()
        for digest in digests:
            _plan_address(digest, now)


def _plan_address(digest: str, now: datetime) -> None:
    subscription = subscriptions.subscription_for(digest)
    notices = list(
        db.session.scalars(
            select(Notice)
            .where(Notice.email_digest == digest)
            .options(joinedload(Notice.comment))
            .order_by(Notice.created_at, Notice.comment_id)
        )
    )
    valid = [n for n in notices if subscription is not None and _still_wanted(n, subscription)]
    for notice in notices:
        if notice not in valid:
            db.session.delete(notice)
    if not valid:
        return
    cap = int(current_app.config["NOTIFY_MAX_PER_HOUR"])
    room = len(valid) if cap <= 0 else cap - _recent(digest, now)
    if room <= 0:
        for notice in valid:
            notice.deferred_at = notice.deferred_at or now
        return
    if any(n.deferred_at is not None for n in valid):
        batches = [valid]  # the hour has room again: everything that waited, in one email
    else:
        batches = [[n] for n in valid[:room]]
        for notice in valid[room:]:
            notice.deferred_at = now
    for batch in batches:
        _write(subscription, batch, now)
        for notice in batch:
            db.session.delete(notice)


def _still_wanted(notice: Notice, subscription: Subscription) -> bool:
    """Whether the notice should still be sent, as things stand now."""
    comment = notice.comment
    if not subscription.active or comment is None or comment.deleted_at is not None:
        return False
    if comment.status is not CommentStatus.APPROVED:
        return False
    if notice.kind is NoticeKind.PUBLISHED:
        return comment.notify and comment.email_digest == notice.email_digest
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    return (
        parent is not None
        and parent.deleted_at is None
        and parent.notify
        and parent.email_digest == notice.email_digest
        and comment.email_digest != notice.email_digest
    )


def _recent(digest: str, now: datetime) -> int:
    """Notification emails to an address that count against its hour: sent in the
    last hour, or not sent yet (a slow mail server must not let more pile up)."""
    return (
        db.session.scalar(
            select(func.count()).where(
                OutgoingMail.recipient_digest == digest,
                OutgoingMail.kind.in_(COUNTED),
                OutgoingMail.failed_at.is_(None),
                or_(
                    OutgoingMail.sent_at.is_(None),
                    OutgoingMail.sent_at > now - timedelta(hours=1),
                ),
            )
        )
        or 0
    )


def _item(notice: Notice, subscription: Subscription) -> Item:
    comment = notice.comment
    page = Page(comment.article, comment.remedy)
    number = thread_page_of(comment, current_app.config["COMMENTS_PER_PAGE"], frozenset())
    url = absolute_url(page.url(page=number, _anchor=f"comment-{comment.id}"))
    yours = ""
    if notice.kind is NoticeKind.REPLY:
        parent = db.session.get(Comment, comment.parent_id)
        yours = _excerpt(parent.body)
    return Item(
        kind=notice.kind.value,
        page_title=page.title,
        url=url,
        name=comment.author_name,
        text=comment.body,
        site_reply=comment.is_site_reply,
        yours=yours,
        stop_thread_url=subscriptions.stop_url(subscription, comment.root_id or comment.id),
    )


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _write(subscription: Subscription, batch: list[Notice], now: datetime) -> None:
    """Write one email for ``batch`` (one notice, or a digest of those that waited)."""
    site = current_app.config["SITE_NAME"]
    items = [_item(notice, subscription) for notice in batch]
    stop_all = subscriptions.stop_url(subscription)
    body = render_template(
        "mail/notice.txt",
        items=items,
        cap=current_app.config["NOTIFY_MAX_PER_HOUR"],
        stop_all_url=stop_all,
        manage_url=absolute_url(url_for("commenters.manage")),
    )
    if len(items) > 1:
        kind, subject = MailKind.DIGEST, f"[{site}] {len(items)} updates on your comments"
    elif items[0].kind == "published":
        kind, subject = (
            MailKind.NOTICE,
            f"[{site}] Your comment is published: {items[0].page_title}",
        )
    else:
        kind, subject = MailKind.NOTICE, f"[{site}] A reply to your comment: {items[0].page_title}"
    outbox.enqueue(
        kind,
        subscription.email,
        subject,
        body,
        headers={
            # RFC 8058: a mail provider's "Unsubscribe" button POSTs to this address.
            "List-Unsubscribe": f"<{stop_all}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        now=now,
    )


def prune(now: datetime) -> None:
    """Drop notices whose address is gone or no longer wants them (they never send)."""
    with write_transaction():
        active = select(Subscription.email_digest).where(
            Subscription.confirmed_at.is_not(None), Subscription.unsubscribed_at.is_(None)
        )
        db.session.execute(delete(Notice).where(Notice.email_digest.not_in(active)))
