"""Readers' reports about published comments."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.comments import _enum
from app.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.comments import Comment
    from app.models.moderation import Moderator


class ReportReason(enum.Enum):
    """Why a reader reports a comment (the choices of the report form)."""

    UNSAFE_ADVICE = "unsafe_advice"
    PERSONAL_INFO = "personal_info"
    ABUSE = "abuse"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The words readers and moderators see."""
        return REASON_LABELS[self]

    @property
    def hint(self) -> str:
        """A line under the choice on the report form, saying what it covers."""
        return REASON_HINTS[self]


REASON_LABELS = {
    ReportReason.UNSAFE_ADVICE: "Unsafe medical advice",
    ReportReason.PERSONAL_INFO: "Personal information",
    ReportReason.ABUSE: "Abuse or spam",
    ReportReason.OTHER: "Other",
}
REASON_HINTS = {
    ReportReason.UNSAFE_ADVICE: "Advice that could harm someone who follows it.",
    ReportReason.PERSONAL_INFO: (
        "Details that could identify someone, such as a full name with health details, "
        "an address or a phone number."
    ),
    ReportReason.ABUSE: "Insults, harassment, advertising or links to unrelated sites.",
    ReportReason.OTHER: "Tell us what is wrong in the note below.",
}


class CommentReport(db.Model):
    """One reader's report about a comment.

    One per comment per browser and per client network (the two unique rules): a
    second report from either is thanked but never stored, so every open report on a
    comment comes from a different network.
    """

    __tablename__ = "comment_reports"
    __table_args__ = (
        UniqueConstraint("comment_id", "reporter_digest"),
        UniqueConstraint("comment_id", "client_net"),
        # The throttle: recent reports from one client network.
        Index("ix_comment_reports_client_net_created", "client_net", "created_at"),
        # The queue's "Reported" tab: comments with reports not yet dismissed.
        Index("ix_comment_reports_open", "dismissed_at", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    reason: Mapped[ReportReason] = mapped_column(_enum(ReportReason))
    # What the reader added; read by moderators only, never shown publicly.
    note: Mapped[str] = mapped_column(Text, default="")
    # SHA-256 of the random key in the reporting browser's cookie (never the session).
    reporter_digest: Mapped[str] = mapped_column(String(64))
    # app.netaddr.client_network of the sender; cleared after IP_RETENTION_DAYS, as the
    # comments' own client_net is.
    client_net: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator dismissed the report: it no longer counts towards a hold.
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dismissed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )

    comment: Mapped[Comment] = relationship()
    dismissed_by: Mapped[Moderator | None] = relationship()

    def __repr__(self) -> str:
        return f"<CommentReport {self.id} on {self.comment_id} {self.reason.value}>"
