"""Comments and their statuses."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import EncryptedText, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.content import Article, Remedy
    from app.models.moderation import Moderator


# A comment "asks something" when its text has a question mark: plain, predictable, and
# indexable (see ix_comments_questions).
QUESTION_SQL = "body LIKE '%?%'"
SITE_REPLY_SQL = "moderator_id IS NOT NULL"
# Top-level comments, and those of the article page itself (not of a remedy).
ROOT_SQL = "parent_id IS NULL"
ARTICLE_ROOT_SQL = "parent_id IS NULL AND remedy_id IS NULL"
# The comments a moderator can still act on: every tab of the queue reads only these.
LIVE_SQL = "deleted_at IS NULL"
# Held comments that need a careful answer (red-flag phrases found): a few among many.
CAREFUL_SQL = "status = 'pending' AND deleted_at IS NULL AND red_flags <> ''"


def _enum(enum_class) -> Enum:
    """A portable enum column: stored as its values, checked on the way in."""
    return Enum(
        enum_class,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


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
        # A page's comments by status, and which threads have public replies (the
        # listing's placeholders); recounting a page's approved comments.
        Index("ix_comments_page_threads", "article_id", "remedy_id", "status", "root_id"),
        # The public listing's top-level comments, oldest first, read in order and
        # counted from the index alone: one index for the article page (remedy_id
        # empty) and one for remedy pages.  Partial, because PostgreSQL does not take
        # "IS NULL" as fixing a column and would otherwise sort every top-level comment
        # of a page.  The columns of the condition come last, though always empty
        # here: SQLite (3.40) reads a partial index alone only when it holds every
        # column a query names.
        Index(
            "ix_comments_article_roots",
            "article_id",
            "status",
            "created_at",
            "id",
            "remedy_id",
            "parent_id",
            sqlite_where=text(ARTICLE_ROOT_SQL),
            postgresql_where=text(ARTICLE_ROOT_SQL),
        ),
        Index(
            "ix_comments_remedy_roots",
            "remedy_id",
            "article_id",
            "status",
            "created_at",
            "id",
            "parent_id",
            sqlite_where=text(ROOT_SQL),
            postgresql_where=text(ROOT_SQL),
        ),
        Index("ix_comments_thread", "root_id", "status"),
        Index("ix_comments_email_digest", "email_digest", "status"),
        # The flood limit: the latest comment from one client network.
        Index("ix_comments_client_net_created", "client_net", "created_at"),
        # "My own held comments": found by the browser's secret, never by a bare id.
        Index("ix_comments_owner_digest", "owner_digest"),
        # The moderation queue in either order, its cursor pages, and its tab counts
        # from the index alone; tombstones (deleted_at set) left out.  Partial, for
        # PostgreSQL's sake as above; deleted_at last for SQLite's, as above.
        Index(
            "ix_comments_queue",
            "status",
            "created_at",
            "id",
            "deleted_at",
            sqlite_where=text(LIVE_SQL),
            postgresql_where=text(LIVE_SQL),
        ),
        # The "needs a careful answer" tab and count, and the top of the pending tab: a
        # handful of entries.  Queries spell CAREFUL_SQL with literals
        # (app.moderation.queue), or neither planner can use it; status leads so that
        # SQLite prefers it to the queue's index without statistics.
        Index(
            "ix_comments_careful",
            "status",
            "created_at",
            "id",
            "deleted_at",
            sqlite_where=text(CAREFUL_SQL),
            postgresql_where=text(CAREFUL_SQL),
        ),
        # Site replies (moderator_id set), which answer readers' questions: only those.
        Index(
            "ix_comments_site_replies",
            "status",
            "deleted_at",
            "parent_id",
            sqlite_where=text(SITE_REPLY_SQL),
            postgresql_where=text(SITE_REPLY_SQL),
        ),
        # Readers' questions (app.moderation.overview): only comments with a "?" in them.
        # Queries must spell the condition exactly so (QUESTION_SQL, a literal) for the
        # planner to use this index.
        Index(
            "ix_comments_questions",
            "status",
            "deleted_at",
            "moderator_id",
            "created_at",
            sqlite_where=text(QUESTION_SQL),
            postgresql_where=text(QUESTION_SQL),
        ),
        # An imported comment is imported once: its source site and id there (WXR, Disqus).
        Index("ux_comments_source", "source_site", "source_id", unique=True),
        # Ids are public (anchors, reply links) and never handed out twice: without
        # AUTOINCREMENT SQLite reuses the largest id after that comment is deleted.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    remedy_id: Mapped[int | None] = mapped_column(ForeignKey("remedies.id", ondelete="RESTRICT"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    # The top-level comment of this comment's thread; empty for a top-level comment.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    author_name: Mapped[str] = mapped_column(String(100))
    # The normalised address, encrypted at rest; never sent to the public.  Deferred:
    # public pages never load (or decrypt) it.
    author_email: Mapped[str] = mapped_column(EncryptedText, deferred=True)
    # Keyed hash (HMAC) of the normalised email: a blind index for lookups (export,
    # erase, returning commenters), never shown to anyone.
    email_digest: Mapped[str] = mapped_column(String(64))
    author_website: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # For moderators and rate limits only; IPs are anonymised after a while.
    ip: Mapped[str | None] = mapped_column(String(45))
    # What the flood limit counts: the IPv4 address, or the IPv6 /64 (app.netaddr).
    client_net: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    # Why the policy held it or marked it as spam ("new commenter", "2 links", ...).
    reason: Mapped[str] = mapped_column(String(200), default="")
    # The red-flag phrases found in it (one per line; empty when none): it may describe
    # an emergency, so it is held for a careful answer whatever its author's history.
    red_flags: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The status to go back to when a trashed comment is restored.
    status_before_trash: Mapped[CommentStatus | None] = mapped_column(_enum(CommentStatus))
    # Set when a moderator replied as the site.
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a moderator last acted on it (approved, edited, pinned it...): from then on
    # its author can no longer change it.
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SHA-256 of the random secret kept by the browser that sent the comment: it lets
    # that browser (and no other) see the comment while it is held.
    owner_digest: Mapped[str | None] = mapped_column(String(64))
    # A permanently deleted comment that still has replies stays as a scrubbed tombstone
    # so that the thread holds together ("This comment was removed.").
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The author asked to be emailed when it is published and about replies to it (sent
    # only once their address confirmed: app.comments.subscriptions).
    notify: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Where an imported comment came from (app.transfer): the source site ("https://
    # example.com" for WordPress, "disqus:SHORTNAME") and its id there.  Importing the
    # same file again finds it by these and adds nothing.  Empty for comments made here.
    source_site: Mapped[str | None] = mapped_column(String(200))
    source_id: Mapped[str | None] = mapped_column(String(64))

    # foreign_keys: pages point back at comments too (their pinned comment).
    article: Mapped[Article] = relationship(foreign_keys=[article_id])
    remedy: Mapped[Remedy | None] = relationship(foreign_keys=[remedy_id])
    parent: Mapped[Comment | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    moderator: Mapped[Moderator | None] = relationship()

    @property
    def is_public(self) -> bool:
        """Whether anyone may read this comment."""
        return self.status is CommentStatus.APPROVED

    @property
    def red_flag_list(self) -> list[str]:
        """The red-flag phrases found in it, in the order found."""
        return [line for line in self.red_flags.splitlines() if line]

    @property
    def is_site_reply(self) -> bool:
        """Whether a moderator wrote this as the site's reply."""
        return self.moderator_id is not None

    def __repr__(self) -> str:
        return f"<Comment {self.id} {self.status.value}>"
