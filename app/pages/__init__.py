"""The site's plain pages: About, Editorial policy, Privacy and Contact."""

from app.pages.views import bp

__all__ = ["bp"]
