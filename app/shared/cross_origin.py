"""Refuse a form that a browser sent from another site's page: CSRF without a session.

The comment form sits on a page that every anonymous reader shares (and any cache may
keep), so it cannot carry a per-visitor token.  Instead, as Go's ``net/http``
``CrossOriginProtection`` and Rails do, a POST is judged by what the browser itself
says about where the form came from:

1. ``Sec-Fetch-Site`` (every current browser sends it, and no page's script can set
   it): ``same-origin`` passes; ``none`` (the reader's own action, such as a bookmark,
   which no other site can trigger) passes, as in Go; ``same-site`` (a sibling host,
   perhaps with pages written by others), ``cross-site`` and anything else are refused.
2. Without it, ``Origin``: it must be the site's own origin, SITE_URL, scheme, host and
   port alike (never the request's Host, which the client chooses).  ``null`` (a
   sandboxed frame, a ``data:`` page, a redirect across sites) is refused.
3. With neither header, the request did not come from a current browser's page (an old
   browser, or a script such as curl, which has no reader's cookies to abuse); it
   passes, as in Go: the form's signed stamp must still be genuine and fresh, and every
   rule after that (flood limit, moderation) still applies.

Checks are plain functions of the header values; :func:`check_request` reads them from
the current request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import request

from app.shared.origin import site_origin

# What Sec-Fetch-Site may say for a form to pass (see the module's docstring).
ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})
# The serialisation browsers send (RFC 6454): scheme "://" host [":" port], nothing
# else.  A user name, a path, a second origin after a comma: not an origin at all.
_ORIGIN = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<host>[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(?P<port>[0-9]{1,5}))?",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_BLANK = " \t"


class CrossSiteRequest(Exception):
    """A browser sent this form from a page of another site; ``str()`` says how we know."""


@dataclass(frozen=True)
class Origin:
    """An origin as browsers compare them: scheme, host and port (the default port of
    the scheme stands for no port)."""

    scheme: str
    host: str
    port: int

    @classmethod
    def parse(cls, value: str) -> Origin | None:
        """Read ``scheme://host[:port]``; None for anything else (``null`` included)."""
        match = _ORIGIN.fullmatch(value)
        if match is None:
            return None
        scheme = match["scheme"].lower()
        port = int(match["port"]) if match["port"] else _DEFAULT_PORTS.get(scheme, 0)
        if not 0 < port < 65536:
            return None
        return cls(scheme, match["host"].lower(), port)


def ensure_same_origin(origin: str | None, fetch_site: str | None, site: str) -> None:
    """Let a POST through unless a browser says it came from another site's page.

    :param origin: the request's ``Origin`` header, or None.
    :param fetch_site: its ``Sec-Fetch-Site`` header, or None.
    :param site: this site's origin (SITE_URL).
    :raise CrossSiteRequest: when Sec-Fetch-Site is anything but ``same-origin`` or
        ``none``, or (without it) when Origin is present and not ``site``.
    """
    fetch_site = (fetch_site or "").strip(_BLANK)
    if fetch_site:
        if fetch_site in ALLOWED_FETCH_SITES:
            return
        raise CrossSiteRequest(f"Sec-Fetch-Site says {fetch_site[:40]!r}")
    origin = (origin or "").strip(_BLANK)
    if not origin:
        return
    own = Origin.parse(site)
    if own is None:
        raise ValueError(f"not an origin: {site!r}")
    if Origin.parse(origin) != own:
        raise CrossSiteRequest(f"Origin {origin[:100]!r} is not {site!r}")


def check_request() -> None:
    """Apply :func:`ensure_same_origin` to the current request, against SITE_URL.

    :raise CrossSiteRequest: as :func:`ensure_same_origin`.
    """
    ensure_same_origin(
        request.headers.get("Origin"), request.headers.get("Sec-Fetch-Site"), site_origin()
    )
