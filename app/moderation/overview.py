"""The moderation home's overview: how long the oldest held comment has waited, how
many held comments carry red flags, and which readers' questions the team has not
answered yet.

A question is an approved comment by a reader with a question mark in it (plain and
predictable: a moderator can tell at a glance why a comment is listed, and the
condition is indexed, see ``ix_comments_questions``).  It counts as answered when a
site reply (``moderator_id`` set) or the page's pinned answer is anywhere beneath it in
its thread, or when it is itself pinned.  Finding the answered ones walks *up* from the
site replies and pinned comments (few) to their ancestors, never down every thread.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, literal_column, select, union
from sqlalchemy.orm import aliased, joinedload

from app.db import data_version
from app.extensions import db
from app.models import Article, Comment, CommentStatus, Remedy, utcnow
from app.moderation.queue import careful_count

# The index's condition (app.models.comments.QUESTION_SQL), as a literal: a bound
# parameter would hide it from SQLite's planner, which then could not use the partial
# index (tests/test_moderation_overview.py checks the plan).
_HAS_QUESTION_MARK = Comment.body.like(literal_column("'%?%'"))


@dataclass(frozen=True)
class Overview:
    """What the top of the queue shows."""

    oldest_pending: datetime | None
    questions: int
    red_flagged: int

    def waiting_for(self, now: datetime | None = None) -> str:
        """How long the oldest held comment has waited, in words ("3 days")."""
        if self.oldest_pending is None:
            return ""
        return age_in_words((now or utcnow()) - self.oldest_pending)


def age_in_words(age) -> str:
    """ "5 minutes", "3 hours", "2 days": the largest unit that fits, rounded down."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        value, unit = max(1, minutes), "minute"
    elif minutes < 48 * 60:
        value, unit = minutes // 60, "hour"
    else:
        value, unit = minutes // (24 * 60), "day"
    return f"{value} {unit}{'' if value == 1 else 's'}"


def _pinned_ids():
    """The ids of every page's pinned comment."""
    return union(
        select(Article.pinned_comment_id).where(Article.pinned_comment_id.is_not(None)),
        select(Remedy.pinned_comment_id).where(Remedy.pinned_comment_id.is_not(None)),
    )


def _answering() -> tuple:
    """Conditions on a site reply that answers what is above it: public, not removed."""
    return (
        Comment.parent_id.is_not(None),
        Comment.status == CommentStatus.APPROVED,
        Comment.deleted_at.is_(None),
    )


def _answered_ids(answered_by_pin: list[int]):
    """A recursive query of every comment with a public site reply or a pinned comment
    beneath it: the ancestors of those replies.

    :param answered_by_pin: the comments a pinned reply answers directly.
    """
    # Spelled as ix_comments_site_replies' condition, so that the index serves it.
    seeds = select(Comment.parent_id.label("id")).where(
        Comment.moderator_id.is_not(None), *_answering()
    )
    if answered_by_pin:
        seeds = union(seeds, select(Comment.id).where(Comment.id.in_(answered_by_pin)))
        seeds = select(seeds.subquery().c.id)
    answered = seeds.cte("answered", recursive=True)
    # Each step reads one parent by primary key: a scalar subquery, because with a join
    # PostgreSQL misjudges the step's size and hashes every reply instead.  The top of
    # each thread yields one NULL, which ends its chain (and is left out by the caller).
    above = aliased(Comment)
    parent = select(above.parent_id).where(above.id == answered.c.id).scalar_subquery()
    return answered.union(select(parent).where(answered.c.id.is_not(None)))


def _pins() -> tuple[list[int], list[int]]:
    """The pinned comments' ids, and the comments that those of them which are public
    replies answer.  A handful of rows (one a page at most), read by primary key."""
    pinned = list(db.session.scalars(_pinned_ids()))
    if not pinned:
        return [], []
    rows = db.session.execute(
        select(Comment.parent_id, Comment.status, Comment.deleted_at).where(Comment.id.in_(pinned))
    )
    answered = [
        parent
        for parent, status, deleted_at in rows
        if parent is not None and status is CommentStatus.APPROVED and deleted_at is None
    ]
    return pinned, answered


def _unanswered() -> list:
    """Conditions selecting the unanswered questions (reads the pinned comments first)."""
    pinned, answered_by_pin = _pins()
    answered = _answered_ids(answered_by_pin)
    return [
        Comment.status == CommentStatus.APPROVED,
        Comment.deleted_at.is_(None),
        _HAS_QUESTION_MARK,
        Comment.moderator_id.is_(None),
        Comment.id.not_in(select(answered.c.id).where(answered.c.id.is_not(None))),
        Comment.id.not_in(pinned),
    ]


def unanswered_count() -> int:
    """How many readers' questions have no answer from the team yet."""
    return db.session.scalar(select(func.count()).select_from(Comment).where(*_unanswered()))


@dataclass
class QuestionsPage:
    """One page of unanswered questions (shaped for the pager macro)."""

    items: list[Comment]
    page: int
    pages: int
    total: int


def unanswered_questions(number: int, per_page: int) -> QuestionsPage:
    """A page of the unanswered questions, oldest first, with their pages loaded."""
    total = unanswered_count()
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    items = list(
        db.session.scalars(
            select(Comment)
            .where(*_unanswered())
            .options(joinedload(Comment.article), joinedload(Comment.remedy))
            .order_by(Comment.created_at, Comment.id)
            .limit(per_page)
            .offset((number - 1) * per_page)
        )
    )
    return QuestionsPage(items, number, pages, total)


OVERVIEW_KEY = "relief.moderation_overview"


def overview(version: Hashable | None = None) -> Overview:
    """The numbers at the top of the queue (three indexed queries).

    Counting the unanswered questions reads every one of them (tens of milliseconds
    with 15,000), so each worker keeps the numbers for MODERATION_COUNTS_SECONDS, as it
    keeps the queue's tab counts, and beyond that while ``data_version`` is unchanged.

    :param version: the ``data_version()`` a caller already read in this request.
    """
    max_age = current_app.config["MODERATION_COUNTS_SECONDS"]
    version = data_version() if version is None else version
    cached = current_app.extensions.get(OVERVIEW_KEY)
    if cached is not None and (time.monotonic() - cached[0] < max_age or cached[1] == version):
        return cached[2]
    numbers = _count()
    current_app.extensions[OVERVIEW_KEY] = (time.monotonic(), version, numbers)
    return numbers


def _count() -> Overview:
    # The first entry of the pending tab's index, and a count of a small partial index.
    held = (Comment.status == CommentStatus.PENDING, Comment.deleted_at.is_(None))
    oldest = db.session.scalar(select(func.min(Comment.created_at)).where(*held))
    return Overview(oldest, unanswered_count(), careful_count())
