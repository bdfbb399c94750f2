"""The identity of a page that carries comments: an article, or one of its remedies.

``PageKey`` is what comments point at (ids only); ``Page`` is a loaded page;
``PageAddress`` is a page known by its slugs, enough to take a comment and redirect.
Every area uses these, so they live beneath all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import and_

from app.models import Article, Comment, Remedy


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


def page_url(article_slug: str, remedy_slug: str | None, **params) -> str:
    """Return the path of an article or remedy page.

    ``page`` is the page of comments; the first has no ``?page=1`` (one address per
    page, for readers and for search engines), so callers may pass any number.
    """
    if (params.get("page") or 1) <= 1:
        params.pop("page", None)
    if remedy_slug is None:
        return url_for("content.article", slug=article_slug, **params)
    return url_for("content.remedy", article_slug=article_slug, remedy_slug=remedy_slug, **params)


@dataclass(frozen=True)
class Page:
    """An article page (``remedy`` empty) or a remedy page."""

    article: Article
    remedy: Remedy | None = None

    @property
    def key(self) -> PageKey:
        """The key comments use to point at this page."""
        return PageKey(self.article.id, self.remedy.id if self.remedy else None)

    @property
    def title(self) -> str:
        """The page's heading."""
        return self.remedy.title if self.remedy else self.article.title

    def url(self, **params) -> str:
        """Return the page's path, with query parameters and an ``_anchor`` if given."""
        return page_url(self.article.slug, self.remedy.slug if self.remedy else None, **params)

    @property
    def neighbours(self) -> tuple[Remedy | None, Remedy | None]:
        """The previous and next remedy of a remedy page; (None, None) for an article."""
        if self.remedy is None:
            return None, None
        remedies = self.article.remedies
        index = remedies.index(self.remedy)
        previous = remedies[index - 1] if index > 0 else None
        following = remedies[index + 1] if index + 1 < len(remedies) else None
        return previous, following


@dataclass(frozen=True)
class PageAddress:
    """A page known by its slugs and ids only: enough to take a comment and redirect.

    ``closed``: whether the page was closed to comments when its address was read (from
    the same row, so no query of its own); the write transaction checks again under its
    lock.  ``load`` fetches the whole page, for the rarer answers that render it.
    """

    article_slug: str
    remedy_slug: str | None
    key: PageKey
    closed: bool
    load: Callable[[], Page]

    def url(self, **params) -> str:
        """Return the page's path, as ``Page.url`` does."""
        return page_url(self.article_slug, self.remedy_slug, **params)
