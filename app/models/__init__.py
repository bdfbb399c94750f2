"""Typed SQLAlchemy 2.0 models, one module per area; import them from here."""

from app.models.comments import Comment, CommentStatus
from app.models.content import Article, Commenting, Remedy
from app.models.mail import MailKind, OutgoingMail
from app.models.moderation import (
    CommentRevision,
    EmailActionToken,
    LoginFailure,
    ModerationAction,
    ModerationEvent,
    ModerationEventItem,
    Moderator,
    ModeratorRole,
    NotifyMode,
    QueueOrder,
)
from app.models.notify import ManageRequest, ManageToken, Notice, NoticeKind, Subscription
from app.models.reports import CommentReport, ReportReason
from app.models.rules import CommenterRule, RuleKind, RuleTarget
from app.models.saved_replies import SavedReply
from app.models.settings import SiteSetting
from app.models.types import UTCDateTime, utcnow

__all__ = [
    "Article",
    "Comment",
    "CommentReport",
    "CommentRevision",
    "CommentStatus",
    "CommenterRule",
    "Commenting",
    "EmailActionToken",
    "LoginFailure",
    "MailKind",
    "ManageRequest",
    "ManageToken",
    "ModerationAction",
    "ModerationEvent",
    "ModerationEventItem",
    "Moderator",
    "ModeratorRole",
    "Notice",
    "NoticeKind",
    "NotifyMode",
    "OutgoingMail",
    "QueueOrder",
    "Remedy",
    "ReportReason",
    "RuleKind",
    "RuleTarget",
    "SavedReply",
    "SiteSetting",
    "Subscription",
    "UTCDateTime",
    "utcnow",
]
