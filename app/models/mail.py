"""The outbox: every email the site sends is a row here first.

A row is written in the same transaction as whatever causes the email, so a crash can
neither lose it nor send it twice for one cause; ``app.outbox`` sends due rows, retries
failures with a growing wait, and scrubs a row's address and text once it is sent.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.comments import _enum
from app.models.types import EncryptedText, UTCDateTime, utcnow


class MailKind(enum.Enum):
    """What an email is for; notices and digests count towards the hourly cap."""

    MODERATION = "moderation"  # a comment waits for a moderator
    CONFIRM = "confirm"  # "please confirm": the one email before a confirmation
    NOTICE = "notice"  # your comment is published / someone replied
    DIGEST = "digest"  # the notices that waited for the hourly cap, in one email
    MANAGE = "manage"  # the single-use link to manage one's comments


class OutgoingMail(db.Model):
    """One email waiting to be sent, being sent, sent, or given up on."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        # The drain: unsent rows that are due.
        Index("ix_outgoing_mail_due", "sent_at", "failed_at", "not_before"),
        # The hourly cap: recent notices to one address.
        Index("ix_outgoing_mail_recipient", "recipient_digest", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MailKind] = mapped_column(_enum(MailKind))
    # The address, encrypted at rest like commenters' emails; emptied once sent.
    recipient: Mapped[str] = mapped_column(EncryptedText)
    # Keyed hash of the address (app.crypto.digest_of): the cap and erasure find rows by it.
    recipient_digest: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    # The plain text, encrypted at rest (it holds single-use links); emptied once sent.
    body: Mapped[str] = mapped_column(EncryptedText)
    # Extra headers as a JSON object (List-Unsubscribe, ...); "{}" once sent.
    headers: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Not sent before this time (a retry waits here).
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    # A process that claimed the row to send it; another may take it after this time.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when MAIL_MAX_ATTEMPTS were used up.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.kind.value}>"
