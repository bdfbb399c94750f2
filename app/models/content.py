"""The article, its remedies and their list items."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class PageState:
    """What every page that carries comments keeps about itself (a mixin)."""

    # Approved comments on this page, kept up to date by the comment services.
    comment_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # Bumped whenever anything shown on the page changes (its text, a comment on it; for
    # an article, also a comment on one of its remedies): the rendered-page cache key,
    # read by every worker.
    cache_version: Mapped[int] = mapped_column(default=1, server_default="1")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


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
    # "NAME, ROLE" of whoever last reviewed it, recorded by `flask content publish`.
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
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
    summary: Mapped[str] = mapped_column(String(400))
    # Paragraphs before the list of items, then paragraphs after it.
    body: Mapped[str] = mapped_column(Text, default="")
    closing: Mapped[str] = mapped_column(Text, default="")

    article: Mapped[Article] = relationship(back_populates="remedies")
    items: Mapped[list[RemedyItem]] = relationship(
        back_populates="remedy",
        order_by="RemedyItem.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Remedy {self.position} {self.slug}>"


class RemedyItem(db.Model):
    """A labelled entry in a remedy's list, such as one stretch or the cold-pack advice."""

    __tablename__ = "remedy_items"
    __table_args__ = (Index("ix_remedy_items_remedy_position", "remedy_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    remedy_id: Mapped[int] = mapped_column(ForeignKey("remedies.id", ondelete="CASCADE"))
    position: Mapped[int]
    label: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)

    remedy: Mapped[Remedy] = relationship(back_populates="items")
