"""The article and remedy pages, the sitemap and robots.txt."""

from app.content.views import bp

__all__ = ["bp"]
