"""Typed SQLAlchemy 2.0 models, one module per area; import them from here."""

from app.models.comments import Comment, CommentStatus
from app.models.content import Article, Remedy, RemedyItem
from app.models.moderation import (
    CommentRevision,
    EmailActionToken,
    LoginFailure,
    ModerationAction,
    ModerationEvent,
    Moderator,
)
from app.models.types import UTCDateTime, utcnow

__all__ = [
    "Article",
    "Comment",
    "CommentRevision",
    "CommentStatus",
    "EmailActionToken",
    "LoginFailure",
    "ModerationAction",
    "ModerationEvent",
    "Moderator",
    "Remedy",
    "RemedyItem",
    "UTCDateTime",
    "utcnow",
]
