"""The audit log, filtered: by who acted, by action, by comment and by dates.

Filters combine (AND).  The comment filter finds every entry that names the comment:
as the entry's own comment, or as one of the comments a bulk action changed
(``ModerationEventItem``).  Each filter has its own index (see the models).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select, union
from sqlalchemy.orm import joinedload, selectinload

from app.comments.manage import SELF_ACTOR
from app.comments.own import AUTHOR_ACTOR
from app.comments.privacy import CLI_ACTOR
from app.comments.reports import SYSTEM_ACTOR
from app.extensions import db
from app.models import ModerationAction, ModerationEvent, ModerationEventItem, Moderator

# Who else writes in the log, besides moderators: (value kept in the log, label).
OTHER_ACTORS = (
    (AUTHOR_ACTOR, "A comment's author (editing or deleting it)"),
    (SELF_ACTOR, "A commenter, from an email link"),
    (SYSTEM_ACTOR, "The site (held after reports)"),
    (CLI_ACTOR, "The command line"),
)


@dataclass(frozen=True)
class LogFilter:
    """What the moderator asked the log for; None means "any"."""

    who: str | None = None
    action: ModerationAction | None = None
    comment_id: int | None = None
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        """Whether any filter is set."""
        return any(
            v is not None for v in (self.who, self.action, self.comment_id, self.since, self.until)
        )


def actor_choices() -> list[tuple[str, str]]:
    """The "Who" list: every moderator (by email, as the log keeps them), then the
    others who write in the log."""
    moderators = db.session.scalars(select(Moderator).order_by(Moderator.name, Moderator.email))
    return [(m.email, f"{m.name} ({m.email})") for m in moderators] + list(OTHER_ACTORS)


def action_choices() -> list[tuple[str, str]]:
    """The "Action" list, as the log names them."""
    return [(a.value, a.value.replace("_", " ").capitalize()) for a in ModerationAction]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _conditions(filters: LogFilter) -> list:
    conditions = []
    if filters.who is not None:
        conditions.append(ModerationEvent.moderator_email == filters.who)
    if filters.action is not None:
        conditions.append(ModerationEvent.action == filters.action)
    if filters.comment_id is not None:
        # A union of two indexed lookups (an OR would make both databases read every
        # entry): the entries about the comment, and those whose items name it.
        naming = union(
            select(ModerationEvent.id).where(ModerationEvent.comment_id == filters.comment_id),
            select(ModerationEventItem.event_id).where(
                ModerationEventItem.comment_id == filters.comment_id
            ),
        )
        conditions.append(ModerationEvent.id.in_(naming))
    # Whole days in UTC (the log shows UTC times), both ends included.
    if filters.since is not None:
        conditions.append(ModerationEvent.created_at >= _midnight(filters.since))
    if filters.until is not None and filters.until < date.max:
        conditions.append(ModerationEvent.created_at < _midnight(filters.until + timedelta(days=1)))
    return conditions


def events(filters: LogFilter, number: int, per_page: int) -> Pagination:
    """A page of the log, newest first, with each entry's comment and items loaded (a
    page past the end: the last)."""
    query = (
        select(ModerationEvent)
        .where(*_conditions(filters))
        .options(joinedload(ModerationEvent.comment), selectinload(ModerationEvent.items))
        .order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
    )
    page = db.paginate(query, page=min(max(1, number), 10**6), per_page=per_page, error_out=False)
    if page.page > max(1, page.pages):
        page = db.paginate(query, page=page.pages, per_page=per_page, error_out=False)
    return page
