"""Reading the moderation queue: its tabs, their counts, and one page of a tab.

Each view costs about the same with 100,000 comments stored as with 100, on SQLite and
on PostgreSQL:

- A tab's rows are read from ``ix_comments_queue`` (status, created_at, id, over the
  comments not deleted) in the moderator's order, and the read stops after one page.
  The pending tab shows the comments that need a careful answer first: it is read as
  two segments, those (from the small ``ix_comments_careful``) and then the others.
- "Next" and "Previous" carry the place of the last (or first) row shown, a cursor, and
  read on from there (keyset pagination): page 1,000 costs what page 1 does, and a
  moderator who acted on rows meanwhile skips none.  A numbered link (or a typed
  ``?page=``) reads the page's ids by offset first, then only its rows; a page in the
  second half of the tab is read from the tab's end, so the last page is as cheap as
  the first and only the middle of a long tab walks its index.
- The tab counts are counted from that index (never the table) and kept by each worker
  for MODERATION_COUNTS_SECONDS; the "needs a careful answer" count reads its small
  index on every view.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import bindparam, func, literal_column, or_, select, tuple_
from sqlalchemy.orm import aliased, joinedload, undefer

from app.comments import reports
from app.crypto import digest_of
from app.db import data_version
from app.extensions import db
from app.models import Comment, CommentStatus, QueueOrder
from app.shared.pages import PageKey
from app.shared.urls import parse_id

REPORTED_TAB = "reported"
CAREFUL_TAB = "careful"


@dataclass(frozen=True)
class QueueFilter:
    """What the moderator asked the queue for.

    ``reported``: the "Reported" tab, comments with reports awaiting a decision, in
    whatever status (``status`` is then ignored).  ``careful``: the "Needs a careful
    answer" tab, pending comments in which red-flag phrases were found.
    """

    status: CommentStatus = CommentStatus.PENDING
    page: PageKey | None = None
    search: str = ""
    reported: bool = False
    careful: bool = False
    order: QueueOrder = QueueOrder.OLDEST

    @property
    def tab(self) -> str:
        """The tab's name in the URL (``?status=``)."""
        if self.careful:
            return CAREFUL_TAB
        return REPORTED_TAB if self.reported else self.status.value

    @property
    def is_status_tab(self) -> bool:
        """Whether this is one of the status tabs (not Reported nor Careful)."""
        return not (self.reported or self.careful)

    @property
    def seen_status(self) -> CommentStatus | None:
        """The status every comment of this tab has (None: the tab mixes statuses)."""
        return None if self.reported else self.status

    @property
    def filtered(self) -> bool:
        """Whether a page or a search narrows the tab."""
        return self.page is not None or bool(self.search.strip())


# --- Counts --------------------------------------------------------------------------

COUNTS_KEY = "relief.moderation_counts"


class TabCounts:
    """One worker's copy of the queue's tab counts, with the time it was counted and the
    database's ``data_version`` then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: tuple[float, Hashable, dict[CommentStatus, int]] | None = None

    def get(self, max_age: float, version: Hashable) -> dict[CommentStatus, int] | None:
        """Return the counts if they are younger than ``max_age`` seconds, or were
        counted at the same ``version`` of the data (then they are still exact)."""
        with self._lock:
            if self._value is None:
                return None
            taken, counted_at, counts = self._value
            if time.monotonic() - taken < max_age or version == counted_at:
                return dict(counts)
        return None

    def put(self, counts: dict[CommentStatus, int], version: Hashable) -> None:
        with self._lock:
            self._value = (time.monotonic(), version, dict(counts))

    def forget(self) -> None:
        with self._lock:
            self._value = None


def _tab_counts() -> TabCounts:
    return current_app.extensions.setdefault(COUNTS_KEY, TabCounts())


def status_counts(version: Hashable | None = None) -> dict[CommentStatus, int]:
    """Return how many comments each status tab holds.

    Counted from ``ix_comments_queue`` alone (about 10 ms for 100,000 comments on
    PostgreSQL once the table is vacuumed), so each worker keeps the counts for
    MODERATION_COUNTS_SECONDS and drops them after its own actions, and beyond that for
    as long as the database is unchanged (``app.db.data_version``).

    :param version: the ``data_version()`` a caller already read in this request.
    """
    version = data_version() if version is None else version
    cached = _tab_counts().get(current_app.config["MODERATION_COUNTS_SECONDS"], version)
    if cached is not None:
        return cached
    rows = db.session.execute(
        select(Comment.status, func.count())
        .where(Comment.deleted_at.is_(None))
        .group_by(Comment.status)
    )
    counts = dict.fromkeys(CommentStatus, 0)
    counts.update({status: count for status, count in rows})
    _tab_counts().put(counts, version)
    return counts


def forget_counts() -> None:
    """Drop this worker's tab counts (after an action, so the moderator sees it)."""
    _tab_counts().forget()


def careful_conditions() -> list:
    """SQL conditions: pending comments in which red-flag phrases were found.

    Spelled as ``ix_comments_careful``'s condition (``CAREFUL_SQL``), with literals: a
    bound parameter would hide it from both planners, and they could not use the index.
    """
    return [
        Comment.status == literal_column("'pending'"),
        Comment.deleted_at.is_(None),
        Comment.red_flags != literal_column("''"),
    ]


def careful_count() -> int:
    """Return how many pending comments need a careful answer (red flags found)."""
    return _count(careful_conditions())


@dataclass(frozen=True)
class Badges:
    """The counts on the tabs that are not statuses, read on every view."""

    careful: int
    reported: int


def badge_counts() -> Badges:
    """Count the comments that need a careful answer and the reported ones, in one
    statement (each from a small index)."""

    def counted(conditions):
        return select(func.count()).select_from(Comment).where(*conditions).scalar_subquery()

    careful, reported = db.session.execute(
        select(counted(careful_conditions()), counted(reports.open_reports_filter()))
    ).one()
    return Badges(careful or 0, reported or 0)


def _count(conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(Comment).where(*conditions)) or 0


# --- Search ----------------------------------------------------------------------------


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_clause(term: str):
    term = term.strip()
    clauses = [
        Comment.body.ilike(_like(term), escape="\\"),
        Comment.author_name.ilike(_like(term), escape="\\"),
        Comment.ip == term,
    ]
    if "@" in term:
        try:
            email = validate_email(term, check_deliverability=False, test_environment=True)
            clauses.append(Comment.email_digest == digest_of(email.normalized))
        except EmailNotValidError:
            pass
    return or_(*clauses)


# --- Pages -------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LAST_MICROSECOND = (datetime(9999, 12, 31, tzinfo=UTC) - _EPOCH) // timedelta(microseconds=1)


@dataclass(frozen=True)
class Cursor:
    """A row's place in a tab's order: its segment (0 unless the tab has two), when it
    was sent, and its id.  In a URL: ``SEGMENT.MICROSECONDS.ID``."""

    segment: int
    created_at: datetime
    id: int

    def token(self) -> str:
        """The cursor as it goes in a link."""
        micros = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        return f"{self.segment}.{micros}.{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Cursor | None:
        """Read a cursor from a link; None for anything that is not one (and for an id
        no row can have, which PostgreSQL would refuse in a query)."""
        parts = (token or "").split(".")
        if len(parts) != 3 or parts[0] not in ("0", "1"):
            return None
        segment, micros, row_id = parts
        if not (micros.isascii() and micros.isdigit() and len(micros) < 20):
            return None
        row = parse_id(row_id)
        if row is None or int(micros) > _LAST_MICROSECOND:
            return None
        return cls(int(segment), _EPOCH + timedelta(microseconds=int(micros)), row)


@dataclass
class QueuePage:
    """One page of the queue (shaped like Flask-SQLAlchemy's ``Pagination``), with the
    cursors of its "Previous" and "Next" links (None: no such link)."""

    items: list[Comment]
    page: int
    pages: int
    total: int
    previous_cursor: str | None = None
    next_cursor: str | None = None


@dataclass(frozen=True)
class _Segment:
    """Part of a tab read in one index's order.  ``count`` is known for every segment
    but the last one, whose rows nothing needs to skip."""

    conditions: tuple
    count: int | None = None


def queue_page(
    filters: QueueFilter,
    number: int,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    careful: int | None = None,
) -> QueuePage:
    """Return a page of the queue with its comments' pages and parents loaded, in the
    moderator's order (oldest or newest first); in the pending tab the comments that
    need a careful answer come first whatever the order.

    :param number: the page number asked for (clamped to the pages there are): the page
        read by offset, or only its label when a cursor says where to read.
    :param after: the cursor of the last row of the page before ("Next"): the page
        holds the rows that follow it.  A cursor after which nothing is left gives the
        numbered page instead.
    :param before: the cursor of the first row of the page after ("Previous"): the page
        holds the rows before it, or the first page if fewer than a page remain.
    :param careful: :func:`careful_count` when the caller has it already (the pending
        tab, unfiltered, counts them to put them first).

    An unfiltered tab's size comes from this worker's :func:`status_counts`, which may
    be a few seconds old: the first page is always read from the tab's start, and a page
    that finds no rows is read again with the tab counted afresh, so comments that came
    in meanwhile are never hidden behind an old count.
    """
    page = _page(filters, number, per_page, after, before, careful, recount=False)
    if page.items or filters.filtered:
        return page
    return _page(filters, number, per_page, after, before, careful, recount=True)


def _page(
    filters: QueueFilter,
    number: int,
    per_page: int,
    after: str | None,
    before: str | None,
    careful: int | None,
    recount: bool,
) -> QueuePage:
    """:func:`queue_page`, with the tab counted afresh when ``recount``."""
    segments, total = _segments(filters, careful, recount)
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    ascending = filters.order is QueueOrder.OLDEST
    places: list[Cursor] = []
    more = False
    start, end = Cursor.parse(after), Cursor.parse(before)
    if end is not None and end.segment < len(segments):
        places = _read_back(segments, ascending, per_page, before=end)
        if len(places) < per_page:  # less than a page before it now: the first page
            places, number = [], 1
        else:
            more = True  # the row the cursor names, at least, follows
    elif start is not None and start.segment < len(segments):
        places = _read_on(segments, ascending, start.segment, start, 0, per_page + 1)
    if not places:
        before_page, after_page = (number - 1) * per_page, total - number * per_page
        if number > 1 and after_page < before_page:
            # Nearer the end: read from there, so the last pages cost what the first
            # ones do (the rows a page skips are walked in the index).
            segment, offset = _skip(segments, max(0, after_page), total, from_end=True)
            take = per_page + min(0, after_page)
            places = _read_back(segments, ascending, take, segment=segment, offset=offset)
            more = after_page > 0
        else:
            segment, offset = _skip(segments, before_page, total)
            places = _read_on(segments, ascending, segment, None, offset, per_page + 1)
    more = more or len(places) > per_page
    places = places[:per_page]
    return QueuePage(
        _load(places),
        number,
        pages,
        total,
        previous_cursor=places[0].token() if places and number > 1 else None,
        next_cursor=places[-1].token() if places and more else None,
    )


def _segments(
    filters: QueueFilter, careful_total: int | None, recount: bool = False
) -> tuple[list[_Segment], int]:
    """The tab's segments, in the order shown, and how many comments the tab holds
    (this worker's count of an unfiltered tab, unless ``recount``)."""
    extra = []
    if filters.page is not None:
        extra.append(filters.page.clause())
    if filters.search.strip():
        extra.append(_search_clause(filters.search))
    if filters.reported:
        conditions = (*reports.open_reports_filter(), *extra)
        return [_Segment(conditions)], _count(conditions)
    if filters.careful:
        conditions = (*careful_conditions(), *extra)
        return [_Segment(conditions)], _count(conditions)
    tab = (Comment.status == filters.status, Comment.deleted_at.is_(None), *extra)
    total = _count(tab) if recount or filters.filtered else status_counts()[filters.status]
    if filters.status is not CommentStatus.PENDING:
        return [_Segment(tab)], total
    # Someone who may describe an emergency is not kept waiting behind thank-yous.
    careful = (*careful_conditions(), *extra)
    calm = (*tab, Comment.red_flags == literal_column("''"))
    if careful_total is None or filters.filtered:
        careful_total = _count(careful)
    return [_Segment(careful, careful_total), _Segment(calm)], total


def _skip(
    segments: list[_Segment], offset: int, total: int, from_end: bool = False
) -> tuple[int, int]:
    """The segment where the row ``offset`` rows from the tab's start (or end) is, and
    its offset there from the segment's start (or end)."""
    counts = [segment.count for segment in segments[:-1]]
    counts.append(max(0, total - sum(counts)))
    indexes = range(len(segments) - 1, -1, -1) if from_end else range(len(segments))
    for index in indexes[:-1]:
        if offset < counts[index]:
            return index, offset
        offset -= counts[index]
    return indexes[-1], offset


def _read_on(
    segments: list[_Segment],
    ascending: bool,
    segment: int,
    after: Cursor | None,
    offset: int,
    limit: int,
) -> list[Cursor]:
    """Up to ``limit`` rows in the order shown, from ``after`` (or ``offset``) in
    ``segment`` on, into the following segments as needed."""
    places: list[Cursor] = []
    for index in range(segment, len(segments)):
        if len(places) >= limit:
            break
        if segments[index].count == 0:
            continue  # known to be empty (no comment needs a careful answer): no query
        here = index == segment
        rows = _ids(
            segments[index],
            ascending,
            after if here else None,
            offset if here else 0,
            limit - len(places),
        )
        places += [Cursor(index, created_at, row_id) for row_id, created_at in rows]
    return places


def _read_back(
    segments: list[_Segment],
    ascending: bool,
    limit: int,
    before: Cursor | None = None,
    segment: int = 0,
    offset: int = 0,
) -> list[Cursor]:
    """Up to ``limit`` rows just before ``before`` (or, without it, before the last
    ``offset`` rows of ``segment``) in the order shown, read backwards into the
    earlier segments as needed; returned in the order shown."""
    start = before.segment if before is not None else segment
    places: list[Cursor] = []
    for index in range(start, -1, -1):
        if len(places) >= limit:
            break
        if segments[index].count == 0:
            continue
        here = index == start
        rows = _ids(
            segments[index],
            not ascending,
            before if here else None,
            offset if here else 0,
            limit - len(places),
        )
        places += [Cursor(index, created_at, row_id) for row_id, created_at in rows]
    return places[::-1]


def _ids(
    segment: _Segment, ascending: bool, after: Cursor | None, offset: int, limit: int
) -> list[tuple[int, datetime]]:
    """The ids and times of up to ``limit`` rows of a segment in ``ascending`` (or
    descending) order of (created_at, id), strictly beyond ``after``, skipping
    ``offset``: read from the index alone where it holds the segment's conditions."""
    key = tuple_(Comment.created_at, Comment.id)
    query = select(Comment.id, Comment.created_at).where(*segment.conditions)
    if after is not None:
        place = tuple_(
            bindparam("after_created_at", after.created_at, type_=Comment.created_at.type),
            bindparam("after_id", after.id, type_=Comment.id.type),
        )
        query = query.where(key > place if ascending else key < place)
    if ascending:
        query = query.order_by(Comment.created_at.asc(), Comment.id.asc())
    else:
        query = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    return [tuple(row) for row in db.session.execute(query.limit(limit).offset(offset))]


def _load(places: list[Cursor]) -> list[Comment]:
    """The comments at ``places``, in that order, with what a queue row shows."""
    if not places:
        return []
    parent = aliased(Comment)
    found = {
        comment.id: comment
        for comment in db.session.scalars(
            select(Comment)
            .where(Comment.id.in_([place.id for place in places]))
            .options(
                undefer(Comment.author_email),
                joinedload(Comment.article),
                joinedload(Comment.remedy),
                joinedload(Comment.parent.of_type(parent)),
            )
        )
    }
    return [found[place.id] for place in places if place.id in found]
