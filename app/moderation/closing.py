"""Closing pages to new comments, and opening them again (each change is logged).

Whether a page is closed is decided in ``app.comments.closing``; here moderators see
every page's state and change it.  A change bumps the page's cache version, so that
cached pages lose (or regain) their comment form at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.comments import closing
from app.db import write_transaction
from app.extensions import db
from app.models import (
    Article,
    Commenting,
    ModerationAction,
    ModerationEvent,
    Moderator,
    Remedy,
    utcnow,
)
from app.moderation.services import ModerationError
from app.shared.pages import Page, PageKey


@dataclass(frozen=True)
class PageRow:
    """One page in the moderators' list, with its comment count and state."""

    page: Page
    comment_count: int
    commenting: Commenting
    closed: bool
    # When an open page closes by age (None: it does not).
    closes_on: date | None

    @property
    def key(self) -> PageKey:
        return self.page.key

    @property
    def form_value(self) -> str:
        """The page as the form names it: "ARTICLE" or "ARTICLE.REMEDY"."""
        key = self.page.key
        return f"{key.article_id}" if key.remedy_id is None else f"{key.article_id}.{key.remedy_id}"

    @property
    def state(self) -> str:
        """The state in words."""
        if self.commenting is Commenting.CLOSED:
            return "Closed by a moderator"
        if self.closed:
            return "Closed automatically"
        if self.commenting is Commenting.OPEN:
            return "Open (kept open by a moderator)"
        return "Open"


def _row(page: Page) -> PageRow:
    state = (page.remedy or page.article).commenting
    days = closing.close_after_days()
    closes_on = None
    if state is Commenting.AUTO and days > 0:
        closes_on = page.article.published_on + timedelta(days=days)
    return PageRow(
        page,
        (page.remedy or page.article).comment_count,
        state,
        closing.page_closed(page),
        closes_on,
    )


def page_rows() -> list[PageRow]:
    """Every article page and remedy page (drafts too), in reading order."""
    articles = db.session.scalars(
        select(Article)
        .options(selectinload(Article.remedies))
        .order_by(Article.published_on.desc(), Article.id)
    )
    rows = []
    for article in articles:
        rows.append(_row(Page(article)))
        rows.extend(_row(Page(article, remedy)) for remedy in article.remedies)
    return rows


def set_open(key: PageKey, open_: bool, moderator: Moderator) -> str:
    """Close a page to new comments, or open it again; return a sentence saying so.

    Opening a page that its age has closed keeps it open for good (``OPEN``); any other
    page goes back to the automatic rule (``AUTO``).

    :raise ModerationError: when the page does not exist.
    """
    now = utcnow()
    with write_transaction():
        model = Article if key.remedy_id is None else Remedy
        row_id = key.article_id if key.remedy_id is None else key.remedy_id
        row = db.session.get(model, row_id, with_for_update=True)
        if row is None or (isinstance(row, Remedy) and row.article_id != key.article_id):
            raise ModerationError("That page no longer exists.")
        page = Page(row) if isinstance(row, Article) else Page(row.article, row)
        title = page.title
        if open_:
            aged = closing.is_closed(Commenting.AUTO, page.article.published_on)
            target = Commenting.OPEN if aged else Commenting.AUTO
        else:
            target = Commenting.CLOSED
        was_closed = closing.page_closed(page)
        row.commenting = target
        db.session.execute(
            update(model)
            .where(model.id == row_id)
            .values(cache_version=model.cache_version + 1, changed_at=now)
        )
        where = page.article.slug + (f"/{page.remedy.slug}" if page.remedy else "")
        what = f"{'article' if page.remedy is None else 'remedy'} page /{where}/"
        db.session.add(
            ModerationEvent(
                moderator_id=moderator.id,
                moderator_email=moderator.email,
                comment_id=None,
                action=ModerationAction.PAGE_OPEN if open_ else ModerationAction.PAGE_CLOSE,
                detail=what + ("; kept open past its age" if target is Commenting.OPEN else ""),
            )
        )
    if open_:
        return f"“{title}” takes comments again." if was_closed else f"“{title}” is open."
    return f"“{title}” is closed to new comments; its comments stay visible."
