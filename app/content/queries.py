"""The queries the public pages use to find articles and remedies."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Article, Remedy


def published_articles() -> list[Article]:
    """Return every article with its remedies, newest first."""
    query = (
        select(Article)
        .options(selectinload(Article.remedies))
        .order_by(Article.published_on.desc(), Article.id)
    )
    return list(db.session.scalars(query))


def article_slugs() -> list[str]:
    """Return every article's slug (one light query)."""
    return list(db.session.scalars(select(Article.slug).order_by(Article.id)))


def article_by_slug(slug: str) -> Article:
    """Return the article with its remedies and their items loaded.

    :raise 404: when no article has that slug.
    """
    article = db.session.scalar(
        select(Article)
        .where(Article.slug == slug)
        .options(selectinload(Article.remedies).selectinload(Remedy.items))
    )
    if article is None:
        abort(404)
    return article


def remedy_page(article_slug: str, remedy_slug: str) -> tuple[Article, Remedy]:
    """Return the article and the remedy at the given slugs, items loaded.

    :raise 404: when either slug is unknown.
    """
    article = article_by_slug(article_slug)
    for remedy in article.remedies:
        if remedy.slug == remedy_slug:
            return article, remedy
    abort(404)
