"""The moderation area under /moderation/, and the action links sent by email."""

from app.moderation.email_views import bp as email_actions_bp
from app.moderation.views import bp

__all__ = ["bp", "email_actions_bp"]
