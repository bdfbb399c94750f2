"""Typed SQLAlchemy models: the article, its remedies and their items, and comments."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from app.extensions import db


def utcnow() -> datetime:
    """Return the current time in UTC (a callable default, evaluated per row)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone and returns naive values; this makes both backends agree.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Article(db.Model):
    """A published article; its remedies are its sections, each with a page of its own."""

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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    remedies: Mapped[list[Remedy]] = relationship(
        back_populates="article",
        order_by="Remedy.position",
        cascade="all, delete-orphan",
    )

    def __repr__(self) -> str:
        return f"<Article {self.slug}>"


class Remedy(db.Model):
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


class CommentStatus(enum.Enum):
    """Where a comment stands; only APPROVED comments are public."""

    PENDING = "pending"
    APPROVED = "approved"
    SPAM = "spam"
    TRASH = "trash"


class Comment(db.Model):
    """A reader's comment on an article page (remedy_id empty) or on a remedy page."""

    __tablename__ = "comments"
    __table_args__ = (
        # The public listing: a page's comments by status, oldest first.
        Index(
            "ix_comments_page_listing",
            "article_id",
            "remedy_id",
            "status",
            "parent_id",
            "created_at",
        ),
        Index("ix_comments_thread", "root_id", "status"),
        Index("ix_comments_email_digest", "email_digest", "status"),
        Index("ix_comments_ip_created", "ip", "created_at"),
        Index("ix_comments_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    remedy_id: Mapped[int | None] = mapped_column(ForeignKey("remedies.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    # The top-level comment of this comment's thread; empty for a top-level comment.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    status: Mapped[CommentStatus] = mapped_column(
        Enum(
            CommentStatus,
            native_enum=False,
            length=16,
            values_callable=lambda statuses: [s.value for s in statuses],
            validate_strings=True,
        )
    )
    author_name: Mapped[str] = mapped_column(String(100))
    # The normalised address; never sent to the public.
    author_email: Mapped[str] = mapped_column(String(254))
    # Keyed hash (HMAC) of the normalised email: for lookups and the identicon.
    email_digest: Mapped[str] = mapped_column(String(64))
    author_website: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For moderators and rate limits only; IPs are anonymised after a while.
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    # Why the policy held it or marked it as spam ("new commenter", "2 links", ...).
    reason: Mapped[str] = mapped_column(String(200), default="")

    article: Mapped[Article] = relationship()
    remedy: Mapped[Remedy | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id], foreign_keys=[parent_id])

    @property
    def is_public(self) -> bool:
        """Whether anyone may read this comment."""
        return self.status is CommentStatus.APPROVED

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.status.value}>"
