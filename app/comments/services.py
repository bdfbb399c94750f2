"""Storing comments: the policy decides, the services own the transaction.

What the public sees of them is in ``app.comments.listing``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, exists, func, or_, select, update

from app import site_settings
from app.comments import closing, policy, rules, subscriptions
from app.comments.policy import (
    AuthorHistory,
    ModerationMode,
    ParentFacts,
    PolicySettings,
    Submission,
)
from app.comments.signals import comment_held
from app.crypto import digest_of
from app.db import serialise_on, write_transaction
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentReport,
    CommentRevision,
    CommentStatus,
    Remedy,
    utcnow,
)
from app.netaddr import client_network
from app.shared.pages import PageKey

MAX_USER_AGENT = 255


def new_owner_secret() -> str:
    """Return a fresh secret for the browser that sends a comment (192 random bits)."""
    return secrets.token_urlsafe(24)


def owner_digest(secret: str) -> str:
    """Return what the database keeps of an owner secret (its SHA-256, in hex)."""
    return hashlib.sha256(b"relief.comment-owner:" + secret.encode()).hexdigest()


def owner_digests(owner_secrets) -> frozenset[str]:
    """Return the digests of the secrets a browser holds (strings only)."""
    return frozenset(owner_digest(s) for s in owner_secrets if isinstance(s, str) and s)


@dataclass(frozen=True)
class NewComment:
    """A shape-checked submission and where it came from.

    ``owner_secret`` stays with the sending browser; only its digest is stored.
    ``owned`` holds the digests of the comments that browser sent before: the duplicate
    check looks only at those, so its answer says nothing about anyone else's address.
    """

    name: str
    email: str
    website: str | None
    text: str
    parent_id: int | None = None
    honeypot_filled: bool = False
    seconds_to_submit: float | None = None
    ip: str | None = None
    user_agent: str | None = None
    owner_secret: str = field(default_factory=new_owner_secret)
    owned: frozenset[str] = frozenset()
    # The box "Email me when my comment is published and when someone replies to it".
    notify: bool = False


def policy_settings() -> PolicySettings:
    """Read the policy's thresholds in force (app.site_settings)."""
    setting = site_settings.get
    return PolicySettings(
        mode=ModerationMode(setting("COMMENTS_MODERATION")),
        max_links=setting("COMMENTS_MAX_LINKS"),
        moderation_words=tuple(setting("COMMENTS_MODERATION_WORDS")),
        disallowed_words=tuple(setting("COMMENTS_DISALLOWED_WORDS")),
        min_seconds=setting("COMMENTS_MIN_SECONDS"),
        max_form_age=setting("COMMENTS_FORM_MAX_AGE_SECONDS"),
        verified_only=setting("COMMENTS_APPROVE_VERIFIED_ONLY"),
        flood_seconds=setting("COMMENTS_FLOOD_SECONDS"),
        red_flags=tuple(setting("COMMENTS_RED_FLAGS")),
    )


def build_comment(
    page: PageKey,
    *,
    parent: Comment | None,
    status: CommentStatus,
    reason: str,
    name: str,
    email: str,
    website: str | None,
    body: str,
    now: datetime,
    ip: str | None = None,
    user_agent: str | None = None,
    owner_secret: str | None = None,
    moderator_id: int | None = None,
    notify: bool = False,
) -> Comment:
    """Return a new, unsaved comment with every derived field filled in: the thread's
    root, the email's blind index, the rate-limit network, the owner digest and the
    approval time.  The one way to make a comment row (service, site replies, tests)."""
    return Comment(
        article_id=page.article_id,
        remedy_id=page.remedy_id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        status=status,
        reason=reason,
        author_name=name,
        author_email=email,
        email_digest=digest_of(email),
        author_website=website,
        body=body,
        created_at=now,
        approved_at=now if status is CommentStatus.APPROVED else None,
        ip=ip,
        # Every reader's comment counts under some client (an unreadable address is
        # "unknown"); the team's replies under none.
        client_net=None if moderator_id is not None else client_network(ip),
        user_agent=(user_agent or "")[:MAX_USER_AGENT] or None,
        owner_digest=owner_digest(owner_secret) if owner_secret else None,
        moderator_id=moderator_id,
        notify=notify,
    )


def submit_comment(page: PageKey, new: NewComment, now: datetime | None = None) -> Comment:
    """Check a new comment against the policy and store it.

    :raise policy.CommentRefused: (an expired form, a closed page, a reply to the wrong
        comment, a duplicate, a flood); nothing is stored then.
    """
    now = now or utcnow()
    settings = policy_settings()
    policy.check_form_age(new.seconds_to_submit, settings.max_form_age)
    digest = digest_of(new.email)
    network = client_network(new.ip)
    with write_transaction():
        # Two comments from one client at the same instant: the second sees the first.
        serialise_on(f"comment-from:{network or 'unknown'}")
        policy.check_open(closing.key_closed(page, lock=True))
        parent = db.session.get(Comment, new.parent_id) if new.parent_id else None
        if new.parent_id is not None:
            facts = ParentFacts(_page(parent), parent.status) if parent else None
            policy.check_reply(facts, (page.article_id, page.remedy_id))
        policy.check_flood(_last_comment_at(network, new.owned), now, settings.flood_seconds)
        policy.check_duplicate(_is_duplicate(page, digest, new.text, new.owned, network))
        history = AuthorHistory(
            has_approved_comment=_has_approved(digest, new.name),
            verified=subscriptions.is_confirmed(digest),
            rules=rules.matching(digest, new.email, new.ip, now),
        )
        decision = policy.decide(
            Submission(
                name=new.name,
                email=new.email,
                website=new.website,
                text=new.text,
                honeypot_filled=new.honeypot_filled,
                seconds_to_submit=new.seconds_to_submit,
            ),
            history,
            settings,
        )
        comment = build_comment(
            page,
            parent=parent,
            status=decision.status,
            reason=decision.reason,
            name=new.name,
            email=new.email,
            website=new.website,
            body=new.text,
            now=now,
            ip=new.ip,
            user_agent=new.user_agent,
            owner_secret=new.owner_secret,
            notify=new.notify,
        )
        comment.red_flags = "\n".join(decision.red_flags)
        db.session.add(comment)
        db.session.flush()
        if new.notify and comment.status is not CommentStatus.SPAM:
            subscriptions.ask(new.email, now)
        if comment.status is CommentStatus.APPROVED:
            touch_pages([page], now)
            subscriptions.comment_published(comment, now, was_held=False)
    if comment.status is CommentStatus.PENDING:
        comment_held.send(current_app._get_current_object(), comment_id=comment.id)
    return comment


def _page(comment: Comment) -> tuple[int, int | None]:
    return (comment.article_id, comment.remedy_id)


def _last_comment_at(network: str | None, owned: frozenset[str]) -> datetime | None:
    """When this client last commented: from its network, or from this browser.

    Not by email: a limit per address would answer a stranger who guessed it ("too
    quickly") exactly when its owner had just commented, and let anyone silence them.
    """
    times = []
    if network:
        times.append(
            db.session.scalar(
                select(func.max(Comment.created_at)).where(Comment.client_net == network)
            )
        )
    if owned:
        times.append(
            db.session.scalar(
                select(func.max(Comment.created_at)).where(Comment.owner_digest.in_(sorted(owned)))
            )
        )
    times = [t for t in times if t is not None]
    return max(times) if times else None


def _is_duplicate(
    page: PageKey, digest: str, text: str, owned: frozenset[str], network: str | None
) -> bool:
    """Whether this sender already sent this text with this email to this page.

    Only the sender's own comments are compared (this browser's held ones, or any from
    the same client network, such as a published comment sent twice): a stranger who
    guesses an address elsewhere learns nothing from the answer.
    """
    senders = []
    if owned:
        senders.append(Comment.owner_digest.in_(sorted(owned)))
    if network:
        senders.append(Comment.client_net == network)
    if not senders:
        return False
    query = select(
        exists().where(
            or_(*senders),
            page.clause(),
            Comment.email_digest == digest,
            Comment.body == text,
            Comment.status != CommentStatus.TRASH,
        )
    )
    return bool(db.session.scalar(query))


def _has_approved(digest: str, name: str) -> bool:
    """Whether a reader's comment under this name and email was approved before.

    The site's own replies never count: typing the team's name and a moderator's login
    email must not publish at once (nor confirm that email to a stranger).
    """
    query = select(
        exists().where(
            Comment.email_digest == digest,
            func.lower(Comment.author_name) == name.lower(),
            Comment.status == CommentStatus.APPROVED,
            Comment.moderator_id.is_(None),
        )
    )
    return bool(db.session.scalar(query))


def touch_pages(pages: set[PageKey] | list[PageKey], now: datetime | None = None) -> None:
    """Recount approved comments on ``pages`` and bump their cache versions.

    Call inside the write transaction that changed comments on those pages: every
    worker's rendered-page cache is keyed on these versions, so the change shows at once.
    The article is bumped too, for the counts in its table of contents.
    """
    now = now or utcnow()
    for page in set(pages):
        count = (
            select(func.count())
            .where(page.clause(), Comment.status == CommentStatus.APPROVED)
            .scalar_subquery()
        )
        bump = {"cache_version": Article.cache_version + 1, "changed_at": now}
        if page.remedy_id is None:
            db.session.execute(
                update(Article)
                .where(Article.id == page.article_id)
                .values(comment_count=count, **bump)
            )
            continue
        db.session.execute(
            update(Remedy)
            .where(Remedy.id == page.remedy_id)
            .values(comment_count=count, cache_version=Remedy.cache_version + 1, changed_at=now)
        )
        db.session.execute(update(Article).where(Article.id == page.article_id).values(**bump))


def remove_for_good(comment: Comment, now: datetime) -> None:
    """Delete a comment; one that has replies stays as a scrubbed tombstone.

    The tombstone keeps the thread whole ("This comment was removed.") but holds no
    personal data: name, email, website, text, IP and user agent are cleared, and its
    earlier versions and the reports about it are deleted.
    """
    has_replies = db.session.scalar(
        select(exists().where(Comment.parent_id == comment.id, Comment.deleted_at.is_(None)))
    )
    if not has_replies:
        db.session.delete(comment)
        return
    comment.deleted_at = now
    comment.status = CommentStatus.TRASH  # a tombstone is never public
    comment.author_name = ""
    comment.author_email = ""
    comment.email_digest = ""
    comment.author_website = None
    comment.body = ""
    comment.ip = None
    comment.client_net = None
    comment.user_agent = None
    comment.owner_digest = None
    db.session.execute(delete(CommentRevision).where(CommentRevision.comment_id == comment.id))
    # Readers' notes about it may quote it.
    db.session.execute(delete(CommentReport).where(CommentReport.comment_id == comment.id))
