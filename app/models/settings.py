"""The site settings admins saved in the browser (app.site_settings reads them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class SiteSetting(db.Model):
    """One setting an admin changed: its value as JSON, or NULL for "the default again".

    A row is never deleted, so ``revision`` only grows: every save sets the rows it
    changes to one more than the highest revision, and each worker process compares
    ``max(revision)`` with the one its copy was read at (``app.site_settings``).
    """

    __tablename__ = "site_settings"
    __table_args__ = (Index("ix_site_settings_revision", "revision"),)

    # The config key it overrides, such as COMMENTS_MODERATION.
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # JSON; NULL when reset: the config default is in force.
    value: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Kept as text, like the audit log: it outlives the moderator.
    updated_by: Mapped[str] = mapped_column(String(254), default="")
