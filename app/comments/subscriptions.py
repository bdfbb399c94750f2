"""Reply notifications, double opt-in: who may be emailed, about which comments.

An address is asked once to confirm ("please confirm" email, a signed link to a page
whose button POSTs); until it does, nothing else is sent to it.  A confirmed address is
not asked again; an unsubscribed one gets nothing more until it confirms again.  Which
comments an address hears about is each comment's ``notify`` flag (the box ticked when
sending it); "stop emails about this thread" clears it on that thread's comments.

When a comment becomes public for the first time, :func:`comment_published` writes the
notices it causes (in the same transaction); ``app.comments.notices`` turns them into
emails off the request path.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import delete, exists, or_, select, update

from app import outbox
from app.crypto import digest_of
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import (
    Comment,
    MailKind,
    Notice,
    NoticeKind,
    OutgoingMail,
    Subscription,
    utcnow,
)
from app.shared.origin import absolute_url, links_on_site
from app.shared.signing import TimedSerializer

CONFIRM_SALT = "relief.notify-confirm"
STOP_SALT = "relief.notify-stop"


class LinkError(Exception):
    """A confirmation or unsubscribe link that cannot be used; ``str()`` says why."""


def _confirm_signer() -> URLSafeTimedSerializer:
    # Signed inside the write transaction of a comment that asks for emails.
    return TimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def _stop_signer() -> URLSafeSerializer:
    # No expiry: an unsubscribe link must work for as long as the emails that carry it.
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STOP_SALT)


def subscription_for(digest: str) -> Subscription | None:
    """The subscription of an address, by its keyed hash."""
    if not digest:
        return None
    return db.session.scalar(select(Subscription).where(Subscription.email_digest == digest))


def confirmed_clause(digest):
    """SQL: whether the address behind ``digest`` (a value or a bound parameter) ever
    confirmed it is theirs; a part of the comment service's one query about a sender."""
    return exists().where(
        Subscription.email_digest == digest, Subscription.confirmed_at.is_not(None)
    )


# --- Asking ----------------------------------------------------------------------------


def ask(email: str, now: datetime) -> None:
    """The commenter ticked "Email me ...": start, renew or keep the double opt-in.

    Call inside the write transaction that stores the comment.  A confirmed address
    gets nothing now (its notices will come); any other gets a "please confirm" email,
    at most one per NOTIFY_CONFIRM_RESEND_HOURS, though an address that unsubscribed
    since its last one gets a fresh one at once.  What the commenter is shown never
    depends on which of these happened (it would tell strangers who subscribed).
    """
    digest = digest_of(email)
    serialise_on(f"subscription:{digest}")
    subscription = subscription_for(digest)
    if subscription is None:
        subscription = Subscription(
            key=secrets.token_urlsafe(16),
            email_digest=digest,
            email=email,
            created_at=now,
            confirm_nonce=secrets.token_urlsafe(16),
        )
        db.session.add(subscription)
    elif subscription.active:
        return
    last = subscription.confirm_sent_at
    resend = timedelta(hours=current_app.config["NOTIFY_CONFIRM_RESEND_HOURS"])
    unsubscribed_since = subscription.unsubscribed_at is not None and (
        last is None or last < subscription.unsubscribed_at
    )
    if last is not None and last > now - resend and not unsubscribed_since:
        return
    subscription.email = email
    subscription.confirm_nonce = secrets.token_urlsafe(16)
    subscription.confirm_sent_at = now
    db.session.flush()
    _send_confirmation(subscription, now)


def _send_confirmation(subscription: Subscription, now: datetime) -> None:
    days = current_app.config["NOTIFY_CONFIRM_DAYS"]
    with links_on_site():
        body = render_template(
            "mail/confirm.txt",
            confirm_url=confirm_url(subscription),
            days=days,
            manage_url=absolute_url(url_for("commenters.manage")),
        )
    site = current_app.config["SITE_NAME"]
    outbox.enqueue(
        MailKind.CONFIRM,
        subscription.email,
        f"[{site}] Please confirm: emails about your comment",
        body,
        now=now,
    )


def confirm_url(subscription: Subscription) -> str:
    """The absolute address of the current confirmation link (inside ``links_on_site``)."""
    signed = _confirm_signer().dumps({"k": subscription.key, "n": subscription.confirm_nonce})
    return absolute_url(url_for("commenters.confirm", signed=signed))


def stop_url(subscription: Subscription, root_id: int | None = None) -> str:
    """The absolute address of an unsubscribe link: everything, or one thread."""
    payload = {"k": subscription.key, "r": root_id} if root_id else {"k": subscription.key}
    return absolute_url(url_for("commenters.stop", signed=_stop_signer().dumps(payload)))


# --- Confirming --------------------------------------------------------------------------


def resolve_confirmation(signed: str) -> Subscription:
    """Check a confirmation link.

    :raise LinkError: for a forged or expired link, or one replaced by a newer link.
    """
    max_age = current_app.config["NOTIFY_CONFIRM_DAYS"] * 86400
    try:
        data = _confirm_signer().loads(signed, max_age=max_age)
        key, nonce = str(data["k"]), str(data["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise LinkError(
            "This link is not valid or has expired. Tick the box again when you next "
            "comment, and we will send you a new one."
        ) from None
    subscription = db.session.scalar(select(Subscription).where(Subscription.key == key))
    if subscription is None:
        raise LinkError(
            "This link no longer works: the address's data was removed. Tick the box "
            "again when you next comment, and we will send you a new one."
        )
    if subscription.active:
        return subscription  # already confirmed: the page says so, nothing to do
    if not secrets.compare_digest(nonce, subscription.confirm_nonce):
        raise LinkError(
            "This link has been replaced by a newer one: please use the link in the latest "
            "email we sent you."
        )
    return subscription


def confirm(signed: str, now: datetime | None = None) -> Subscription:
    """Confirm the address of a confirmation link (again, after an unsubscribe).

    :raise LinkError: as :func:`resolve_confirmation`.
    """
    now = now or utcnow()
    with write_transaction():
        subscription = resolve_confirmation(signed)
        if not subscription.active:
            subscription.confirmed_at = now
            subscription.unsubscribed_at = None
            subscription.confirm_nonce = secrets.token_urlsafe(16)  # the link works once
    return subscription


# --- Unsubscribing ---------------------------------------------------------------------


@dataclass(frozen=True)
class StopLink:
    """A checked unsubscribe link: whose, and for one thread (``root_id``) or all."""

    subscription: Subscription | None
    root_id: int | None

    @property
    def root(self) -> Comment | None:
        """The thread's first comment, if the link is for one thread that still exists."""
        return db.session.get(Comment, self.root_id) if self.root_id else None


def resolve_stop(signed: str) -> StopLink:
    """Check an unsubscribe link.  A link whose address was erased since resolves to
    no subscription: there is nothing left to stop, and the page says so.

    :raise LinkError: for a forged link.
    """
    try:
        data = _stop_signer().loads(signed)
        key = str(data["k"])
        root = data.get("r")
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        raise LinkError("This link is not valid. Please use the link in the email.") from None
    if root is not None and (not isinstance(root, int) or isinstance(root, bool) or root < 1):
        raise LinkError("This link is not valid. Please use the link in the email.")
    subscription = db.session.scalar(select(Subscription).where(Subscription.key == key))
    return StopLink(subscription, root)


def stop(signed: str, now: datetime | None = None) -> StopLink:
    """Unsubscribe as the link says: from one thread, or from everything.

    :raise LinkError: for a forged link.
    """
    now = now or utcnow()
    with write_transaction():
        link = resolve_stop(signed)
        if link.subscription is not None:
            if link.root_id:
                mute_thread(link.subscription.email_digest, link.root_id)
            else:
                unsubscribe(link.subscription.email_digest, now)
    return link


def unsubscribe(digest: str, now: datetime) -> bool:
    """Stop every notification to an address (until it confirms again), including those
    written but not sent yet.  Call inside a write transaction; return whether the
    address had notifications on."""
    subscription = subscription_for(digest)
    db.session.execute(delete(Notice).where(Notice.email_digest == digest))
    db.session.execute(
        delete(OutgoingMail).where(
            OutgoingMail.recipient_digest == digest,
            OutgoingMail.kind.in_([MailKind.NOTICE, MailKind.DIGEST]),
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.locked_until.is_(None),
        )
    )
    if subscription is None or subscription.unsubscribed_at is not None:
        return False
    subscription.unsubscribed_at = now
    return subscription.confirmed_at is not None


def mute_thread(digest: str, root_id: int) -> None:
    """Stop notifications about one thread: its comments by this address no longer ask
    for them, and notices about them that have not been written into an email go."""
    in_thread = or_(Comment.id == root_id, Comment.root_id == root_id)
    db.session.execute(
        update(Comment)
        .where(Comment.email_digest == digest, in_thread)
        .values(notify=False)
        .execution_options(synchronize_session=False)
    )
    thread_ids = select(Comment.id).where(in_thread)
    db.session.execute(
        delete(Notice).where(Notice.email_digest == digest, Notice.comment_id.in_(thread_ids))
    )


# --- What publishing causes --------------------------------------------------------------


def comment_published(comment: Comment, now: datetime, *, was_held: bool) -> None:
    """Write the notices a comment causes on becoming public for the first time.

    Call inside the write transaction that publishes it.  Its author hears that it is
    published if it waited for a moderator (``was_held``); the author of the comment it
    answers hears of the reply, unless it is their own address.  Only for addresses
    that confirmed and did not unsubscribe since, and only for comments whose box was
    ticked.
    """
    notices = []
    if was_held and comment.notify and comment.moderator_id is None:
        notices.append((comment.email_digest, NoticeKind.PUBLISHED))
    parent = db.session.get(Comment, comment.parent_id) if comment.parent_id else None
    if (
        parent is not None
        and parent.notify
        and parent.deleted_at is None
        and parent.email_digest
        and parent.email_digest != comment.email_digest
    ):
        notices.append((parent.email_digest, NoticeKind.REPLY))
    for digest, kind in notices:
        subscription = subscription_for(digest)
        if subscription is None or not subscription.active:
            continue
        db.session.add(
            Notice(email_digest=digest, comment_id=comment.id, kind=kind, created_at=now)
        )
        outbox.kick_after_commit()


# --- Erasure and export ----------------------------------------------------------------


def forget(digest: str) -> None:
    """Remove everything kept for an address's notifications (inside a write
    transaction): its subscription, notices, and emails not sent yet."""
    db.session.execute(delete(Notice).where(Notice.email_digest == digest))
    db.session.execute(
        delete(OutgoingMail).where(
            OutgoingMail.recipient_digest == digest, OutgoingMail.sent_at.is_(None)
        )
    )
    db.session.execute(delete(Subscription).where(Subscription.email_digest == digest))


def describe(digest: str) -> dict | None:
    """What is kept about an address's notifications, as plain data (for an export)."""
    subscription = subscription_for(digest)
    if subscription is None:
        return None

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "email": subscription.email,
        "state": (
            "unsubscribed"
            if subscription.unsubscribed_at
            else "confirmed"
            if subscription.confirmed_at
            else "waiting for confirmation"
        ),
        "asked_at": iso(subscription.created_at),
        "confirmation_sent_at": iso(subscription.confirm_sent_at),
        "confirmed_at": iso(subscription.confirmed_at),
        "unsubscribed_at": iso(subscription.unsubscribed_at),
    }
