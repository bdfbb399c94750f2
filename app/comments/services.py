"""Storing comments: the policy decides, the services own the transaction.

What the public sees of them is in ``app.comments.listing``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import bindparam, delete, exists, func, insert, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import make_transient_to_detached

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
from app.shared import statements
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

    One write transaction with three reads before the INSERT: whether the page is open,
    what the comments table knows of the sender (``sender_facts``, one statement) and
    the moderators' rules that match them.  Nothing else waits for it: the moderators
    hear of a held comment after the commit (``comment_held``), off the request path.

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
        sender = sender_facts(page, digest, new.name, new.text, new.owned, network)
        policy.check_flood(sender.last_comment_at, now, settings.flood_seconds)
        policy.check_duplicate(sender.duplicate)
        history = AuthorHistory(
            has_approved_comment=sender.has_approved,
            verified=sender.verified,
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
        _insert(comment)
        if new.notify and comment.status is not CommentStatus.SPAM:
            subscriptions.ask(new.email, now)
        if comment.status is CommentStatus.APPROVED:
            touch_pages([page], now)
            subscriptions.comment_published(comment, now, was_held=False)
    if comment.status is CommentStatus.PENDING:
        comment_held.send(current_app._get_current_object(), comment_id=comment.id)
    return comment


def _insert(comment: Comment) -> None:
    """Store a new comment with one INSERT on the session's connection, then put it in
    the session as the stored row it now is.

    The ORM's unit of work would do the same, at about twice the cost, inside the write
    lock that every other comment waits for.  Every column is given a value first (None
    where ``build_comment`` left one unset), so the object holds the whole row and never
    reloads it.
    """
    values = {key: getattr(comment, key) for key in _column_keys()}
    for key, value in values.items():
        setattr(comment, key, value)
    inserted = statements.execute(insert(Comment.__table__), values)
    comment.id = inserted.inserted_primary_key[0]
    make_transient_to_detached(comment)
    db.session.add(comment)


@cache
def _column_keys() -> tuple[str, ...]:
    return tuple(c.key for c in sa_inspect(Comment).column_attrs if c.key != "id")


def _page(comment: Comment) -> tuple[int, int | None]:
    return (comment.article_id, comment.remedy_id)


@dataclass(frozen=True)
class SenderFacts:
    """What the database knows of the sender of a new comment (``sender_facts``).

    ``last_comment_at``: when this client last commented, from its network or from this
    browser; never by email: a limit per address would answer a stranger who guessed it
    ("too quickly") exactly when its owner had just commented, and let anyone silence
    them.

    ``duplicate``: whether this sender already sent this text with this email to this
    page.  Only the sender's own comments are compared (this browser's, or any from the
    same client network, such as a published comment sent twice): a stranger who guesses
    an address elsewhere learns nothing from the answer.

    ``has_approved``: whether a reader's comment under this name and email was approved
    before.  The site's own replies never count: typing the team's name and a
    moderator's login email must not publish at once (nor confirm that email to a
    stranger).

    ``verified``: whether the address ever confirmed it is theirs (reply notifications).
    """

    last_comment_at: datetime | None
    duplicate: bool
    has_approved: bool
    verified: bool


def sender_facts(
    page: PageKey,
    digest: str,
    name: str,
    text: str,
    owned: frozenset[str],
    network: str | None,
) -> SenderFacts:
    """Read everything the policy needs to know about a sender, in one statement."""
    row = statements.execute(
        _sender_facts_query(page.remedy_id is not None),
        {
            "article": page.article_id,
            "remedy": page.remedy_id,
            "digest": digest,
            "name": name.lower(),
            "text": text,
            "network": network,
            "owned": sorted(owned),
        },
    ).one()
    from_network, from_browser, duplicate, has_approved, verified = row
    times = [t for t in (from_network, from_browser) if t is not None]
    return SenderFacts(
        last_comment_at=max(times) if times else None,
        duplicate=bool(duplicate),
        has_approved=bool(has_approved),
        verified=bool(verified),
    )


@cache
def _sender_facts_query(remedy_page: bool):
    """The statement of ``sender_facts``, built once per kind of page (an article's own
    page, or a remedy's): five scalar subqueries, each answered from an index.

    The duplicate check is driven by the address's own comments (``email_digest``).
    Without statistics SQLite would rather walk the page's index (every comment on the
    page) or the network's (every comment from behind one address: a proxy's, an
    office's, the benchmark's), and grow slower with them: ``+ 0`` and ``|| ''`` keep
    those columns out of its choice, on SQLite and PostgreSQL alike.
    """
    owned = bindparam("owned", expanding=True)
    digest = bindparam("digest")
    network = bindparam("network")
    last_from_network = (
        select(func.max(Comment.created_at)).where(Comment.client_net == network).scalar_subquery()
    )
    last_from_browser = (
        select(func.max(Comment.created_at))
        .where(Comment.owner_digest.in_(owned))
        .scalar_subquery()
    )
    duplicate = exists().where(
        Comment.email_digest == digest,
        Comment.article_id + 0 == bindparam("article"),
        Comment.remedy_id == bindparam("remedy") if remedy_page else Comment.remedy_id.is_(None),
        Comment.body == bindparam("text"),
        Comment.status != CommentStatus.TRASH,
        or_(Comment.owner_digest.in_(owned), Comment.client_net.concat("") == network),
    )
    has_approved = exists().where(
        Comment.email_digest == digest,
        func.lower(Comment.author_name) == bindparam("name"),
        Comment.status == CommentStatus.APPROVED,
        Comment.moderator_id.is_(None),
    )
    return select(
        last_from_network,
        last_from_browser,
        duplicate,
        has_approved,
        subscriptions.confirmed_clause(digest),
    )


def touch_pages(pages: set[PageKey] | list[PageKey], now: datetime | None = None) -> None:
    """Recount approved comments on ``pages`` and bump their cache versions.

    Call inside the write transaction that changed comments on those pages: every
    worker's rendered-page cache is keyed on these versions, so the change shows at once.
    The article is bumped too, for the counts in its table of contents.  Pages already
    loaded in this session are told their counts changed (read again on next use).
    """
    now = now or utcnow()
    for page in set(pages):
        params = {"article": page.article_id, "remedy": page.remedy_id, "now": now}
        for statement in _touch_statements(page.remedy_id is not None):
            statements.execute(statement, params)
        for model, row_id in ((Article, page.article_id), (Remedy, page.remedy_id)):
            if row_id is None:
                continue
            loaded = db.session.identity_map.get(db.session.identity_key(model, row_id))
            if loaded is not None:
                db.session.expire(loaded, _TOUCHED[model])


# What touch_pages changes on each kind of row (modified_at: an article's onupdate).
_TOUCHED = {
    Article: ["comment_count", "cache_version", "changed_at", "modified_at"],
    Remedy: ["comment_count", "cache_version", "changed_at"],
}


@cache
def _touch_statements(remedy_page: bool) -> tuple:
    """The UPDATEs of ``touch_pages``, built once per kind of page: on the tables, not
    through the ORM, whose UPDATE first works out which loaded objects it changes (it
    cost a published comment more than a millisecond)."""
    articles, remedies = Article.__table__, Remedy.__table__
    now = bindparam("now", type_=articles.c.changed_at.type)
    on_page = (
        Comment.remedy_id == bindparam("remedy") if remedy_page else Comment.remedy_id.is_(None)
    )
    count = (
        select(func.count())
        .where(
            Comment.article_id == bindparam("article"),
            on_page,
            Comment.status == CommentStatus.APPROVED,
        )
        .scalar_subquery()
    )
    bump_article = update(articles).where(articles.c.id == bindparam("article"))
    bump_article = bump_article.values(cache_version=articles.c.cache_version + 1, changed_at=now)
    if not remedy_page:
        return (bump_article.values(comment_count=count),)
    bump_remedy = (
        update(remedies)
        .where(remedies.c.id == bindparam("remedy"))
        .values(comment_count=count, cache_version=remedies.c.cache_version + 1, changed_at=now)
    )
    return (bump_remedy, bump_article)


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
