"""Reply notifications and managing one's comments by email, without an account.

Addresses are found by their keyed hash (``email_digest``), never stored in clear: where
one is needed to send mail it is encrypted (``EncryptedText``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.comments import _enum
from app.models.types import EncryptedText, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.comments import Comment


class Subscription(db.Model):
    """One address's consent to notification emails (double opt-in).

    Pending until ``confirmed_at``; an unsubscribed address (``unsubscribed_at``) gets
    nothing more until it confirms again.  Which comments it hears about is each
    comment's own ``notify`` flag.
    """

    __tablename__ = "notify_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, names the subscription in signed links (never an id that can be reused).
    key: Mapped[str] = mapped_column(String(32), unique=True)
    email_digest: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Only the latest confirmation link works: each one sent gets a new nonce.
    confirm_nonce: Mapped[str] = mapped_column(String(32))
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def active(self) -> bool:
        """Whether notifications may be sent: confirmed, and not unsubscribed since."""
        return self.confirmed_at is not None and self.unsubscribed_at is None


class NoticeKind(enum.Enum):
    """What a notification tells its reader."""

    PUBLISHED = "published"  # your held comment was approved
    REPLY = "reply"  # an approved reply to your comment


class Notice(db.Model):
    """A notification waiting to be written into an email (then deleted).

    Written in the transaction that approves the comment; the outbox's planner turns
    it into an email, or keeps it for the next hour when the address had its
    NOTIFY_MAX_PER_HOUR (``deferred_at``), to go with the others in one email.
    """

    __tablename__ = "notify_notices"
    __table_args__ = (UniqueConstraint("email_digest", "comment_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email_digest: Mapped[str] = mapped_column(String(64))
    # The comment the email is about: the reply, or the reader's own published comment.
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[NoticeKind] = mapped_column(_enum(NoticeKind))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    comment: Mapped[Comment] = relationship()


class ManageRequest(db.Model):
    """Someone asked for a link to manage the comments of an address.

    Answered off the request path, whether or not the address has comments; kept a
    short while (address scrubbed once handled) to throttle per network and address.
    """

    __tablename__ = "manage_requests"
    __table_args__ = (
        Index("ix_manage_requests_network", "network", "created_at"),
        Index("ix_manage_requests_digest", "email_digest", "created_at"),
        Index("ix_manage_requests_handled", "handled_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # app.netaddr.client_network of the requester.
    network: Mapped[str | None] = mapped_column(String(45))
    email_digest: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ManageToken(db.Model):
    """A single-use link to manage an address's comments, and the visit it opened.

    Only the SHA-256 of the link's secret is stored.  Using the link (a POST) marks it
    used and lets that browser act until ``grant_expires_at``.
    """

    __tablename__ = "manage_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email_digest: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    grant_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
