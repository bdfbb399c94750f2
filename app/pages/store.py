"""The site's plain pages (About, Editorial policy, Privacy, Contact): Markdown files with
front matter in PAGES_DIR, parsed on first use and again whenever a file changes.

A page is small and read often, so each process keeps the parsed page and only checks
the file's modification time and size on each request: an edited page shows at once,
without a restart or a `flask content load`.

Raw HTML in a page is shown as text, never passed through: the Markdown renderer runs
with HTML off, and its link check drops ``javascript:`` and similar addresses.  A page
can quote a few settings (``{setting:IP_RETENTION_DAYS}``), so what it promises follows
the configuration instead of drifting from it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from pathlib import Path

import frontmatter
import yaml
from flask import Flask, current_app
from markdown_it import MarkdownIt
from markupsafe import Markup

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
    }
)
SETTING = re.compile(r"\{setting:([A-Za-z0-9_]+)\}")
# CommonMark lets a backslash escape any ASCII punctuation: a quoted value is text.
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
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


def _renderer() -> MarkdownIt:
    # CommonMark plus tables and strikethrough; raw HTML off: it shows as text.
    return MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


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
        return _MARKDOWN_PUNCTUATION.sub(r"\\\1", str(settings.get(name, "")))

    return SETTING.sub(value_of, body)


def _give_headings_ids(tokens: list) -> None:
    """Give each heading an id made from its words ("## Who can see it" -> who-can-see-it),
    so that a page can link to its own sections and a reader can share one."""
    taken: set[str] = set()
    for heading, inline in pairwise(tokens):
        if heading.type != "heading_open":
            continue
        base = re.sub(r"[^a-z0-9]+", "-", inline.content.lower()).strip("-") or "section"
        anchor, n = base, 2
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        taken.add(anchor)
        heading.attrSet("id", anchor)


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
    markdown = _renderer()
    tokens = markdown.parse(_fill_settings(post.content, settings))
    if any(token.type == "heading_open" and token.tag == "h1" for token in tokens):
        raise PageFormatError("Use ## for headings in the body: the title is the only # heading.")
    _give_headings_ids(tokens)
    html = markdown.renderer.render(tokens, markdown.options, {})
    return PlainPage(slug, title, summary, updated, Markup(html))


class PageStore:
    """The parsed pages of one app, each kept until its file changes."""

    def __init__(self) -> None:
        self._pages: dict[Path, tuple[tuple, PlainPage]] = {}
        self._lock = threading.Lock()

    def get(self, folder: Path, slug: str, settings: Mapping[str, object]) -> PlainPage | None:
        """Return the page ``slug`` from ``folder``, or None when it has no file.

        :raise PageFormatError: naming the file, when it does not parse.
        """
        path = Path(folder) / f"{slug}.md"
        try:
            stat = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        version = (stat.st_mtime_ns, stat.st_size, tuple(sorted(settings.items())))
        with self._lock:
            cached = self._pages.get(path)
        if cached is not None and cached[0] == version:
            return cached[1]
        try:
            page = parse_page(slug, path.read_text(encoding="utf-8"), settings)
        except UnicodeDecodeError:
            raise PageFormatError(f"{path}: not UTF-8 text.") from None
        except PageFormatError as exc:
            raise PageFormatError(f"{path}: {exc}") from None
        with self._lock:
            self._pages[path] = (version, page)
        return page


def init_app(app: Flask) -> None:
    """Give ``app`` its own page store."""
    app.extensions[EXTENSION_KEY] = PageStore()


def get_page(slug: str) -> PlainPage | None:
    """Return the current app's page ``slug``, or None when it is not in PAGES_DIR.

    :raise PageFormatError: when its file does not parse.
    """
    config = current_app.config
    settings = {name: config.get(name) for name in sorted(QUOTABLE_SETTINGS)}
    store: PageStore = current_app.extensions[EXTENSION_KEY]
    return store.get(config["PAGES_DIR"], slug, settings)


def published_pages() -> list[PlainPage]:
    """Return the pages that have a file, in the order of ``SLUGS``.

    :raise PageFormatError: when a file does not parse.
    """
    return [page for page in map(get_page, SLUGS) if page is not None]
