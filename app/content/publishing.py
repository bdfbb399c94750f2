"""Publishing and unpublishing articles: the rules, and the services that apply them.

An imported article (and any with ``draft: true``) becomes public only through
:func:`publish`, and only with a review on record: a ``reviewed`` date from its front
matter, or a reviewer named now (or earlier) with ``--reviewed-by "NAME, ROLE"``.  A
file under content/ without ``draft: true`` is published by ``flask content load``, as
the README says: the editorial team writes and reviews those before they are committed.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.content.importer import tidy_reviewer
from app.content.loading import touch_article
from app.db import write_transaction
from app.extensions import db
from app.models import Article

MAX_REVIEWER = 200  # the width of Article.reviewed_by


class PublishRefused(Exception):
    """A publish or unpublish that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class StatusChange:
    """What a publish or unpublish did, for the command line to report."""

    slug: str
    was_published: bool
    published: bool
    reviewed_on: date | None
    reviewed_by: str | None


def reviewer(text: str) -> str:
    """Return ``text`` as a reviewer "NAME, ROLE": spaces tidied, both parts present.

    :raise PublishRefused: when a part is missing, the text holds control or formatting
        characters (line breaks, bidirectional overrides that would reorder it on the
        page), or it is longer than MAX_REVIEWER.
    """
    if any(unicodedata.category(ch) in {"Cc", "Cf"} for ch in text):
        raise PublishRefused(
            "The reviewer contains control characters (a line break, a tab or an invisible "
            'formatting mark); type it plainly, as "NAME, ROLE".'
        )
    tidy = tidy_reviewer(text)
    if tidy is None:
        raise PublishRefused(
            'Give the reviewer as "NAME, ROLE", for example --reviewed-by '
            '"Dr Jane Smith, GP": who reviewed the article, and in what capacity.'
        )
    if len(tidy) > MAX_REVIEWER:
        raise PublishRefused(
            f"The reviewer is {len(tidy)} characters long; at most {MAX_REVIEWER}."
        )
    return tidy


def require_review(slug: str, reviewed_on: date | None) -> None:
    """:raise PublishRefused: when there is no review on record for the article."""
    if reviewed_on is None:
        raise PublishRefused(
            f"'{slug}' has no review on record, so it stays a draft. Once a qualified "
            "person has reviewed it, publish it with their name and role: "
            f'flask content publish {slug} --reviewed-by "NAME, ROLE" '
            "(or give the article a 'reviewed' date in its front matter and load it)."
        )


def _article(slug: str) -> Article:
    article = db.session.scalar(
        select(Article).where(Article.slug == slug).options(selectinload(Article.remedies))
    )
    if article is None:
        raise PublishRefused(f"No article has the slug '{slug}'.")
    return article


def _result(article: Article, was_published: bool) -> StatusChange:
    return StatusChange(
        article.slug, was_published, article.published, article.reviewed_on, article.reviewed_by
    )


def publish(slug: str, reviewed_by: str | None = None, today: date | None = None) -> StatusChange:
    """Publish the article at ``slug``; with ``reviewed_by``, record today's review first.

    Publishing an article that is already public only records the review.

    :raise PublishRefused: for an unknown slug, a malformed reviewer, or no review on
        record; nothing is changed.
    """
    name = reviewer(reviewed_by) if reviewed_by is not None else None
    with write_transaction():
        article = _article(slug)
        was_published = article.published
        if name is not None:
            article.reviewed_on = today or date.today()
            article.reviewed_by = name
        require_review(slug, article.reviewed_on)
        article.published = True
        if db.session.is_modified(article):
            # The page appears, or shows its new review date: new cache keys.
            touch_article(article)
    return _result(article, was_published)


def unpublish(slug: str) -> StatusChange:
    """Make the article at ``slug`` a draft again; its review stays on record.

    :raise PublishRefused: for an unknown slug.
    """
    with write_transaction():
        article = _article(slug)
        was_published = article.published
        article.published = False
        if was_published:
            touch_article(article)
    return _result(article, was_published)
