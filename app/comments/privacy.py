"""Commenters' data over time and on request: IP anonymisation, export, erasure, and
re-encryption of stored emails with a new key."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import selectinload, undefer

from app.comments import subscriptions
from app.comments.reports import forget_networks
from app.comments.services import remove_for_good, touch_pages
from app.crypto import cipher, digest_of
from app.db import write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommentRevision,
    EmailActionToken,
    LoginFailure,
    ModerationAction,
    ModerationEvent,
    utcnow,
)
from app.shared.pages import Page, PageKey

CLI_ACTOR = "command line"


def anonymise_ip(ip: str) -> str:
    """Keep only the network: 203.0.113.7 -> 203.0.113.0/24, IPv6 to its /48."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown/0"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def purge_ips(days: int, now: datetime | None = None) -> int:
    """Anonymise the IP address and drop the user agent and the rate-limit network of
    comments older than ``days``, and the network of reports about comments;
    delete old login failures and used or expired email links.  Return comments changed.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    with write_transaction():
        rows = db.session.execute(
            select(Comment.id, Comment.ip).where(
                Comment.created_at < cutoff,
                Comment.ip.is_not(None),
                Comment.ip.not_like("%/%"),  # already anonymised
            )
        ).all()
        for comment_id, ip in rows:
            db.session.execute(
                update(Comment)
                .where(Comment.id == comment_id)
                .values(ip=anonymise_ip(ip), user_agent=None, client_net=None)
            )
        db.session.execute(delete(LoginFailure).where(LoginFailure.created_at < cutoff))
        forget_networks(cutoff)  # readers' reports keep their network no longer either
        db.session.execute(delete(EmailActionToken).where(EmailActionToken.expires_at < now))
    return len(rows)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_by_email(email: str) -> dict[str, Any]:
    """Return everything stored about a normalised email address, as plain data."""
    return export_by_digest(digest_of(email), email)


def export_by_digest(digest: str, email: str) -> dict[str, Any]:
    """Return everything stored under an address's keyed hash, as plain data: its
    comments with their earlier versions, and its notification settings.

    ``email`` is the address as the export names it (as typed for the command line, as
    last stored for the manage page)."""
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.email_digest == digest, Comment.deleted_at.is_(None))
        .options(undefer(Comment.author_email), selectinload(Comment.article))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    revisions: dict[int, list[CommentRevision]] = {}
    for revision in db.session.scalars(
        select(CommentRevision)
        .where(CommentRevision.comment_id.in_([c.id for c in comments]))
        .order_by(CommentRevision.created_at)
    ):
        revisions.setdefault(revision.comment_id, []).append(revision)
    items = []
    for comment in comments:
        page = Page(comment.article, comment.remedy)
        earlier = revisions.get(comment.id, [])
        items.append(
            {
                "id": comment.id,
                "page": {"title": page.title, "path": page.url()},
                "status": comment.status.value,
                "name": comment.author_name,
                "email": comment.author_email,
                "website": comment.author_website,
                "text": comment.body,
                "in_reply_to": comment.parent_id,
                "created_at": _iso(comment.created_at),
                "approved_at": _iso(comment.approved_at),
                "edited_at": _iso(comment.edited_at),
                "ip": comment.ip,
                "user_agent": comment.user_agent,
                "moderation_reason": comment.reason,
                "email_me_about_replies": comment.notify,
                "earlier_versions": [
                    {
                        "name": r.author_name,
                        "website": r.author_website,
                        "text": r.body,
                        "replaced_at": _iso(r.created_at),
                    }
                    for r in earlier
                ],
            }
        )
    return {
        "email": email,
        "exported_at": _iso(utcnow()),
        "comments": items,
        "notifications": subscriptions.describe(digest),
    }


def erase_by_email(email: str, now: datetime | None = None) -> tuple[int, int]:
    """Remove a person's comments: deleted, or scrubbed placeholders where replies hang.

    :return: (comments deleted, comments left as placeholders)
    """
    return erase_by_digest(digest_of(email), now, actor=CLI_ACTOR)


def erase_by_digest(
    digest: str, now: datetime | None = None, *, actor: str = CLI_ACTOR
) -> tuple[int, int]:
    """Remove everything stored under an address's keyed hash: its comments (deleted,
    or scrubbed placeholders where replies hang), its notification settings, and its
    emails not sent yet.  The audit log names ``actor`` and the counts, nothing else.

    :return: (comments deleted, comments left as placeholders)
    """
    now = now or utcnow()
    if not digest:
        return 0, 0  # a placeholder's empty hash names nobody
    with write_transaction():
        comments = db.session.scalars(
            select(Comment)
            .where(Comment.email_digest == digest, Comment.deleted_at.is_(None))
            .order_by(Comment.id.desc())  # replies first, so a thread of one's own goes
        ).all()
        deleted = kept = 0
        pages = {PageKey.of(c) for c in comments}
        for comment in comments:
            comment_id = comment.id
            remove_for_good(comment, now)
            db.session.flush()
            if db.session.get(Comment, comment_id) is None:
                deleted += 1
            else:
                kept += 1
        touch_pages(pages, now)  # after the removals: it recounts what is left
        subscriptions.forget(digest)
        db.session.add(
            ModerationEvent(
                moderator_id=None,
                moderator_email=actor,
                action=ModerationAction.ERASE,
                detail=f"{deleted} deleted, {kept} left as placeholders",
                created_at=now,
            )
        )
    return deleted, kept


# Every column encrypted with the email cipher (app.models.types.EncryptedText).
ENCRYPTED_COLUMNS = (
    ("comments", "author_email"),
    ("notify_subscriptions", "email"),
    ("outgoing_mail", "recipient"),
    ("outgoing_mail", "body"),
    ("manage_requests", "email"),
)


def rotate_keys(batch: int = 500) -> int:
    """Re-encrypt every stored email (and every email waiting to be sent) with the
    first key; return how many values changed."""
    return sum(_rotate_column(table, column, batch) for table, column in ENCRYPTED_COLUMNS)


def _rotate_column(table: str, column: str, batch: int) -> int:
    changed = 0
    last_id = 0
    crypt = cipher()
    # Names from the constant above, never from input.
    select_rows = text(
        f"SELECT id, {column} FROM {table} WHERE id > :last AND {column} != ''"
        " ORDER BY id LIMIT :batch"
    )
    update_row = text(f"UPDATE {table} SET {column} = :token WHERE id = :id")
    while True:
        with write_transaction():
            rows = db.session.execute(select_rows, {"last": last_id, "batch": batch}).all()
            for row_id, token in rows:
                if not crypt.is_current(token):
                    db.session.execute(update_row, {"token": crypt.rotate(token), "id": row_id})
                    changed += 1
        if len(rows) < batch:
            return changed
        last_id = rows[-1][0]
