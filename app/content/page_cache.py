"""Article and remedy pages that any cache may keep, and each worker's copies of them.

A reader with nothing of their own on a page (no session beyond Flask's neutral keys, no
saved details) gets the page every such reader gets, byte for byte: no cookie, no
per-visitor token (the comment form is guarded by its origin, app.shared.cross_origin),
``Cache-Control: public, max-age=0, s-maxage=PAGE_SHARED_MAX_AGE_SECONDS``, a strong
``ETag`` (a hash of the body) and ``Vary: Cookie``, and no ``Last-Modified``: what a
page shows also moves with moments no single date tracks (a review falling due, the
settings, the help box's file), so a client revalidating by date alone could be told
an old copy is current; the ETag changes with every byte.  Browsers keep
it but ask again each time (max-age=0: a 304 while it is unchanged, and a reader who
has just posted, now with a cookie, gets their own page at once); shared caches (nginx)
may answer with it for PAGE_SHARED_MAX_AGE_SECONDS.  Anyone else gets a page rendered
for them alone, ``private, no-store`` (``comment_views.personal``).

The comment form's stamp is part of the shared page.  Time is cut into stamp eras of
PAGE_STAMP_REFRESH_SECONDS; a page rendered in an era carries a stamp of the era's
start, and the era is part of the cache key, so a copy is re-rendered (and its ETag
changes) once its stamp is that old, and every worker renders the same bytes.

Each worker keeps its shared pages, body and headers as they left the app, in
:class:`RenderedPages` (``app.extensions``); app.content.page_layer answers from it
before Flask's routing, and the page views do for requests that reach them.  The key
holds the article's and remedy's ``cache_version``, which the services bump in the same
transaction as any change to the page, so a change shows everywhere at once and nothing
needs clearing (see :func:`key_for` for the rest of the key).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask import Flask, current_app, request, session
from sqlalchemy import Boolean, Date, Engine, Integer, String, column, text
from werkzeug.datastructures import Headers, ResponseCacheControl
from werkzeug.http import (
    is_resource_modified,
    parse_cache_control_header,
    remove_entity_headers,
)
from werkzeug.wrappers import Response

from app import site_settings
from app.comments import closing, remember
from app.comments.stamps import form_stamp
from app.content import get_help
from app.extensions import db
from app.models import Commenting, UTCDateTime
from app.models.content import comments_closed, review_overdue
from app.shared.lru import LeastRecentlyUsed
from app.shared.pages import Page

EXTENSION = "relief.page_cache"
PEEK_EXTENSION = "relief.page_cache.peek"
# Where a page view leaves the cache key of a shared page it rendered, for the WSGI
# layer to keep the response under (request.environ).
KEY_ENVIRON = "relief.page_cache.key"
# Session keys that do not personalise a page: Flask-WTF's raw CSRF token (left by a
# visit to another form), and the "fresh login" flag Flask-Login may set.
NEUTRAL_SESSION_KEYS = frozenset({"csrf_token", "_fresh"})
# Flask-Login's remember-me cookie (the app does not set it today; if it ever does, a
# moderator who holds one must never be handed the shared page).
LOGIN_REMEMBER_COOKIE = "remember_token"
# The highest page of comments anyone may ask for (?page=N).
MAX_PAGE = 10**6


# Conditional requests that only Werkzeug's full rules answer (ranges, If-Match...).
_RARE_CONDITIONS = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


@dataclass(frozen=True)
class CachedPage:
    """A shared page as it left the app: its body and headers (without Date), and the
    headers of a 304 for it (without the body's own, as Werkzeug sends them)."""

    body: bytes
    headers: tuple[tuple[str, str], ...]
    unchanged_headers: tuple[tuple[str, str], ...]
    etag: str | None

    @classmethod
    def of(cls, body: bytes, headers: Headers) -> CachedPage:
        unchanged = headers.copy()
        remove_entity_headers(unchanged)
        return cls(
            body,
            tuple(headers.items()),
            tuple(unchanged.items()),
            headers.get("ETag"),
        )

    def response(self, environ: dict) -> Response:
        """The page as a Werkzeug response to this request (inside Flask): a 304 when
        the client has it, headers only for HEAD; no Date (:func:`_dateless`)."""
        response = Response(self.body, status=200, headers=list(self.headers))
        return _dateless(response.make_conditional(environ))

    def answer(self, environ: dict, start_response) -> list[bytes]:
        """Answer this request as :meth:`response` would, at a fraction of its cost
        (the WSGI layer's hot path): a 304 when If-None-Match says the client has this
        page (If-Modified-Since alone never does: no Last-Modified), headers only for
        HEAD."""
        if any(name in environ for name in _RARE_CONDITIONS):
            return self.response(environ)(environ, start_response)
        if "HTTP_IF_NONE_MATCH" in environ and not is_resource_modified(environ, self.etag):
            start_response("304 NOT MODIFIED", list(self.unchanged_headers))
            return []
        start_response("200 OK", list(self.headers))
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [self.body]


class RenderedPages(LeastRecentlyUsed[CachedPage]):
    """A small thread-safe LRU of shared pages."""


def pages_of(app: Flask) -> RenderedPages:
    """The app's cache (one per worker process)."""
    cache = app.extensions.get(EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(EXTENSION, RenderedPages(app.config["PAGE_CACHE_SIZE"]))
    return cache


def pages() -> RenderedPages:
    """The current app's cache."""
    return pages_of(current_app._get_current_object())


def cacheable() -> bool:
    """Whether this request sees the page every anonymous reader sees (and any cache
    may keep the answer): a GET or HEAD, no query but ``page``, no saved details, no
    session of one's own (a held comment, a notice, a moderator)."""
    cookies = request.cookies
    return (
        request.method in ("GET", "HEAD")
        and set(request.args) <= {"page"}
        and remember.COOKIE not in cookies
        and LOGIN_REMEMBER_COOKIE not in cookies
        and not (set(session.keys()) - NEUTRAL_SESSION_KEYS)
    )


def page_of(number: int | None) -> int:
    """The page of comments asked for: 1 when missing or not positive, at most MAX_PAGE."""
    return min(max(1, number or 1), MAX_PAGE)


@dataclass(frozen=True)
class StampEra:
    """A stretch of PAGE_STAMP_REFRESH_SECONDS: pages rendered in it share one stamp."""

    number: int
    started: float

    @classmethod
    def now(cls, now: float | None = None) -> StampEra:
        """The era the current time (or ``now``) falls in."""
        period = float(current_app.config["PAGE_STAMP_REFRESH_SECONDS"])
        number = int((time.time() if now is None else now) // period)
        return cls(number, number * period)


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
    article_changed: datetime | None  # None when read by :func:`peek`
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

    def closed(self, close_after_days: int) -> bool:
        """Whether the page refuses new comments today (a moderator's choice, or its
        age under COMMENTS_CLOSE_AFTER_DAYS as in force)."""
        return comments_closed(self.commenting, self.published_on, close_after_days)


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


def key_for(
    versions: Versions, number: int, script_root: str, era: StampEra, close_after_days: int
) -> tuple:
    """The cache key: the page and its versions, the page of comments, the prefix, the
    stamp era.

    Links are built on SITE_URL, never the request's Host, so the Host is not part of
    the key.  The script root is: a server told to mount the app under a prefix (a
    ``SCRIPT_NAME`` from a proxy) renders every link under it, and that page must never
    reach readers at the root.  Whether the page is past its review date is too: the
    day it passes, the page must say so; and so is the version of "When to get help"
    (content/get-help.yml), which every page shows.  So is whether the page takes
    comments: a page that closes by age (COMMENTS_CLOSE_AFTER_DAYS) changes no version,
    yet must lose its form that day (a moderator's close also bumps the versions).  And
    the stamp era: the form's stamp must not outlive it.

    :param close_after_days: COMMENTS_CLOSE_AFTER_DAYS as in force.
    """
    return (
        versions.article_id,
        versions.article_version,
        versions.remedy_id,
        versions.remedy_version,
        number,
        script_root,
        review_overdue(versions.next_review),
        get_help.version(),
        versions.closed(close_after_days),
        era.number,
    )


def find(
    article_slug: str, remedy_slug: str | None, number: int, script_root: str
) -> CachedPage | None:
    """The worker's copy of a published page, or None (inside a request: the versions'
    query, and the settings as every request reads them).

    Never a draft: a draft is never kept, and a page that went back to draft since is
    not looked for.
    """
    versions = lookup(article_slug, remedy_slug)
    if versions is None or not versions.published:
        return None
    era = StampEra.now()
    return pages().get(key_for(versions, number, script_root, era, closing.close_after_days()))


# The layer's read: versions and the saved settings' revision in one statement, the
# same on SQLite and PostgreSQL (dates are compared in Python, whatever type comes back).
_PEEK_ARTICLE = (
    "SELECT a.id, a.cache_version, a.published, a.next_review_on, a.commenting,"
    " a.published_on, NULL, NULL, (SELECT max(revision) FROM site_settings)"
    " FROM articles a WHERE a.slug = :article"
)
_PEEK_REMEDY = (
    "SELECT a.id, a.cache_version, a.published, a.next_review_on, r.commenting,"
    " a.published_on, r.id, r.cache_version, (SELECT max(revision) FROM site_settings)"
    " FROM articles a JOIN remedies r ON r.article_id = a.id"
    " WHERE a.slug = :article AND r.slug = :remedy"
)


def _as_date(value: date | str | None) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _statement(engine: Engine, remedy: bool) -> tuple[str, tuple[str, ...] | None]:
    """The peek's SQL in the driver's own parameter style, compiled once per app, and
    the order of its parameters (None: by name)."""
    compiled = current_app.extensions.setdefault(PEEK_EXTENSION, {})
    found = compiled.get(remedy)
    if found is None:
        statement = text(_PEEK_REMEDY if remedy else _PEEK_ARTICLE).compile(dialect=engine.dialect)
        order = tuple(statement.positiontup) if statement.positional else None
        found = compiled[remedy] = (str(statement), order)
    return found


def peek(article_slug: str, remedy_slug: str | None) -> tuple[Versions, int | None] | None:
    """A page's versions and the saved settings' revision, or None for no such page.

    One statement on a pooled driver connection: no ORM session and no transaction of
    our own, which cost ten times the query on this path (measured on SQLite).

    :raise ValueError: for a row the app could not have written (an unknown state).
    """
    engine = db.engine
    sql, order = _statement(engine, remedy_slug is not None)
    values = {"article": article_slug, "remedy": remedy_slug}
    params = tuple(values[name] for name in order) if order is not None else values
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
    finally:
        connection.close()
    if row is None:
        return None
    versions = Versions(
        row[0],
        row[1],
        None,
        bool(row[2]),
        row[6],
        row[7],
        None,
        _as_date(row[3]),
        Commenting(row[4]),
        _as_date(row[5]),
    )
    return versions, row[8]


def find_early(
    article_slug: str, remedy_slug: str | None, number: int, script_root: str
) -> CachedPage | None:
    """The worker's copy of a published page, read with :func:`peek` (in an app
    context, before any request context); None whenever in doubt (no such page, a
    draft, settings this worker has not read yet), and Flask answers."""
    found = peek(article_slug, remedy_slug)
    if found is None or not found[0].published:
        return None
    versions, revision = found
    try:
        days = site_settings.value_at("COMMENTS_CLOSE_AFTER_DAYS", revision)
    except LookupError:
        return None
    era = StampEra.now()
    return pages().get(key_for(versions, number, script_root, era, max(0, int(days or 0))))


def serve_cached(article_slug: str, remedy_slug: str | None, number: int) -> Response | None:
    """Answer a page view from the worker's copy without loading the page, or None."""
    if not cacheable():
        return None
    page = find(article_slug, remedy_slug, number, request.script_root)
    return page.response(request.environ) if page is not None else None


def respond(page: Page, render) -> Response:
    """Render the shared page with ``render(stamp)`` and answer with it, marked for the
    WSGI layer to keep (:func:`keep`).

    ``render`` returns the HTML and the page of comments it shows: a number past the
    last page shows the last, and is kept under that number, so that asking for pages
    2 to 300 of a one-page discussion cannot push every real page out of the cache.

    :raise ValueError: for a draft, which the public never gets and no cache may keep.
    """
    versions = Versions.of(page)
    if not versions.published:
        raise ValueError(f"A draft is never cached: {page.article.slug!r}.")
    era = StampEra.now()
    html, number = render(form_stamp(era.started))
    body = html.encode("utf-8")
    response = Response(body, mimetype="text/html")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.public = True
    response.cache_control.max_age = 0
    response.cache_control.s_maxage = current_app.config["PAGE_SHARED_MAX_AGE_SECONDS"]
    # With a cookie the same address may be someone's own page: caches must not mix them.
    response.vary.add("Cookie")
    days = closing.close_after_days()
    request.environ[KEY_ENVIRON] = key_for(versions, number, request.script_root, era, days)
    return _dateless(response.make_conditional(request))


def _dateless(response: Response) -> Response:
    """Drop the Date that ``make_conditional`` adds: the server sends its own (gunicorn
    always does, and would send both), and a kept copy must not carry the time of one
    answer."""
    response.headers.remove("Date")
    return response


def keep(app: Flask, key: tuple, headers: Iterable[tuple[str, str]], body: bytes) -> bool:
    """Keep a shared page's 200 answer, as it left the app, under ``key``; return
    whether it was kept.

    Refused (never kept) unless its Cache-Control says ``public`` and it sets no cookie:
    whatever went wrong upstream, one reader's cookie must never reach another.  A
    Date header is the time of one answer, not of the page: it is dropped.
    """
    headers = Headers(list(headers))
    control = parse_cache_control_header(headers.get("Cache-Control"), cls=ResponseCacheControl)
    if "Set-Cookie" in headers or not control.public:
        return False
    headers.remove("Date")
    pages_of(app).put(key, CachedPage.of(body, headers))
    return True
