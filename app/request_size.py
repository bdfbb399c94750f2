"""Chunked request bodies held to MAX_CONTENT_LENGTH like any other, never cut short.

A body sent with ``Transfer-Encoding: chunked`` has no Content-Length, so Werkzeug can
only stop reading it at MAX_CONTENT_LENGTH, and a form parser that reads "everything"
then gets the first 64 KB without an error: the fields after the cut vanish and the one
at the cut is stored truncated.  This middleware reads such a body before Flask sees
the request, at most one byte past the limit, and hands Flask a body of known length.
What fits is parsed whole; what does not meets Werkzeug's own Content-Length check and
gets the same friendly 413 page, before any form is parsed.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.http import parse_set_header

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class BoundedChunkedBody:
    """WSGI middleware: give every chunked request body a Content-Length, or a 413.

    Only bodies the server has already de-chunked (``wsgi.input_terminated``, set by
    gunicorn and Werkzeug's server) are read; reading any other stream without a
    length could wait forever.

    :param config: the app's config, read on every request for ``MAX_CONTENT_LENGTH``.
    """

    def __init__(self, app: WSGIApp, config: Mapping[str, Any]) -> None:
        self.app = app
        self.config = config

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        limit = self.config.get("MAX_CONTENT_LENGTH")
        if limit is not None and _is_dechunked(environ):
            _buffer_body(environ, limit)
        return self.app(environ, start_response)


def _is_dechunked(environ: dict) -> bool:
    chunked = "chunked" in parse_set_header(environ.get("HTTP_TRANSFER_ENCODING", "").lower())
    return chunked and bool(environ.get("wsgi.input_terminated"))


def _buffer_body(environ: dict, limit: int) -> None:
    """Replace the chunked input with its first ``limit + 1`` bytes and their length.

    A Content-Length over the limit makes Werkzeug answer 413 before reading anything;
    the rest of the body is left unread.  A client that breaks off mid-body is given a
    length one byte longer than what arrived, so Werkzeug reports the disconnect (400)
    as it does for any body that ends early.  (Chunked and Content-Length together: the
    chunks decide, as RFC 9112 says.)
    """
    parts: list[bytes] = []
    size = 0
    missing = 0
    stream = environ["wsgi.input"]
    while size <= limit:
        try:
            data = stream.read(min(limit + 1 - size, 64 * 1024))
        except (OSError, ValueError):  # a malformed chunk, or the client went away
            missing = 1
            break
        if not data:
            break
        parts.append(data)
        size += len(data)
    environ["wsgi.input"] = io.BytesIO(b"".join(parts) if size <= limit else b"")
    environ["CONTENT_LENGTH"] = str(size + missing)
    # From here on the app sees a plain body of known length (Werkzeug ignores a
    # Content-Length while Transfer-Encoding says "chunked", and trusts a terminated
    # stream to end by itself, which would hide a client that broke off).
    del environ["HTTP_TRANSFER_ENCODING"]
    del environ["wsgi.input_terminated"]
