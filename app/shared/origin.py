"""The site's public origin and the absolute URLs built on it.

Every absolute URL the site hands out (links in moderators' emails, canonical links,
og:url, JSON-LD, the sitemap, robots.txt) comes from SITE_URL, never from the request:
its Host and X-Forwarded-Host headers are whatever the client chose to send.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

from flask import Flask, current_app, request
from werkzeug.wrappers import Response


def site_origin() -> str:
    """Return the configured public origin, e.g. ``https://relief.example.org``.

    :raise RuntimeError: when SITE_URL is empty (create_app refuses to start so).
    """
    origin = current_app.config.get("SITE_URL") or ""
    if not origin:
        raise RuntimeError("SITE_URL is not set: there is no origin to build links on.")
    return origin.rstrip("/")


def absolute_url(path: str) -> str:
    """Return the site path ``path`` (from ``url_for``) as an absolute URL on SITE_URL.

    :raise ValueError: when ``path`` does not start with ``/``: pasted after the origin,
        ``@attacker.example`` or ``.attacker.example`` would name another host.
    """
    if not path.startswith("/"):
        raise ValueError(f"not a path on this site: {path!r}")
    return site_origin() + path


@contextmanager
def links_on_site() -> Iterator[None]:
    """Build links for an email (``url_for`` + :func:`absolute_url`) in the block: a
    request context on SITE_URL, the same inside a request and on the mail thread, so
    no email carries the Host, nor the mount point, of whatever request caused it."""
    with current_app.test_request_context(base_url=site_origin()):
        yield


def redirect_on_site(response: Response) -> Response:
    """Move a redirect that Werkzeug built on the request's Host onto SITE_URL.

    Routing's own redirects (``/page`` to ``/page/``) are absolute URLs on whatever
    Host the client sent; a cache in between could keep one pointing elsewhere.
    """
    location = response.headers.get("Location")
    if location and 300 <= response.status_code < 400:
        parts = urlsplit(location)
        if parts.netloc and parts.netloc == request.host:
            site = urlsplit(site_origin())
            response.headers["Location"] = urlunsplit(
                (site.scheme, site.netloc, parts.path, parts.query, parts.fragment)
            )
    return response


def init_app(app: Flask) -> None:
    """Keep every redirect on the configured origin."""
    app.after_request(redirect_on_site)
