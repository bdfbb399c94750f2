"""The site's plain pages (About, Editorial policy, Privacy, Contact): Markdown files with
front matter in PAGES_DIR, parsed on first use and again whenever a file changes.

A page is small and read often: each process keeps it parsed until its file changes
(``app.shared.filecache``), so an edited page shows at once, without a restart or a
``flask content load``.

Raw HTML in a page is shown as text, never passed through (``app.shared.markdown``).  A page
can quote a few settings (``{setting:IP_RETENTION_DAYS}``), so what it promises follows
the configuration instead of drifting from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import frontmatter
import yaml
from flask import Flask, current_app
from markupsafe import Markup

from app.shared.filecache import FileCache
from app.shared.markdown import escape, render, renderer

# The pages, in the order the footer and the sitemap list them.  Their slugs are
# reserved: no article may take one (app.content.routing.RESERVED).
SLUGS = ("about", "editorial-policy", "privacy", "contact")
# The settings a page may quote; anything else (a secret, a database URL) it may not.
QUOTABLE_SETTINGS = frozenset(
    {
        "SITE_NAME",
        "IP_RETENTION_DAYS",
        "COMMENTS_REMEMBER_DAYS",
        "LOGIN_DEVICE_COOKIE_DAYS",
        "EMAIL_ACTION_DAYS",
        "NOTIFY_MAX_PER_HOUR",
        "NOTIFY_CONFIRM_DAYS",
        "MANAGE_LINK_MINUTES",
        "MAIL_KEEP_DAYS",
    }
)
SETTING = re.compile(r"\{setting:([A-Za-z0-9_]+)\}")
MAX_TITLE = 120
MAX_SUMMARY = 300
EXTENSION_KEY = "relief.pages"


class PageFormatError(ValueError):
    """A page file is not a page this site can show; the message says what to fix."""


@dataclass(frozen=True)
class PlainPage:
    """One plain page, ready to show."""

    slug: str
    title: str
    summary: str
    updated: date
    html: Markup


def _text(meta: dict, key: str, limit: int) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PageFormatError(f"The front matter needs a {key!r} (text).")
    value = " ".join(value.split())
    if len(value) > limit:
        raise PageFormatError(f"The {key!r} is longer than {limit} characters.")
    return value


def _updated(meta: dict) -> date:
    value = meta.get("updated")
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, date):
        raise PageFormatError("The front matter needs 'updated', a date such as 2026-11-29.")
    return value


def _fill_settings(body: str, settings: Mapping[str, object]) -> str:
    def value_of(match: re.Match) -> str:
        name = match.group(1)
        if name not in QUOTABLE_SETTINGS:
            raise PageFormatError(
                f"{{setting:{name}}} is not a setting a page may quote; these are: "
                f"{', '.join(sorted(QUOTABLE_SETTINGS))}."
            )
        return escape(str(settings.get(name, "")))

    return SETTING.sub(value_of, body)


def parse_page(slug: str, text: str, settings: Mapping[str, object]) -> PlainPage:
    """Parse a page file's text into a :class:`PlainPage`.

    :param settings: the values for ``{setting:NAME}`` in the body.
    :raise PageFormatError: when the front matter lacks a title, summary or updated date,
        when the body has a ``#`` heading (the title is the page's only one), or when it
        quotes a setting it may not.
    """
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as exc:
        raise PageFormatError(f"The front matter is not valid YAML: {exc}") from None
    meta = post.metadata
    title = _text(meta, "title", MAX_TITLE)
    summary = _text(meta, "summary", MAX_SUMMARY)
    updated = _updated(meta)
    body = _fill_settings(post.content, settings)
    if any(token.type == "heading_open" and token.tag == "h1" for token in renderer().parse(body)):
        raise PageFormatError("Use ## for headings in the body: the title is the only # heading.")
    return PlainPage(slug, title, summary, updated, render(body))


def _parse_file(path: Path, text: str, settings: Mapping[str, object]) -> PlainPage:
    try:
        return parse_page(path.stem, text, settings)
    except PageFormatError as exc:
        raise PageFormatError(f"{path}: {exc}") from None


def init_app(app: Flask) -> None:
    """Give ``app`` its own cache of parsed pages."""
    app.extensions[EXTENSION_KEY] = FileCache(_parse_cached)


def _parse_cached(path: Path, text: str) -> PlainPage:
    settings = current_app.config
    return _parse_file(path, text, {name: settings.get(name) for name in QUOTABLE_SETTINGS})


def get_page(slug: str) -> PlainPage | None:
    """Return the current app's page ``slug``, or None when it is not in PAGES_DIR.

    :raise PageFormatError: when its file does not parse.
    """
    config = current_app.config
    settings = tuple((name, config.get(name)) for name in sorted(QUOTABLE_SETTINGS))
    pages: FileCache[PlainPage] = current_app.extensions[EXTENSION_KEY]
    path = Path(config["PAGES_DIR"]) / f"{slug}.md"
    try:
        return pages.get(path, settings)
    except UnicodeDecodeError:
        raise PageFormatError(f"{path}: not UTF-8 text.") from None


def published_pages() -> list[PlainPage]:
    """Return the pages that have a file, in the order of ``SLUGS``.

    :raise PageFormatError: when a file does not parse.
    """
    return [page for page in map(get_page, SLUGS) if page is not None]
