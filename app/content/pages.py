"""A page of the site that carries comments: an article, or one of its remedies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for

from app.comments.services import PageKey
from app.models import Article, Remedy


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
        if self.remedy is None:
            return url_for("content.article", slug=self.article.slug, **params)
        return url_for(
            "content.remedy",
            article_slug=self.article.slug,
            remedy_slug=self.remedy.slug,
            **params,
        )

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

    ``load`` fetches the whole page, for the rarer answers that render it.
    """

    article_slug: str
    remedy_slug: str | None
    key: PageKey
    load: Callable[[], Page]

    def url(self, **params) -> str:
        """Return the page's path, as ``Page.url`` does."""
        if self.remedy_slug is None:
            return url_for("content.article", slug=self.article_slug, **params)
        return url_for(
            "content.remedy",
            article_slug=self.article_slug,
            remedy_slug=self.remedy_slug,
            **params,
        )
