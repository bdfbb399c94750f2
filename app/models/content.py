"""The article and its remedies."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.comments import _enum
from app.models.types import UTCDateTime, utcnow


def review_overdue(next_review_on: date | None, today: date | None = None) -> bool:
    """Whether a page's next review date has passed (today, in UTC, by default)."""
    return next_review_on is not None and next_review_on < (today or utcnow().date())


class Commenting(enum.Enum):
    """Whether a page takes new comments; see :func:`comments_closed`."""

    AUTO = "auto"  # open until COMMENTS_CLOSE_AFTER_DAYS after the article's publication
    OPEN = "open"  # kept open by a moderator, whatever its age
    CLOSED = "closed"  # closed by a moderator


def comments_closed(
    commenting: Commenting,
    published_on: date | None,
    close_after_days: int,
    today: date | None = None,
) -> bool:
    """Whether a page refuses new comments (its comments stay visible).

    A moderator's choice wins; otherwise a page closes ``close_after_days`` days after
    its article's ``published_on`` (the publication date it shows; a remedy page has
    none of its own), and never when ``close_after_days`` is 0.
    """
    if commenting is not Commenting.AUTO:
        return commenting is Commenting.CLOSED
    if close_after_days <= 0 or published_on is None:
        return False
    return (today or utcnow().date()) >= published_on + timedelta(days=close_after_days)


class PageState:
    """What every page that carries comments keeps about itself (a mixin)."""

    # Approved comments on this page, kept up to date by the comment services.
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Bumped whenever anything shown on the page changes (its text, a comment on it; for
    # an article, also a comment on one of its remedies): the rendered-page cache key,
    # read by every worker.
    cache_version: Mapped[int] = mapped_column(default=1, server_default="1")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The comment a moderator pinned above the discussion (the team's answer), one per
    # page; shown only while it is approved.  use_alter: comments point at pages too.
    pinned_comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="SET NULL", use_alter=True)
    )
    # Whether it takes new comments (a moderator's choice, or closed with age).
    commenting: Mapped[Commenting] = mapped_column(
        _enum(Commenting), default=Commenting.AUTO, server_default="auto"
    )


class Article(PageState, db.Model):
    """An article; its remedies are its sections, each with a page of its own.

    Only a published article is public: a draft answers 404 to readers, stays out of
    the home page and the sitemap, and is shown to moderators alone, marked as a draft.
    ``app.content.queries.published_filter`` is the one condition every public listing
    uses.
    """

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400))
    # Paragraphs of plain text separated by a blank line.
    intro: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[date] = mapped_column(Date)
    updated_on: Mapped[date] = mapped_column(Date)
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    # "NAME, ROLE" of whoever last reviewed it: from the front matter, or recorded by
    # `flask content publish` (the latest review on record wins).
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    # Who wrote it, and whether that is an organisation (the editorial team) or a person.
    author: Mapped[str | None] = mapped_column(String(200))
    author_organization: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When it is due for its next review; past it, pages say they may be out of date.
    next_review_on: Mapped[date | None] = mapped_column(Date)
    # What it follows: [{"title": ..., "url": ..., "publisher": ... or None}, ...].
    sources: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    # The remedy whose page carries the full "When to get help" section (its slug); the
    # short box on every page links there.  None: the box stands alone.
    get_help_in: Mapped[str | None] = mapped_column(String(120))
    # A row written without saying so is a draft: nothing becomes public by accident.
    published: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    remedies: Mapped[list[Remedy]] = relationship(
        back_populates="article",
        order_by="Remedy.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"

    def review_overdue(self, today: date | None = None) -> bool:
        """Whether the article is past its next review date."""
        return review_overdue(self.next_review_on, today)

    @property
    def reviewer_name(self) -> str | None:
        """The NAME part of ``reviewed_by`` ("NAME, ROLE")."""
        return self.reviewed_by.rpartition(",")[0].strip() if self.reviewed_by else None

    @property
    def reviewer_role(self) -> str | None:
        """The ROLE part of ``reviewed_by`` ("NAME, ROLE")."""
        return self.reviewed_by.rpartition(",")[2].strip() if self.reviewed_by else None


class Remedy(PageState, db.Model):
    """One numbered section of an article, served as its own page."""

    __tablename__ = "remedies"
    __table_args__ = (
        UniqueConstraint("article_id", "slug"),
        Index("ix_remedies_article_position", "article_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # 1-based order within the article; the number shown in its heading.
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(200))
    # Two or three sentences for the article's overview (and the page's description).
    summary: Mapped[str] = mapped_column(String(400))
    # The full text, in Markdown (app.shared.markdown): shown on the remedy's own page only.
    text: Mapped[str] = mapped_column(Text, default="", server_default="")

    article: Mapped[Article] = relationship(back_populates="remedies")

    def __repr__(self) -> str:
        return f"<Remedy {self.position} {self.slug}>"
