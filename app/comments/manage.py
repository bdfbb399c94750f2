"""Managing one's comments by email, without an account.

Anyone may ask for a link for an address; the answer is the same whether or not the
address has comments, and the lookup happens off the request path (an outbox planner),
so neither the words, the status nor the time taken tell a stranger anything.  Asking
is throttled per client network (refused, 429) and per address (quietly not sent).

The email holds a signed, single-use link valid for MANAGE_LINK_MINUTES; only the
SHA-256 of its secret is stored.  Using it (a POST from the page it opens) lets that
browser, for as long again, list every comment stored under the address and delete
one, delete all, download everything (the same JSON as `flask comments export`) or
turn notifications off.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import joinedload, undefer

from app import outbox
from app.comments import privacy, subscriptions
from app.comments.services import remove_for_good, touch_pages
from app.crypto import digest_of
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import (
    Comment,
    MailKind,
    ManageRequest,
    ManageToken,
    ModerationAction,
    ModerationEvent,
    Subscription,
    utcnow,
)
from app.netaddr import client_network
from app.shared.origin import absolute_url, links_on_site
from app.shared.pages import PageKey

SALT = "relief.manage-comments"
# Who the audit log names for what a commenter did from their own link.
SELF_ACTOR = "the commenter (email link)"
WINDOW = timedelta(hours=1)
EXPIRED = "This link has expired: each link works for an hour. Please ask for a new one."


class ManageThrottled(Exception):
    """Too many requests for links from this client network; ``str()`` says how long."""

    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        minutes = max(1, math.ceil(wait_seconds / 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(
            "You have asked for several links in a short time. Please wait "
            f"{minutes} {unit}, then try again."
        )


class LinkError(Exception):
    """A manage link that cannot be used; ``str()`` says why, kindly."""


class NotYours(Exception):
    """The comment is not (or no longer) stored under the address being managed."""


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _minutes() -> int:
    return int(current_app.config["MANAGE_LINK_MINUTES"])


def _hash(secret: str) -> str:
    return hashlib.sha256(b"relief.manage-token:" + secret.encode()).hexdigest()


# --- Asking for a link -----------------------------------------------------------------


def request_link(email: str, ip: str | None, now: datetime | None = None) -> None:
    """Note a request for a link for ``email`` (normalised); it is answered off the
    request path.  Does the same work whatever the address.

    :raise ManageThrottled: when this client network asked MANAGE_MAX_PER_NETWORK
        times within the hour.
    """
    now = now or utcnow()
    network = client_network(ip)
    with write_transaction():
        serialise_on(f"manage-from:{network or 'unknown'}")
        if network:
            recent = db.session.scalars(
                select(ManageRequest.created_at)
                .where(ManageRequest.network == network, ManageRequest.created_at > now - WINDOW)
                .order_by(ManageRequest.created_at)
            ).all()
            limit = int(current_app.config["MANAGE_MAX_PER_NETWORK"])
            if limit > 0 and len(recent) >= limit:
                wait = recent[len(recent) - limit] + WINDOW - now
                raise ManageThrottled(max(1, math.ceil(wait.total_seconds())))
        db.session.add(
            ManageRequest(
                network=network, email_digest=digest_of(email), email=email, created_at=now
            )
        )
        outbox.kick_after_commit()


def plan(now: datetime) -> None:
    """Answer waiting requests (an outbox planner): a link for an address that has
    something stored, nothing for one that has not, nothing beyond the address's
    hourly limit.  The address is scrubbed from each request once answered."""
    if not db.session.scalar(select(exists().where(ManageRequest.handled_at.is_(None)))):
        db.session.rollback()
        return
    with links_on_site(), write_transaction():
        serialise_on("manage-planner")
        waiting = db.session.scalars(
            select(ManageRequest)
            .where(ManageRequest.handled_at.is_(None))
            .order_by(ManageRequest.id)
            .limit(200)
        ).all()
        for request in waiting:
            email, digest = request.email, request.email_digest
            request.handled_at, request.email = now, ""
            if _over_address_limit(digest, now) or not _has_anything(digest):
                continue
            _send_link(email, digest, now)


def _over_address_limit(digest: str, now: datetime) -> bool:
    limit = int(current_app.config["MANAGE_MAX_PER_ADDRESS"])
    if limit <= 0:
        return False
    sent = db.session.scalar(
        select(func.count()).where(
            ManageToken.email_digest == digest, ManageToken.created_at > now - WINDOW
        )
    )
    return (sent or 0) >= limit


def _has_anything(digest: str) -> bool:
    comments = exists().where(Comment.email_digest == digest, Comment.deleted_at.is_(None))
    subscribed = exists().where(Subscription.email_digest == digest)
    return bool(db.session.scalar(select(comments))) or bool(db.session.scalar(select(subscribed)))


def _send_link(email: str, digest: str, now: datetime) -> None:
    secret = secrets.token_urlsafe(32)
    db.session.add(
        ManageToken(
            token_hash=_hash(secret),
            email_digest=digest,
            created_at=now,
            expires_at=now + timedelta(minutes=_minutes()),
        )
    )
    link = absolute_url(url_for("commenters.manage_open", signed=_signer().dumps(secret)))
    body = render_template("mail/manage.txt", link=link, minutes=_minutes())
    site = current_app.config["SITE_NAME"]
    outbox.enqueue(
        MailKind.MANAGE, email, f"[{site}] Your link to manage your comments", body, now=now
    )


def prune(now: datetime) -> None:
    """Forget requests older than a day, and links a day past their last use."""
    with write_transaction():
        db.session.execute(
            delete(ManageRequest).where(ManageRequest.created_at < now - timedelta(days=1))
        )
        old = now - timedelta(days=1)
        db.session.execute(
            delete(ManageToken).where(
                ManageToken.expires_at < old,
                (ManageToken.grant_expires_at.is_(None)) | (ManageToken.grant_expires_at < old),
            )
        )


# --- Using the link ----------------------------------------------------------------------


def _token_for(signed: str, now: datetime) -> tuple[str, ManageToken]:
    try:
        secret = _signer().loads(signed, max_age=_minutes() * 60)
    except SignatureExpired:
        raise LinkError(EXPIRED) from None
    except BadSignature:
        raise LinkError(
            "This link is not valid. Please use the link in the email, or ask for a new one."
        ) from None
    if not isinstance(secret, str):
        raise LinkError("This link is not valid. Please ask for a new one.")
    token = db.session.scalar(select(ManageToken).where(ManageToken.token_hash == _hash(secret)))
    if token is None:
        raise LinkError("This link is not valid any more. Please ask for a new one.")
    if token.used_at is not None:
        raise LinkError(
            "This link has already been used: each link works once. Please ask for a new one."
        )
    if token.expires_at <= now:
        raise LinkError(EXPIRED)
    return secret, token


def check_link(signed: str, now: datetime | None = None) -> None:
    """Check a link without using it (the page a GET shows, with its button).

    :raise LinkError: for a forged, expired or used link.
    """
    _token_for(signed, now or utcnow())


def open_link(signed: str, now: datetime | None = None) -> str:
    """Use a link: mark it used and start this browser's visit.  Return the secret the
    browser keeps (in its session) for the visit.

    :raise LinkError: for a forged, expired or used link (also when two tabs race).
    """
    now = now or utcnow()
    with write_transaction():
        secret, token = _token_for(signed, now)
        used = db.session.execute(
            ManageToken.__table__.update()
            .where(ManageToken.id == token.id, ManageToken.used_at.is_(None))
            .values(used_at=now, grant_expires_at=now + timedelta(minutes=_minutes()))
        )
        if used.rowcount != 1:
            raise LinkError(
                "This link has already been used: each link works once. Please ask for a new one."
            )
    return secret


@dataclass(frozen=True)
class Visit:
    """A browser's right to manage an address's comments, until ``expires_at``."""

    digest: str
    expires_at: datetime


def visit_for(secret: object, now: datetime | None = None) -> Visit | None:
    """The visit a browser's kept secret opens, or None (none, forged, over)."""
    if not isinstance(secret, str) or not secret or len(secret) > 100:
        return None
    now = now or utcnow()
    token = db.session.scalar(select(ManageToken).where(ManageToken.token_hash == _hash(secret)))
    if token is None or token.grant_expires_at is None or token.grant_expires_at <= now:
        return None
    return Visit(token.email_digest, token.grant_expires_at)


def end_visit(secret: object, now: datetime | None = None) -> None:
    """End a visit early ("I am done")."""
    if not isinstance(secret, str):
        return
    now = now or utcnow()
    with write_transaction():
        db.session.execute(
            ManageToken.__table__.update()
            .where(ManageToken.token_hash == _hash(secret))
            .values(grant_expires_at=now)
        )


# --- What a visit shows and does ---------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """Everything a visit lists: the address, its comments, its notifications."""

    email: str | None
    comments: list[Comment]
    notifications: str | None  # "confirmed", "waiting for confirmation", "unsubscribed"


def overview(digest: str) -> Overview:
    """Every comment stored under the address (any page, any status), newest first."""
    comments = list(
        db.session.scalars(
            select(Comment)
            .where(Comment.email_digest == digest, Comment.deleted_at.is_(None))
            .options(
                undefer(Comment.author_email),
                joinedload(Comment.article),
                joinedload(Comment.remedy),
            )
            .order_by(Comment.created_at.desc(), Comment.id.desc())
        )
    )
    subscription = subscriptions.subscription_for(digest)
    state = (subscriptions.describe(digest) or {}).get("state")
    email = comments[0].author_email if comments else (subscription.email if subscription else None)
    return Overview(email, comments, state)


def email_of(digest: str) -> str | None:
    """The address as last stored (the newest comment's, or the subscription's)."""
    return overview(digest).email


def export(digest: str) -> dict:
    """Everything stored under the address: exactly what `flask comments export` prints."""
    email = email_of(digest)
    return privacy.export_by_digest(digest, email or "")


def delete_one(digest: str, comment_id: int, now: datetime | None = None) -> None:
    """Delete one of the address's comments (a placeholder stays where replies hang).

    :raise NotYours: when it is not stored under this address (or gone already).
    """
    now = now or utcnow()
    with write_transaction():
        comment = db.session.get(Comment, comment_id, with_for_update=True)
        if comment is None or comment.deleted_at is not None or comment.email_digest != digest:
            raise NotYours()
        page = PageKey.of(comment)
        remove_for_good(comment, now)
        db.session.flush()
        touch_pages([page], now)  # after the removal: it recounts what is left
        db.session.add(
            ModerationEvent(
                moderator_id=None,
                moderator_email=SELF_ACTOR,
                action=ModerationAction.ERASE,
                detail=f"comment {comment_id}, deleted by its author",
                created_at=now,
            )
        )


def delete_all(digest: str, now: datetime | None = None) -> tuple[int, int]:
    """Erase everything stored under the address, as `flask comments erase` does.

    :return: (comments deleted, comments left as placeholders)
    """
    return privacy.erase_by_digest(digest, now, actor=SELF_ACTOR)


def notifications_off(digest: str, now: datetime | None = None) -> None:
    """Turn every notification to the address off (until it confirms again)."""
    now = now or utcnow()
    with write_transaction():
        subscriptions.unsubscribe(digest, now)
