"""The queries the public pages use to find articles and remedies.

What the public may see is decided in one place, :func:`published_filter`: every public
listing (the home page, the sitemap, and the feeds to come) goes through
:func:`published_articles` or uses that condition.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Article, Remedy


def published_filter() -> ColumnElement[bool]:
    """The condition an article must meet to be shown to the public."""
    return Article.published.is_(True)


def published_articles(drafts: bool = False) -> list[Article]:
    """Return every published article (and the drafts, when asked: for moderators) with
    its remedies, newest first."""
    query = (
        select(Article)
        .options(selectinload(Article.remedies))
        .order_by(Article.published_on.desc(), Article.id)
    )
    if not drafts:
        query = query.where(published_filter())
    return list(db.session.scalars(query))


def article_slugs() -> list[str]:
    """Return every published article's slug (one light query)."""
    return list(
        db.session.scalars(select(Article.slug).where(published_filter()).order_by(Article.id))
    )


def article_by_slug(slug: str, drafts: bool = False) -> Article:
    """Return the article with its remedies and their items loaded.

    ``drafts``: whether a draft may be returned (to a moderator).

    :raise 404: when no article has that slug, or it is a draft and ``drafts`` is false.
    """
    query = select(Article).where(Article.slug == slug).options(selectinload(Article.remedies))
    if not drafts:
        query = query.where(published_filter())
    article = db.session.scalar(query)
    if article is None:
        abort(404)
    return article


def remedy_page(
    article_slug: str, remedy_slug: str, drafts: bool = False
) -> tuple[Article, Remedy]:
    """Return the article and the remedy at the given slugs, items loaded.

    :raise 404: when either slug is unknown, or the article is a draft and ``drafts``
        is false.
    """
    article = article_by_slug(article_slug, drafts)
    for remedy in article.remedies:
        if remedy.slug == remedy_slug:
            return article, remedy
    abort(404)
