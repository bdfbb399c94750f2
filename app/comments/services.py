"""Storing and listing comments.  Services own the transaction; the policy decides.

``visible_filter`` is the one rule for what the public may see.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, union, union_all, update
from sqlalchemy.orm import aliased

from app.comments import policy
from app.comments.policy import (
    AuthorHistory,
    ModerationMode,
    ParentFacts,
    PolicySettings,
    Submission,
)
from app.crypto import digest_of
from app.db import write_transaction
from app.extensions import db
from app.models import Article, Comment, CommentRevision, CommentStatus, Remedy, utcnow
from app.netaddr import client_network

MAX_USER_AGENT = 255


@dataclass(frozen=True)
class PageKey:
    """Which page a comment belongs to: an article, or one of its remedies."""

    article_id: int
    remedy_id: int | None = None

    def clause(self, model=Comment):
        """SQL condition selecting this page's comments."""
        remedy = (
            model.remedy_id.is_(None)
            if self.remedy_id is None
            else model.remedy_id == self.remedy_id
        )
        return and_(model.article_id == self.article_id, remedy)

    @classmethod
    def of(cls, comment: Comment) -> PageKey:
        """Return the page a comment is on."""
        return cls(comment.article_id, comment.remedy_id)


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


def policy_settings() -> PolicySettings:
    """Read the policy's thresholds from the app's config."""
    config = current_app.config
    return PolicySettings(
        mode=ModerationMode(config["COMMENTS_MODERATION"]),
        max_links=config["COMMENTS_MAX_LINKS"],
        moderation_words=tuple(config["COMMENTS_MODERATION_WORDS"]),
        disallowed_words=tuple(config["COMMENTS_DISALLOWED_WORDS"]),
        min_seconds=config["COMMENTS_MIN_SECONDS"],
        max_form_age=config["COMMENTS_FORM_MAX_AGE_SECONDS"],
        verified_only=config["COMMENTS_APPROVE_VERIFIED_ONLY"],
        flood_seconds=config["COMMENTS_FLOOD_SECONDS"],
    )


def submit_comment(page: PageKey, new: NewComment, now: datetime | None = None) -> Comment:
    """Check a new comment against the policy and store it.

    :raise policy.CommentRefused: (an expired form, a reply to the wrong comment, a
        duplicate, a flood); nothing is stored then.
    """
    now = now or utcnow()
    settings = policy_settings()
    policy.check_form_age(new.seconds_to_submit, settings.max_form_age)
    digest = digest_of(new.email)
    network = client_network(new.ip)
    with write_transaction():
        parent = db.session.get(Comment, new.parent_id) if new.parent_id else None
        if new.parent_id is not None:
            facts = ParentFacts(_page(parent), parent.status) if parent else None
            policy.check_reply(facts, (page.article_id, page.remedy_id))
        policy.check_flood(_last_comment_at(network, digest), now, settings.flood_seconds)
        policy.check_duplicate(_is_duplicate(page, digest, new.text, new.owned))
        history = AuthorHistory(has_approved_comment=_has_approved(digest, new.name))
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
        comment = Comment(
            article_id=page.article_id,
            remedy_id=page.remedy_id,
            parent_id=parent.id if parent else None,
            root_id=(parent.root_id or parent.id) if parent else None,
            status=decision.status,
            reason=decision.reason,
            author_name=new.name,
            author_email=new.email,
            email_digest=digest,
            author_website=new.website,
            body=new.text,
            created_at=now,
            approved_at=now if decision.status is CommentStatus.APPROVED else None,
            ip=new.ip,
            client_net=network,
            user_agent=(new.user_agent or "")[:MAX_USER_AGENT] or None,
            owner_digest=owner_digest(new.owner_secret),
        )
        db.session.add(comment)
        db.session.flush()
        if comment.status is CommentStatus.APPROVED:
            touch_pages([page], now)
    return comment


def _page(comment: Comment) -> tuple[int, int | None]:
    return (comment.article_id, comment.remedy_id)


def _last_comment_at(network: str | None, digest: str) -> datetime | None:
    by_email = db.session.scalar(
        select(func.max(Comment.created_at)).where(Comment.email_digest == digest)
    )
    by_network = (
        db.session.scalar(select(func.max(Comment.created_at)).where(Comment.client_net == network))
        if network
        else None
    )
    times = [t for t in (by_email, by_network) if t is not None]
    return max(times) if times else None


def _is_duplicate(page: PageKey, digest: str, text: str, owned: frozenset[str]) -> bool:
    """Whether this browser already sent this text with this email to this page.

    Only the browser's own comments are compared: a stranger who guesses an address
    learns nothing from the answer.
    """
    if not owned:
        return False
    query = select(
        exists().where(
            Comment.owner_digest.in_(sorted(owned)),
            page.clause(),
            Comment.email_digest == digest,
            Comment.body == text,
            Comment.status != CommentStatus.TRASH,
        )
    )
    return bool(db.session.scalar(query))


def _has_approved(digest: str, name: str) -> bool:
    query = select(
        exists().where(
            Comment.email_digest == digest,
            func.lower(Comment.author_name) == name.lower(),
            Comment.status == CommentStatus.APPROVED,
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
    earlier versions are deleted.
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


# --- What the public sees -------------------------------------------------------------

# A held comment is shown to the browser that sent it (spam looks held to its sender).
HELD_FOR_OWNER = (CommentStatus.PENDING, CommentStatus.SPAM)


def visible_filter(owned: frozenset[str] = frozenset(), model=Comment):
    """The one rule for what a reader may see: approved comments, plus the reader's own
    held comments (by the owner secrets their browser holds, never by bare ids)."""
    own = (
        and_(
            model.owner_digest.in_(sorted(owned)),
            model.status.in_(HELD_FOR_OWNER),
        )
        if owned
        else None
    )
    approved = model.status == CommentStatus.APPROVED
    return or_(approved, own) if own is not None else approved


_REPLY = aliased(Comment)  # built once: a new alias per call defeats the statement cache


def _visible_root_branches(
    page: PageKey, owned: frozenset[str], also: tuple[int, ...] = ()
) -> tuple:
    """The top-level comments a reader sees, as two conditions that each use an index:
    approved ones; and the others that are the reader's own held comments or removed
    comments still holding public replies (shown as placeholders).  ``also`` adds
    top-level comments by id (to count a thread's position).

    Kept apart (never OR-ed) so that the database never walks the thousands of held or
    spam comments a page may have.
    """
    reply = _REPLY
    branches = [
        select(reply.root_id).where(
            page.clause(reply), reply.status == CommentStatus.APPROVED, reply.root_id.is_not(None)
        )
    ]
    if owned:
        branches.append(
            select(reply.id).where(
                reply.owner_digest.in_(sorted(owned)),
                reply.status.in_(HELD_FOR_OWNER),
                page.clause(reply),
            )
        )
    if also:
        branches.append(select(reply.id).where(reply.id.in_(also), page.clause(reply)))
    chosen = union(*branches) if len(branches) > 1 else branches[0]
    return (
        and_(page.clause(), Comment.parent_id.is_(None), Comment.status == CommentStatus.APPROVED),
        # Driven by the short list alone: its ids are already known to be on this page.
        and_(
            Comment.id.in_(chosen),
            Comment.parent_id.is_(None),
            Comment.status != CommentStatus.APPROVED,
        ),
    )


def _count_roots(page: PageKey, owned: frozenset[str], *extra, also: tuple[int, ...] = ()) -> int:
    return sum(
        db.session.scalar(select(func.count()).select_from(Comment).where(branch, *extra)) or 0
        for branch in _visible_root_branches(page, owned, also)
    )


@dataclass
class ThreadNode:
    """One comment in a displayed thread."""

    comment: Comment
    depth: int = 1
    children: list[ThreadNode] = field(default_factory=list)
    # Set when the comment is shown at the depth limit, below its true parent's level.
    reply_to: Comment | None = None
    visible: bool = True  # False: shown as "This comment was removed." (replies kept)
    own_pending: bool = False


@dataclass
class CommentListing:
    """One page of threads and what the pagination needs."""

    threads: list[ThreadNode]
    page: int
    pages: int
    approved_count: int


def stored_count(page: PageKey) -> int:
    """Return a page's approved comments as kept by ``touch_pages`` (no counting)."""
    if page.remedy_id is None:
        row = db.session.get(Article, page.article_id)  # already loaded: no query
    else:
        row = db.session.get(Remedy, page.remedy_id)
    return row.comment_count if row is not None else 0


def list_comments(
    page: PageKey,
    number: int = 1,
    per_page: int = 50,
    max_depth: int = 5,
    owned: frozenset[str] = frozenset(),
) -> CommentListing:
    """Return page ``number`` of the page's threads, oldest first, threaded.

    A page out of range gives the last page.  A fixed number of queries whatever the
    thread size: the counts, the page of top-level comments, and their replies.
    """
    total_roots = _count_roots(page, owned)
    pages = max(1, -(-total_roots // per_page))
    number = min(max(1, number), pages)
    approved, others = _visible_root_branches(page, owned)
    candidates = union_all(
        select(Comment.id, Comment.created_at).where(approved),
        select(Comment.id, Comment.created_at).where(others),
    ).subquery()
    page_ids = (
        select(candidates.c.id)
        .order_by(candidates.c.created_at, candidates.c.id)
        .limit(per_page)
        .offset((number - 1) * per_page)
    )
    roots = list(
        db.session.scalars(
            select(Comment).where(Comment.id.in_(page_ids)).order_by(Comment.created_at, Comment.id)
        )
    )
    replies = _replies(roots, owned)
    threads = build_threads(roots, replies, max_depth, owned)
    return CommentListing(threads, number, pages, stored_count(page))


def _replies(roots: list[Comment], owned: frozenset[str]) -> list[Comment]:
    if not roots:
        return []
    root_ids = [root.id for root in roots]
    # No ORDER BY: SQLite would then prefer the (status, created_at) index and scan every
    # approved comment; the replies are sorted below instead.
    replies = list(
        db.session.scalars(
            select(Comment).where(Comment.root_id.in_(root_ids), visible_filter(owned))
        )
    )
    # A removed comment in the middle of a thread still holds its visible replies up:
    # fetch such missing parents (rare; usually no query at all).
    known = set(root_ids) | {reply.id for reply in replies}
    missing = {r.parent_id for r in replies if r.parent_id and r.parent_id not in known}
    while missing:
        found = list(db.session.scalars(select(Comment).where(Comment.id.in_(missing))))
        replies.extend(found)
        known |= {c.id for c in found}
        missing = {c.parent_id for c in found if c.parent_id and c.parent_id not in known}
    replies.sort(key=lambda c: (c.created_at, c.id))
    return replies


def build_threads(
    roots: list[Comment],
    replies: list[Comment],
    max_depth: int,
    owned: frozenset[str] = frozenset(),
) -> list[ThreadNode]:
    """Arrange comments into trees no deeper than ``max_depth``.

    Replies to a comment at the last level are shown at that level, after it, with
    ``reply_to`` naming the comment they answer.  Comments that are not public are kept
    only as "removed" placeholders for their public replies.
    """

    def node_for(comment: Comment, depth: int) -> ThreadNode:
        public = comment.status is CommentStatus.APPROVED
        own = comment.status in HELD_FOR_OWNER and comment.owner_digest in owned
        return ThreadNode(comment, depth, visible=public or own, own_pending=own)

    nodes: dict[int, ThreadNode] = {}
    holder_of: dict[int, ThreadNode] = {}  # comment id -> node whose children list holds it
    threads = []
    for root in roots:
        nodes[root.id] = node_for(root, 1)
        threads.append(nodes[root.id])
    for reply in replies:
        parent = nodes.get(reply.parent_id or -1)
        if parent is None:
            continue  # not part of a thread on this page
        if parent.depth >= max_depth:
            holder = holder_of.get(parent.comment.id, parent)
            node = node_for(reply, parent.depth)
            node.reply_to = parent.comment
        else:
            holder = parent
            node = node_for(reply, parent.depth + 1)
        holder.children.append(node)
        nodes[reply.id] = node
        holder_of[reply.id] = holder
    return [thread for thread in threads if _prune(thread)]


def _prune(node: ThreadNode) -> bool:
    """Drop removed comments that hold no visible reply; return whether ``node`` stays."""
    node.children = [child for child in node.children if _prune(child)]
    return node.visible or bool(node.children)


def thread_page_of(comment: Comment, per_page: int, owned: frozenset[str]) -> int:
    """Return the page of comments on which ``comment``'s thread appears."""
    root = db.session.get(Comment, comment.root_id) if comment.root_id else comment
    page = PageKey.of(root)
    earlier = _count_roots(
        page,
        owned,
        or_(
            Comment.created_at < root.created_at,
            and_(Comment.created_at == root.created_at, Comment.id < root.id),
        ),
        also=(root.id,),
    )
    return earlier // per_page + 1
