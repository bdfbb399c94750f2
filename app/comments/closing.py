"""Whether a page takes new comments: a moderator's choice, or its age.

A page closes COMMENTS_CLOSE_AFTER_DAYS days after its article's ``published_on`` (the
publication date the article shows; a remedy page is published with its article and
has no date of its own), unless a moderator closed it earlier or keeps it open.  A
closed page keeps its comments, count and feed; it only refuses new comments and
replies.  Authors may still edit or delete their own comment within its edit window.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import bindparam, select

from app import site_settings
from app.models import Article, Commenting, Remedy
from app.models.content import comments_closed
from app.shared import statements
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
    params = {"article": key.article_id, "remedy": key.remedy_id}
    row = statements.execute(_state_query(key.remedy_id is not None, lock), params)
    state = row.first()
    return state is not None and is_closed(state[0], state[1])


@cache
def _state_query(remedy_page: bool, lock: bool):
    """The statement of ``key_closed``, built once per kind of page and lock: the page's
    own state and its article's publication date."""
    if remedy_page:
        query = (
            select(Remedy.commenting, Article.published_on)
            .join(Article, Article.id == Remedy.article_id)
            .where(Remedy.id == bindparam("remedy"))
        )
    else:
        query = select(Article.commenting, Article.published_on).where(
            Article.id == bindparam("article")
        )
    return query.with_for_update() if lock else query
