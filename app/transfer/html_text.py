"""A comment's HTML (as WordPress and Disqus store it) turned into Relief's plain text.

Relief keeps comments as the plain text a reader typed and makes paragraphs, line breaks
and links when it shows them (``app.comments.text``).  So an imported comment loses its
tags but keeps what they meant: paragraphs and line breaks stay, a link's target is kept
as a plain URL (linkified and counted by the same rules as any other), entities are
decoded, and the content of ``<script>`` and ``<style>`` is dropped.

WordPress stores comments with their line breaks as typed (it adds ``<p>`` and ``<br>``
only on display), so newlines in the source are kept as they are; Disqus stores HTML
paragraphs.  Both come out the same.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Elements that end a paragraph: each starts and ends with a blank line.
BLOCKS = frozenset(
    {
        "p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5",
        "h6", "table", "tr", "section", "article", "figure", "hr", "dl", "dt", "dd",
    }
)  # fmt: skip
DROPPED = frozenset({"script", "style", "template", "head", "title"})
_BLANK_LINES = re.compile(r"\n\n\n+")
# A "<" that no ">" closes before the next "<" starts no tag, and "<![" (a CDATA
# section) none that a comment needs: they are escaped first, as Python's HTMLParser
# would otherwise scan the rest of the text again from each one (60 kB of "<a " took
# a minute: a comment could stall an import).
_UNCLOSED_TAG = re.compile(r"<(?=[^<>]*(?:<|$)|!\[)")


class _TextMaker(HTMLParser):
    """Collects text; blocks become blank lines, ``<br>`` a newline, links their URL."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0
        self.links: list[tuple[str, int]] = []  # (href, where the link's text starts)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROPPED:
            self.dropping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a":
            href = next((value for name, value in attrs if name == "href" and value), "")
            self.links.append((href.strip(), len(self.parts)))
        elif tag == "img":
            alt = next((value for name, value in attrs if name == "alt" and value), "")
            if alt:
                self.parts.append(alt)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "a":
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in DROPPED:
            self.dropping = max(0, self.dropping - 1)
        elif tag in BLOCKS:
            self.parts.append("\n\n")
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.parts[start:]).strip()
            if _is_web_address(href) and not _same_address(shown, href):
                self.parts.append(f" ({href})" if shown else href)

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)


def _is_web_address(href: str) -> bool:
    return href.lower().startswith(("http://", "https://"))


def _same_address(shown: str, href: str) -> bool:
    """Whether a link's text already shows its target ("example.com/a" for its URL)."""

    def bare(url: str) -> str:
        return re.sub(r"^https?://(www\.)?", "", url.lower()).rstrip("/")

    return bool(shown) and bare(shown) == bare(href)


def html_to_text(html: str) -> str:
    """Return the plain text of a comment's HTML (see the module's docstring)."""
    maker = _TextMaker()
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    maker.feed(_UNCLOSED_TAG.sub("&lt;", html))
    maker.close()
    text = "".join(maker.parts).replace("\xa0", " ")
    # Line by line: a regular expression for trailing spaces backtracks over each run.
    text = "\n".join(line.rstrip(" \t") for line in text.split("\n"))
    text = _BLANK_LINES.sub("\n\n", text)
    return "\n\n".join(p.strip("\n") for p in text.split("\n\n") if p.strip()).strip()
