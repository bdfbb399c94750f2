"""Saved replies: words moderators use again and again when they answer as the site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.moderation import Moderator
from app.models.types import UTCDateTime, utcnow


class SavedReply(db.Model):
    """A reusable reply: a title to pick it by, and plain text as a comment's (no
    Markdown), which may hold the placeholders of app.moderation.saved_replies."""

    __tablename__ = "saved_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    # Who wrote it and who last changed it; empty for the one the site ships with (and
    # once that moderator's account is removed).
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("moderators.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[Moderator | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[Moderator | None] = relationship(foreign_keys=[updated_by_id])

    def __repr__(self) -> str:
        return f"<SavedReply {self.id} {self.title!r}>"
