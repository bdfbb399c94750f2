"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, request
from markupsafe import Markup, escape

from app.comments.avatars import avatar_for
from app.comments.text import render_comment
from app.shared.markdown import render as render_markdown
from app.shared.origin import absolute_url


def paragraphs(text: str | None) -> Markup:
    """Render plain text as escaped ``<p>`` paragraphs (a blank line separates them)."""
    if not text:
        return Markup("")
    parts = [part.strip() for part in text.split("\n\n") if part.strip()]
    return Markup("\n").join(Markup("<p>{}</p>").format(escape(part)) for part in parts)


# Ids the page templates around a remedy's text use: its headings never take one.
PAGE_IDS = frozenset(
    {
        "main",
        "remedy-title",
        "get-help",
        "get-help-title",
        "when-to-get-help",
        "when-to-get-help-title",
        "trust-title",
        "disclaimer-title",
        "comments",
        "comments-title",
        "respond",
        "reply-title",
        "error-summary",
        "error-summary-title",
        "pinned-answer",
        "pinned-answer-title",
    }
)


def markdown(text: str | None) -> Markup:
    """Render the site's own Markdown (remedy text) for this request's mount point."""
    return render_markdown(text or "", request.script_root, PAGE_IDS)


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


def short_datetime(value: datetime | None) -> str:
    """Format a timestamp as "25 Nov 2026, 14:05" (UTC): for dense lists."""
    if value is None:
        return ""
    return f"{value.day} {value:%b %Y, %H:%M}"


def one_line(text: str | None) -> str:
    """Return ``text`` on one line: every run of whitespace, line breaks of any kind
    included (U+2028 too), becomes one space.  Plain-text emails put names through it,
    so that no stored value can start a line of its own there."""
    return " ".join((text or "").split())


def excerpt(text: str | None, length: int = 200) -> str:
    """Return the first ``length`` characters of ``text`` as one line of plain text,
    with "…" when it was cut (whitespace runs become one space)."""
    flat = one_line(text)
    return flat if len(flat) <= length else flat[:length].rstrip() + "…"


def page_window(current: int, total: int, around: int = 2) -> list[int | None]:
    """Page numbers to link: the first, the last, and ``around`` either side of the
    current one; None marks a gap.  A pager of 1,500 pages stays a few links long."""
    shown = {1, total, *range(max(1, current - around), min(total, current + around) + 1)}
    window: list[int | None] = []
    for number in sorted(shown):
        if window and number - (window[-1] or 0) > 1:
            window.append(None)
        window.append(number)
    return window


def canonical_url() -> str:
    """Return this page's absolute URL without its query string."""
    return absolute_url(request.path)


def init_app(app: Flask) -> None:
    """Register the filters and globals on ``app``."""
    # Block tags leave no blank lines behind: pages are smaller, and faster to send.
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.add_template_filter(paragraphs)
    app.add_template_filter(markdown)
    app.add_template_filter(long_date)
    app.add_template_filter(long_datetime)
    app.add_template_filter(short_datetime)
    app.add_template_filter(one_line)
    app.add_template_filter(excerpt)
    app.add_template_filter(render_comment, "comment_html")
    app.add_template_global(canonical_url)
    app.add_template_global(page_window)
    app.add_template_global(avatar_for)
