"""Moderator accounts: login, logout, the ``flask moderators`` commands."""

from app.auth.views import bp

__all__ = ["bp"]
