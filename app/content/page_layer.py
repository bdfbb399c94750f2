"""Shared pages answered before Flask's routing, from the worker's copies.

A GET or HEAD without a cookie, for an address shaped like a page (``/<article>/`` or
``/<article>/<remedy>/``, no query but ``page=N``), is what every anonymous reader asks
for.  The layer reads that page's versions (``page_cache.lookup``, one light query; the
settings' revision check that every request makes may add another) and, when the worker
holds the page under the same key, answers with the body and headers the app produced
for it (security headers included): a 304 when the client's ETag matches.  Anything
else, a miss included, goes to Flask; a shared page that Flask renders there comes back
marked with its key (``page_cache.KEY_ENVIRON``) and is kept on its way out, so the next
reader is answered here.

The key is the page views' own (versions, page of comments, script root, review date,
closed or open, stamp era), and only what a page view stored under it is ever served,
so the layer can never answer for a draft, for an address Flask routes elsewhere, or
with a page from before a change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from app.content import page_cache
from app.content.routing import SLUG_PATTERN, ArticleSlugConverter
from app.extensions import db

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
EXTENSION = "relief.page_layer"
# Longer paths are no page's (slugs are short): Flask answers them.
MAX_PATH = 300
_PAGE_PATH = re.compile(rf"/({ArticleSlugConverter.regex})/(?:({SLUG_PATTERN})/)?")
_PAGE_QUERY = re.compile(r"(?:page=([0-9]{1,7}))?")


def page_address(environ: dict) -> tuple[str, str | None, int] | None:
    """(article slug, remedy slug or None, page of comments) when this request may be
    answered from a worker's copy; None otherwise."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_COOKIE"):
        return None
    path = environ.get("PATH_INFO", "")
    if len(path) > MAX_PATH or not environ.get("SCRIPT_NAME", "").isascii():
        return None
    match = _PAGE_PATH.fullmatch(path)
    query = _PAGE_QUERY.fullmatch(environ.get("QUERY_STRING", ""))
    if match is None or query is None:
        return None
    number = page_cache.page_of(int(query[1]) if query[1] else None)
    return match[1], match[2], number


class PageLayer:
    """WSGI middleware: answer anonymous page views from the worker's copies.

    ``hits`` counts the answers given here (a plain count, for tests and curiosity; it
    may miss one when threads race).
    """

    def __init__(self, wsgi_app: WSGIApp, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.hits = 0

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        address = page_address(environ) if self.app.config["PAGE_CACHE_SIZE"] > 0 else None
        page = self._find(address, environ.get("SCRIPT_NAME", "").rstrip("/")) if address else None
        if page is not None:
            self.hits += 1
            return page.answer(environ, start_response)
        return self._through_flask(environ, start_response)

    def _find(
        self, address: tuple[str, str | None, int], script_root: str
    ) -> page_cache.CachedPage | None:
        with self.app.app_context():
            driver_error = db.engine.dialect.loaded_dbapi.Error
            try:
                return page_cache.find_early(*address, script_root)
            except (SQLAlchemyError, driver_error, ValueError):
                return None  # Flask meets the same trouble and answers it properly

    def _through_flask(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        sent: list = []

        def note_start(status: str, headers: list, exc_info=None):
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.wsgi_app(environ, note_start)
        key = environ.get(page_cache.KEY_ENVIRON)
        if key is None or environ["REQUEST_METHOD"] != "GET" or not sent:
            return body
        if not sent[0].startswith("200 "):
            return body
        try:
            data = b"".join(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        page_cache.keep(self.app, key, sent[1], data)
        return [data]


def init_app(app: Flask) -> None:
    """Put the layer in front of the app (outside every other middleware)."""
    layer = PageLayer(app.wsgi_app, app)
    app.extensions[EXTENSION] = layer
    app.wsgi_app = layer
