"""Rendered pages for anonymous readers, cached in each worker.

The key holds the article's and remedy's ``cache_version``, which the services bump in
the same transaction as any change to the page; every worker reads those versions with
the page itself, so a change shows everywhere at once and nothing needs clearing.

The cached HTML has markers where the per-visitor values go (the CSRF token and the
comment form's time stamp); they are filled in for each response, and only inside the
form's own hidden fields: a marker is looked for together with ``name="..." value="``,
quotes that reader-written text can never hold (it is escaped), so a comment that
contains a marker's text shows it as written.  Responses carry an
ETag and Last-Modified, so a browser that has the page gets a 304.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, request, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import Boolean, Date, Integer, String, column, text
from werkzeug.wrappers import Response

from app.comments import closing, remember
from app.comments.stamps import form_stamp
from app.content import get_help
from app.extensions import db
from app.models import Commenting, UTCDateTime
from app.models.content import review_overdue
from app.shared.pages import Page

CSRF_MARK = "__RELIEF_CSRF_TOKEN__"
STAMP_MARK = "__RELIEF_FORM_STAMP__"


def hidden_field(name: str, value: str) -> str:
    """A hidden field as ``_macros/forms.html`` writes it (``csrf_field``, ``hidden``)."""
    return f'name="{name}" value="{value}"'


_CSRF_SLOT = hidden_field("csrf_token", CSRF_MARK).encode()
_STAMP_SLOT = hidden_field("rendered_at", STAMP_MARK).encode()
# Session keys that do not personalise a page: Flask-WTF's raw CSRF token, and the
# "fresh login" flag Flask-Login sets on every anonymous request.
NEUTRAL_SESSION_KEYS = frozenset({"csrf_token", "_fresh"})


class RenderedPages:
    """A small thread-safe LRU of page templates."""

    def __init__(self, size: int):
        self.size = size
        self._pages: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
            return html

    def put(self, key: tuple, html: bytes) -> None:
        with self._lock:
            self._pages[key] = html
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def pages() -> RenderedPages:
    """This app's cache (one per worker process)."""
    cache = current_app.extensions.get("relief.page_cache")
    if cache is None:
        cache = RenderedPages(current_app.config["PAGE_CACHE_SIZE"])
        current_app.extensions["relief.page_cache"] = cache
    return cache


def cacheable() -> bool:
    """Whether this request sees the same page as every anonymous reader."""
    return (
        current_app.config["PAGE_CACHE_SIZE"] > 0
        and request.method == "GET"
        and set(request.args) <= {"page"}
        and remember.COOKIE not in request.cookies
        and not (set(session.keys()) - NEUTRAL_SESSION_KEYS)
    )


@dataclass(frozen=True)
class Versions:
    """What identifies a rendering of a page: ids, versions and when they last changed.

    ``published``: whether the public may see the page at all (a draft is never cached).
    ``next_review``: the article's next review date; once it passes, the page says it
    may be out of date, though nothing on it changed and no version was bumped.
    ``commenting`` and ``published_on``: whether the page takes comments (its own
    state, and its article's publication date, after which it may close by itself).
    """

    article_id: int
    article_version: int
    article_changed: datetime
    published: bool
    remedy_id: int | None = None
    remedy_version: int | None = None
    remedy_changed: datetime | None = None
    next_review: date | None = None
    commenting: Commenting = Commenting.AUTO
    published_on: date | None = None

    @classmethod
    def of(cls, page: Page) -> Versions:
        """The versions of a page already loaded."""
        article, remedy = page.article, page.remedy
        return cls(
            article.id,
            article.cache_version,
            article.changed_at,
            article.published,
            remedy.id if remedy else None,
            remedy.cache_version if remedy else None,
            remedy.changed_at if remedy else None,
            article.next_review_on,
            (remedy or article).commenting,
            article.published_on,
        )

    @property
    def comments_closed(self) -> bool:
        """Whether the page refuses new comments today (a moderator's choice, or age)."""
        return closing.is_closed(self.commenting, self.published_on)

    @property
    def changed(self) -> datetime:
        return max(filter(None, (self.article_changed, self.remedy_changed)))


# Plain SQL: on this hot path the ORM's statement building cost more than the query.
_ARTICLE_VERSIONS = text(
    "SELECT id, cache_version, changed_at, published, next_review_on, commenting,"
    " published_on FROM articles WHERE slug = :article"
).columns(
    id=Integer,
    cache_version=Integer,
    changed_at=UTCDateTime,
    published=Boolean,
    next_review_on=Date,
    commenting=String,
    published_on=Date,
)
_REMEDY_VERSIONS = text(
    "SELECT a.id, a.cache_version, a.changed_at, a.published,"
    " r.id, r.cache_version, r.changed_at, a.next_review_on, r.commenting, a.published_on"
    " FROM articles a JOIN remedies r ON r.article_id = a.id"
    " WHERE a.slug = :article AND r.slug = :remedy"
).columns(
    column("a_id", Integer),
    column("a_version", Integer),
    column("a_changed", UTCDateTime),
    column("a_published", Boolean),
    column("r_id", Integer),
    column("r_version", Integer),
    column("r_changed", UTCDateTime),
    column("a_next_review", Date),
    column("r_commenting", String),
    column("a_published_on", Date),
)


def lookup(article_slug: str, remedy_slug: str | None) -> Versions | None:
    """Read a page's versions with one light query (no article text, no objects).

    Drafts are found too: callers check ``published``.
    """
    connection = db.session.connection()
    if remedy_slug is None:
        row = connection.execute(_ARTICLE_VERSIONS, {"article": article_slug}).first()
        if row is None:
            return None
        return Versions(
            *row[:4], next_review=row[4], commenting=Commenting(row[5]), published_on=row[6]
        )
    row = connection.execute(
        _REMEDY_VERSIONS, {"article": article_slug, "remedy": remedy_slug}
    ).first()
    if row is None:
        return None
    return Versions(*row[:8], commenting=Commenting(row[8]), published_on=row[9])


def key_for(versions: Versions, number: int) -> tuple:
    """The cache key: the page and its versions, the page of comments, the prefix.

    Links are built on SITE_URL, never the request's Host, so the Host is not part of
    the key.  The script root is: a server told to mount the app under a prefix (a
    ``SCRIPT_NAME`` from a proxy) renders every link under it, and that page must never
    reach readers at the root.  Whether the page is past its review date is too: the
    day it passes, the page must say so; and so is the version of "When to get help"
    (content/get-help.yml), which every page shows.  So is whether the page takes
    comments: a page that closes by age (COMMENTS_CLOSE_AFTER_DAYS) changes no version,
    yet must lose its form that day (a moderator's close also bumps the versions).
    """
    return (
        versions.article_id,
        versions.article_version,
        versions.remedy_id,
        versions.remedy_version,
        number,
        request.script_root,
        review_overdue(versions.next_review),
        get_help.version(),
        versions.comments_closed,
    )


def serve_cached(article_slug: str, remedy_slug: str | None, number: int) -> Response | None:
    """Answer from the cache without loading the page, or None (render it instead).

    Never for a draft: whoever asks, the page is loaded (and refused to the public).
    """
    if not cacheable():
        return None
    versions = lookup(article_slug, remedy_slug)
    if versions is None or not versions.published:
        return None
    template = pages().get(key_for(versions, number))
    return _response(template, versions, number) if template is not None else None


def respond(page: Page, render) -> Response:
    """Render the page with ``render(stamp)``, keep it in the cache, and answer.

    ``render`` returns the HTML and the page of comments it shows: a number past the
    last page shows the last, and is kept under that number, so that asking for pages
    2 to 300 of a one-page discussion cannot push every real page out of the cache.
    """
    versions = Versions.of(page)
    if not versions.published:
        # The public never gets a draft; whoever rendered one must not keep it here.
        raise ValueError(f"A draft is never cached: {page.article.slug!r}.")
    html, number = render(STAMP_MARK)
    token = hidden_field("csrf_token", generate_csrf())
    template = html.replace(token, _CSRF_SLOT.decode()).encode("utf-8")
    pages().put(key_for(versions, number), template)
    return _response(template, versions, number)


def _response(template: bytes, versions: Versions, number: int) -> Response:
    body = template.replace(
        _CSRF_SLOT, hidden_field("csrf_token", generate_csrf()).encode()
    ).replace(_STAMP_SLOT, hidden_field("rendered_at", form_stamp()).encode())
    response = Response(body, mimetype="text/html")
    key = key_for(versions, number)
    # The ETag changes every half form lifetime: a 304 must never hand back a form
    # whose stamp has expired (COMMENTS_FORM_MAX_AGE_SECONDS).
    period = max(60.0, current_app.config["COMMENTS_FORM_MAX_AGE_SECONDS"] / 2)
    era = int(time.time() // period)
    digest = hashlib.sha256(repr((key, session.get("csrf_token"), era)).encode()).hexdigest()
    response.set_etag(digest[:32], weak=True)
    response.last_modified = versions.changed
    # Per visitor (the CSRF token), and always revalidated: cheap with the ETag.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)
