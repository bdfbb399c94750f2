"""Turning a comment's plain text into safe HTML.

Comment text is stored exactly as written.  At display time it is escaped, split into
paragraphs and line breaks, and its web addresses become links; nh3 (the Ammonia
sanitizer) then cleans the result with an allow-list, so nothing but ``<p>``, ``<br>``
and ``<a href="http(s)://...">`` can reach the page, whatever the text held.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import nh3
from linkify_it import LinkifyIt
from markupsafe import Markup, escape

LINK_REL = "nofollow ugc noopener"
ALLOWED_SCHEMES = frozenset({"http", "https"})
_linkify = LinkifyIt(options={"fuzzy_email": False})


@dataclass(frozen=True)
class Link:
    """A web address found in text: where it starts and ends, and its full URL."""

    start: int
    end: int
    url: str


def find_links(text: str) -> list[Link]:
    """Return the http(s) addresses in ``text``, bare domains included ("example.com")."""
    return list(_links(text))


@lru_cache(maxsize=64)
def _links(text: str) -> tuple[Link, ...]:
    # Cached: a comment being sent is searched twice (the form checks its links, the
    # policy counts them), and linkify-it takes about 0.1 ms per line, 7 ms for 5,000
    # characters.
    matches = _linkify.match(text) or []
    links = []
    for match in matches:
        scheme = match.url.split(":", 1)[0].lower()
        if scheme in ALLOWED_SCHEMES:
            links.append(Link(match.index, match.last_index, match.url))
    return tuple(links)


def _linkified(text: str) -> Markup:
    out: list[Markup] = []
    position = 0
    for link in find_links(text):
        out.append(escape(text[position : link.start]))
        out.append(Markup('<a href="{}">{}</a>').format(link.url, text[link.start : link.end]))
        position = link.end
    out.append(escape(text[position:]))
    return Markup("").join(out)


@lru_cache(maxsize=4096)
def render_comment(text: str) -> Markup:
    """Return the comment as sanitised HTML: paragraphs, line breaks and links only."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p.strip("\n") for p in text.split("\n\n") if p.strip()]
    html = "".join(
        "<p>" + "<br>\n".join(_linkified(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    cleaned = nh3.clean(
        html,
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return Markup(cleaned)
