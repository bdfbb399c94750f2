"""Markdown the site writes itself (remedy text, plain pages), rendered safely.

One configuration for every page: CommonMark with tables, raw HTML off (it shows as
text, never as markup), and markdown-it's link check, which drops ``javascript:`` and
similar addresses.  On top of that:

* headings get ids made from their words, so a reader can link to a section;
* an image may only come from the site's own ``/static/`` folder (nothing loads from
  elsewhere), and is drawn lazily at the size its file gives;
* links may only be web addresses, ``mailto:``, or addresses on this site.

:func:`check` tells an author what breaks these rules before anything is stored;
:func:`render` never fails: a rule broken anyway leaves the image or link out.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise
from urllib.parse import urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

STATIC_PREFIX = "/static/"
SAFE_IMAGE = re.compile(r"^/static/[A-Za-z0-9_./-]+\.(svg|png|jpe?g|webp|avif)$")
LINK_SCHEMES = {"http", "https", "mailto"}
# Characters that can start Markdown syntax anywhere in a line (CommonMark lets a
# backslash escape any ASCII punctuation), and what makes a line's start a list, a
# heading or a quote ("1. ", "- ", "# ", "> ").
_SYNTAX = re.compile(r"([\\`*_\[\]<>#!|~&])")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+=])", re.MULTILINE)


def renderer() -> MarkdownIt:
    """A new Markdown parser with the site's one configuration."""
    return MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


def escape(text: str) -> str:
    """Return ``text`` as Markdown that reads as exactly that text, nothing more."""
    text = _SYNTAX.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def plain_text(text: str) -> list[str]:
    """Return the paragraphs of Markdown ``text`` as plain text, formatting dropped
    (a link keeps its words), for summaries and comparisons."""
    paragraphs = []
    for token in renderer().parse(text):
        if token.type == "inline":
            words = "".join(
                " " if child.type in ("softbreak", "hardbreak") else child.content
                for child in token.children or ()
                if child.type in ("text", "code_inline", "softbreak", "hardbreak")
            )
            paragraphs.append(" ".join(words.split()))
    return [p for p in paragraphs if p]


def anchor_for(text: str) -> str:
    """The id a heading gets from its words ("Who can see it" -> "who-can-see-it")."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "").replace("’", "")).strip("-")


def give_headings_ids(tokens: list[Token], taken: set[str] | None = None) -> None:
    """Give each heading an id made from its words, unique on the page (a second
    "How to do it" becomes how-to-do-it-2); ``taken`` holds ids already in use."""
    taken = set() if taken is None else taken
    for heading, inline in pairwise(tokens):
        if heading.type != "heading_open":
            continue
        base = anchor_for(inline.content) or "section"
        anchor, n = base, 2
        while anchor in taken:
            anchor, n = f"{base}-{n}", n + 1
        taken.add(anchor)
        heading.attrSet("id", anchor)


def _inline_children(tokens: list[Token]):
    for token in tokens:
        yield token
        yield from token.children or ()


def _safe_link(href: str) -> bool:
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme in LINK_SCHEMES and (parts.scheme == "mailto" or bool(parts.netloc))
    # On this site: a path, a relative address or a #fragment; never //other-host.
    return not href.startswith("//") and "\\" not in href


def problems(text: str, *, headings: tuple[str, ...] = ("h3", "h4")) -> list[str]:
    """What in ``text`` breaks the site's rules, in words an author can act on.

    :param headings: the heading levels the text may use.
    """
    found = []
    tokens = renderer().parse(text)
    for token, following in pairwise([*tokens, Token("end", "", 0)]):
        if token.type == "heading_open" and token.tag not in headings:
            level = "#" * int(token.tag[1])
            allowed = " or ".join("#" * int(h[1]) for h in headings)
            found.append(f"the heading {level} {following.content!r}: use {allowed}")
    for token in _inline_children(tokens):
        if token.type == "image" and not SAFE_IMAGE.match(token.attrGet("src") or ""):
            found.append(
                f"the image {token.attrGet('src')!r}: images must be files of this site, "
                "written /static/img/NAME.svg"
            )
        elif token.type == "image" and not token.content.strip():
            found.append(f"the image {token.attrGet('src')!r} has no alt text: describe it")
        elif token.type == "link_open" and not _safe_link(token.attrGet("href") or ""):
            found.append(
                f"the link {token.attrGet('href')!r}: links must be http(s), mailto, or an "
                "address on this site"
            )
    return found


def _prepare(tokens: list[Token], script_root: str) -> None:
    """Drop what :func:`problems` refuses, and point images at the mounted app."""
    for token in _inline_children(tokens):
        if token.type == "image":
            src = token.attrGet("src") or ""
            if SAFE_IMAGE.match(src):
                token.attrSet("src", script_root + src)
                token.attrSet("loading", "lazy")
            else:
                token.attrSet("src", "")
        elif token.type == "link_open" and not _safe_link(token.attrGet("href") or ""):
            token.attrSet("href", "#")


@lru_cache(maxsize=256)
def render(text: str, script_root: str = "", taken: frozenset[str] = frozenset()) -> Markup:
    """Render ``text`` to HTML, headings given ids not in ``taken``.

    Pure and cached: the same text renders once per process.
    """
    markdown = renderer()
    tokens = markdown.parse(text)
    give_headings_ids(tokens, set(taken))
    _prepare(tokens, script_root)
    return Markup(markdown.renderer.render(tokens, markdown.options, {}))
