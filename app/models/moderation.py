"""Moderators, the audit log, edits, login throttling and email action links."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.comments import CommentStatus, _enum
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.comments import Comment


class ModeratorRole(enum.Enum):
    """What a moderator may do: every moderator works the queue; an admin also manages
    the moderators and the site's comment settings."""

    ADMIN = "admin"
    MODERATOR = "moderator"


class QueueOrder(enum.Enum):
    """Which end of the queue a moderator starts from."""

    OLDEST = "oldest"
    NEWEST = "newest"


class NotifyMode(enum.Enum):
    """When a moderator is emailed about held comments."""

    NOW = "now"  # one email per held comment, as it arrives
    HOURLY = "hourly"  # one digest an hour, when anything waits
    DAILY = "daily"  # one digest a day
    NEVER = "never"


class Moderator(db.Model):
    """A person who may log in and moderate comments."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lowercased, so that logging in does not depend on case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped at logout and on a password change: older session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    role: Mapped[ModeratorRole] = mapped_column(
        _enum(ModeratorRole), default=ModeratorRole.MODERATOR, server_default="moderator"
    )
    # Their own preferences (the queue's order, keyboard shortcuts, moderation email).
    queue_order: Mapped[QueueOrder] = mapped_column(
        _enum(QueueOrder), default=QueueOrder.OLDEST, server_default="oldest"
    )
    shortcuts: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_mode: Mapped[NotifyMode] = mapped_column(
        _enum(NotifyMode), default=NotifyMode.NOW, server_default="now"
    )
    # When their last digest went out (hourly and daily modes).
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login's user interface.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    @property
    def is_admin(self) -> bool:
        """Whether they may manage moderators and the site's settings."""
        return self.role is ModeratorRole.ADMIN

    def get_id(self) -> str:
        """Identify the moderator and the session generation in the login cookie."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<Moderator {self.email}>"


class ModerationAction(enum.Enum):
    """What a moderator can do to a comment; recorded in the audit log."""

    APPROVE = "approve"
    UNAPPROVE = "unapprove"
    SPAM = "spam"
    NOT_SPAM = "not_spam"
    TRASH = "trash"
    RESTORE = "restore"
    DELETE = "delete"
    EDIT = "edit"
    REPLY = "reply"
    EMPTY_SPAM = "empty_spam"
    ERASE = "erase"  # a commenter's data removed on request (flask comments erase)
    PIN = "pin"  # shown above the discussion as the team's answer
    UNPIN = "unpin"
    # Done by a comment's author, from the browser that sent it, within the edit window.
    AUTHOR_EDIT = "author_edit"
    AUTHOR_DELETE = "author_delete"
    HOLD = "hold"  # held back by the site itself (reports from several readers)
    DISMISS_REPORTS = "dismiss_reports"
    RULE_ADD = "rule_add"  # a commenter rule made or replaced (trust, hold, spam)
    RULE_REMOVE = "rule_remove"
    PAGE_CLOSE = "page_close"  # a page closed to new comments
    PAGE_OPEN = "page_open"
    # A logged status change put back (within MODERATION_UNDO_MINUTES).  The column is a
    # non-native enum without a CHECK constraint: a new value needs no migration.
    UNDO = "undo"
    # An admin's changes to the site (app.site_settings, app.auth.services): the
    # detail names the setting or the moderator, and what changed.
    SETTINGS = "settings"
    MODERATOR_ADD = "moderator_add"
    MODERATOR_ROLE = "moderator_role"
    MODERATOR_REMOVE = "moderator_remove"
    SAVED_REPLY = "saved_reply"  # a saved reply added, changed or deleted (no comment)
    # Comments brought in from WordPress or Disqus (flask comments import-wxr): the
    # detail names the source site and the counts.
    IMPORT = "import"


class ModerationEvent(db.Model):
    """One line of the audit log: who did what to which comment, and when."""

    __tablename__ = "moderation_events"
    __table_args__ = (
        Index("ix_moderation_events_created", "created_at"),
        # The log's filters: by who acted, by action, by the comment an entry names.
        Index("ix_moderation_events_actor", "moderator_email", "created_at"),
        Index("ix_moderation_events_action", "action", "created_at"),
        Index("ix_moderation_events_comment", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    # Kept as text so the log stays readable after a moderator or comment is removed.
    moderator_email: Mapped[str] = mapped_column(String(254))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    action: Mapped[ModerationAction] = mapped_column(_enum(ModerationAction))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # On an Undo: the entry it reverted.  Unique, so an entry is undone at most once
    # (two moderators pressing Undo together: the second is refused).
    undoes_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderation_events.id", ondelete="SET NULL"), unique=True
    )

    moderator: Mapped[Moderator | None] = relationship()
    comment: Mapped[Comment | None] = relationship()
    items: Mapped[list[ModerationEventItem]] = relationship(
        cascade="all, delete-orphan", order_by="ModerationEventItem.id"
    )


class ModerationEventItem(db.Model):
    """One comment a logged action changed, and the status it had before and after.

    A single action has one item; a bulk action is one log entry with an item per
    comment (so the log names them all, and Undo can put each back).
    """

    __tablename__ = "moderation_event_items"
    __table_args__ = (Index("ix_moderation_event_items_comment", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("moderation_events.id", ondelete="CASCADE"), index=True
    )
    # Kept as a number once the comment is deleted (the log outlives it).
    comment_id: Mapped[int] = mapped_column()
    status_before: Mapped[CommentStatus | None] = mapped_column(_enum(CommentStatus))
    status_after: Mapped[CommentStatus | None] = mapped_column(_enum(CommentStatus))


class CommentRevision(db.Model):
    """What a comment said before a moderator (or its author) edited it."""

    __tablename__ = "comment_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    moderator_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    author_name: Mapped[str] = mapped_column(String(100))
    author_website: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # True when the comment's author made the edit (from the browser that sent it).
    by_author: Mapped[bool] = mapped_column(default=False, server_default=false())


class LoginFailure(db.Model):
    """A failed moderator login, counted for throttling.

    A failure from a known device (``device`` set) counts against that device only; one
    from an unknown device (``device`` NULL) against the account and the client network.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_network", "network", "created_at"),
        Index("ix_login_failures_email", "email", "created_at"),
        Index("ix_login_failures_device", "device", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # app.netaddr.client_network: an IPv4 address, or an IPv6 /64 network.
    network: Mapped[str] = mapped_column(String(45))
    email: Mapped[str] = mapped_column(String(254))
    # The nonce of the device cookie the attempt was trusted by, if any.
    device: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmailActionToken(db.Model):
    """One moderation email's action links: usable once, until it expires."""

    __tablename__ = "email_action_tokens"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    moderator_id: Mapped[int] = mapped_column(ForeignKey("moderators.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    comment: Mapped[Comment] = relationship()
    moderator: Mapped[Moderator] = relationship()
