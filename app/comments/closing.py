"""Whether a page takes new comments: a moderator's choice, or its age.

A page closes COMMENTS_CLOSE_AFTER_DAYS days after its article's ``published_on`` (the
publication date the article shows; a remedy page is published with its article and
has no date of its own), unless a moderator closed it earlier or keeps it open.  A
closed page keeps its comments, count and feed; it only refuses new comments and
replies.  Authors may still edit or delete their own comment within its edit window.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import site_settings
from app.extensions import db
from app.models import Article, Commenting, Remedy
from app.models.content import comments_closed
from app.shared.pages import Page, PageKey


def close_after_days() -> int:
    """The setting in force: days after publication a page closes (0: never)."""
    return max(0, int(site_settings.get("COMMENTS_CLOSE_AFTER_DAYS") or 0))


def is_closed(commenting: Commenting, published_on: date | None, today: date | None = None) -> bool:
    """Whether a page in this state, of an article published then, is closed today."""
    return comments_closed(commenting, published_on, close_after_days(), today)


def page_closed(page: Page) -> bool:
    """Whether a loaded page is closed to new comments."""
    row = page.remedy or page.article
    return is_closed(row.commenting, page.article.published_on)


def key_closed(key: PageKey, *, lock: bool = False) -> bool:
    """Whether the page with this key is closed (one query; ``lock``: inside a write
    transaction, so that a close that commits first is seen)."""
    if key.remedy_id is None:
        query = select(Article.commenting, Article.published_on).where(Article.id == key.article_id)
    else:
        query = (
            select(Remedy.commenting, Article.published_on)
            .join(Article, Article.id == Remedy.article_id)
            .where(Remedy.id == key.remedy_id)
        )
    if lock:
        query = query.with_for_update()
    row = db.session.execute(query).first()
    return row is not None and is_closed(row[0], row[1])
