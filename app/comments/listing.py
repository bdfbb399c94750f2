"""What the public sees of a page's comments: the one visibility rule, the page of
threads, and where a comment's thread appears.

``visible_filter`` is the one rule for what the public may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import and_, bindparam, func, or_, select, tuple_, union, union_all

from app.extensions import db
from app.models import Article, Comment, CommentStatus, Remedy
from app.shared import statements
from app.shared.pages import PageKey

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


# The inner queries read the comments table under another name.  A Core alias, not an
# ORM one: the ORM's aliased class adapts its columns lazily, which under concurrent
# first use logged "Did not locate an expression in selectable for attribute 'status'".
# Built once, since a new alias per call defeats the statement cache.
_REPLY = Comment.__table__.alias("reply").c


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
    on_page = _on_page(page.article_id, page.remedy_id, page.remedy_id is not None)
    return _root_branches(on_page, sorted(owned) if owned else None, also or None)


def _on_page(article, remedy, remedy_page: bool):
    """Return ``on_page(model, indexed=True)``, the page's condition over a model or an
    alias, from values or bound parameters.

    ``indexed=False`` spells it so that no index can use it (``article_id + 0``), for
    the reader's own comments: SQLite, without statistics, would rather walk the page's
    index through every held comment on the page than take the owner's index.
    """

    def on_page(model, indexed: bool = True):
        article_id = model.article_id if indexed else model.article_id + 0
        return and_(
            article_id == article,
            model.remedy_id == remedy if remedy_page else model.remedy_id.is_(None),
        )

    return on_page


def _root_branches(on_page, owned, also) -> tuple:
    """``_visible_root_branches`` over values or bound parameters: ``on_page`` is from
    ``_on_page``; ``owned`` and ``also`` are lists, expanding parameters, or None for
    none."""
    reply = _REPLY
    branches = [
        # The threads of approved replies.  A reply has both a parent and a thread, and
        # an approved one keeps its parent (``remove_for_good`` deletes none with live
        # replies): asking for the parent lets the page's index skip the top-level ones.
        select(reply.root_id).where(
            on_page(reply),
            reply.status == CommentStatus.APPROVED,
            reply.parent_id.is_not(None),
            reply.root_id.is_not(None),
        )
    ]
    if owned is not None:
        branches.append(
            select(reply.id).where(
                reply.owner_digest.in_(owned),
                reply.status.in_(HELD_FOR_OWNER),
                on_page(reply, indexed=False),
            )
        )
    if also is not None:
        branches.append(select(reply.id).where(reply.id.in_(also), on_page(reply)))
    chosen = union(*branches) if len(branches) > 1 else branches[0]
    return (
        and_(
            on_page(Comment),
            Comment.parent_id.is_(None),
            Comment.status == CommentStatus.APPROVED,
        ),
        # Driven by the short list alone: its ids are already known to be on this page.
        and_(
            Comment.id.in_(chosen),
            Comment.parent_id.is_(None),
            Comment.status != CommentStatus.APPROVED,
        ),
    )


def _count_roots(
    page: PageKey,
    owned: frozenset[str],
    *,
    before: Comment | None = None,
    also: tuple[int, ...] = (),
) -> int:
    """Count the top-level comments a reader sees on a page (only those shown before
    ``before``'s thread, when given), in one statement built once."""
    params = {
        "article": page.article_id,
        "remedy": page.remedy_id,
        "owned": sorted(owned),
        "also": list(also),
    }
    if before is not None:
        params.update(created_at=before.created_at, id=before.id)
    query = _count_roots_query(page.remedy_id is not None, before is not None)
    return statements.execute(query, params).scalar_one()


@cache
def _count_roots_query(remedy_page: bool, before: bool):
    """The statement of ``_count_roots``, per kind of page and whether it counts only the
    threads before one: the two branches counted apart and added up."""
    on_page = _on_page(bindparam("article"), bindparam("remedy"), remedy_page)
    extra = ()
    if before:
        # A row comparison, which both databases read as a range of the roots' index.
        extra = (
            tuple_(Comment.created_at, Comment.id)
            < tuple_(
                bindparam("created_at", type_=Comment.created_at.type),
                bindparam("id", type_=Comment.id.type),
            ),
        )
    branches = _root_branches(
        on_page, bindparam("owned", expanding=True), bindparam("also", expanding=True)
    )
    approved, others = (
        select(func.count()).select_from(Comment).where(branch, *extra).scalar_subquery()
        for branch in branches
    )
    return select(approved + others)


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
    # Sent by this browser (whatever its status): it may edit or delete it for a while.
    mine: bool = False
    # Pinned above the discussion as the team's answer (and shown here in place too).
    pinned: bool = False


@dataclass
class CommentListing:
    """One page of threads and what the pagination needs."""

    threads: list[ThreadNode]
    page: int
    pages: int
    approved_count: int
    # This browser's own held comments on the page (all pages of threads), shown only
    # to that browser.
    own_held_count: int = 0
    # The approved comment pinned above the discussion, and the page of its thread.
    pinned: Comment | None = None
    pinned_page: int = 1


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
    pinned_id: int | None = None,
) -> CommentListing:
    """Return page ``number`` of the page's threads, oldest first, threaded.

    A page out of range gives the last page.  A fixed number of queries whatever the
    thread size: the counts, the page of top-level comments, and their replies (and,
    when the page has one, the pinned comment and where its thread is).
    """
    total_roots = _count_roots(page, owned)
    pages = max(1, -(-total_roots // per_page))
    number = min(max(1, number), pages)
    # Each branch is read in order from its index and stops at the rows this page
    # needs: PostgreSQL would otherwise sort every top-level comment of the page first.
    needed = number * per_page
    branches = [
        select(Comment.id, Comment.created_at)
        .where(branch)
        .order_by(Comment.created_at, Comment.id)
        .limit(needed)
        .subquery()
        for branch in _visible_root_branches(page, owned)
    ]
    candidates = union_all(*(select(b.c.id, b.c.created_at) for b in branches)).subquery()
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
    pinned = pinned_comment(page, pinned_id)
    threads = build_threads(roots, replies, max_depth, owned, pinned.id if pinned else None)
    listing = CommentListing(
        threads, number, pages, stored_count(page), own_held_count(page, owned)
    )
    if pinned is not None:
        listing.pinned = pinned
        listing.pinned_page = thread_page_of(pinned, per_page, owned)
    return listing


def pinned_comment(page: PageKey, pinned_id: int | None) -> Comment | None:
    """Return the comment pinned on ``page`` if the public may see it: approved, on
    this page.  One that was unapproved since stays pinned but is not shown as such."""
    if pinned_id is None:
        return None
    comment = db.session.get(Comment, pinned_id)
    if comment is None or comment.status is not CommentStatus.APPROVED:
        return None
    return comment if PageKey.of(comment) == page else None


def own_held_count(page: PageKey, owned: frozenset[str]) -> int:
    """Count the reader's own held comments on a page (no query for most readers)."""
    if not owned:
        return 0
    query = (
        select(func.count())
        .select_from(Comment)
        .where(
            _on_page(page.article_id, page.remedy_id, page.remedy_id is not None)(
                Comment, indexed=False
            ),
            Comment.owner_digest.in_(sorted(owned)),
            Comment.status.in_(HELD_FOR_OWNER),
        )
    )
    return db.session.scalar(query) or 0


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
    pinned_id: int | None = None,
) -> list[ThreadNode]:
    """Arrange comments into trees no deeper than ``max_depth``.

    Replies to a comment at the last level are shown at that level, after it, with
    ``reply_to`` naming the comment they answer.  Comments that are not public are kept
    only as "removed" placeholders for their public replies.
    """

    def node_for(comment: Comment, depth: int) -> ThreadNode:
        public = comment.status is CommentStatus.APPROVED
        mine = comment.owner_digest is not None and comment.owner_digest in owned
        own = mine and comment.status in HELD_FOR_OWNER
        return ThreadNode(
            comment,
            depth,
            visible=public or own,
            own_pending=own,
            mine=mine and (public or own),
            pinned=public and comment.id == pinned_id,
        )

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
    earlier = _count_roots(page, owned, before=root, also=(root.id,))
    return earlier // per_page + 1
