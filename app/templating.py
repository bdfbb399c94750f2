"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request
from markupsafe import Markup, escape

from app.comments.text import identicon, render_comment
from app.content import seo


def paragraphs(text: str | None) -> Markup:
    """Render plain text as escaped ``<p>`` paragraphs (a blank line separates them)."""
    if not text:
        return Markup("")
    parts = [part.strip() for part in text.split("\n\n") if part.strip()]
    return Markup("\n").join(Markup("<p>{}</p>").format(escape(part)) for part in parts)


def long_date(value: date | datetime | None) -> str:
    """Format a date as "25 November 2026"."""
    if value is None:
        return ""
    return f"{value.day} {value:%B %Y}"


def long_datetime(value: datetime | None) -> str:
    """Format a timestamp as "25 November 2026 at 14:05" (UTC)."""
    if value is None:
        return ""
    return f"{long_date(value)} at {value:%H:%M}"


def canonical_url() -> str:
    """Return this page's absolute URL without its query string."""
    return seo.absolute_url(request.path)


def init_app(app: Flask) -> None:
    """Register the filters and globals on ``app``."""
    # Block tags leave no blank lines behind: pages are smaller, and faster to send.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(paragraphs)
    app.add_template_filter(long_date)
    app.add_template_filter(long_datetime)
    app.add_template_filter(render_comment, "comment_html")
    app.add_template_global(canonical_url)
    app.add_template_global(identicon)
