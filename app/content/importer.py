"""Pure parsers that turn an article file into plain data, ready to be stored.

Two inputs share one result type, :class:`ParsedArticle`:

* ``parse_plain_text``: a plain-text article laid out like the client's original file:
  a title line, intro paragraphs, numbered section headings ("1.", "three.", "Eight."),
  ``Label: text`` lines that become the section's list items, a closing paragraph, and a
  comment-form footer ("Leave a Reply", "Your email address will not be published...")
  that is dropped.
* ``parse_markdown``: the site's own articles in ``content/``, Markdown with front matter.

Neither touches the database, the app or the file system; both raise
:class:`ArticleFormatError` with a message a person can act on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

import frontmatter
import yaml

from app.content.routing import RESERVED, is_valid_slug
from app.shared import markdown
from app.shared.validators import describe, hidden_characters

NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
_NUMBER = r"(?P<number>\d{1,3}|" + "|".join(NUMBER_WORDS) + r")"
# "3. Heat and cold", "three. Heat and cold", "Eight. Seeing a doctor?"
PLAIN_HEADING = re.compile(rf"^{_NUMBER}\.\s+(?P<title>\S.{{0,119}})$", re.IGNORECASE)
# "## 3. Heat and cold {#heat-and-cold}"
MARKDOWN_HEADING = re.compile(
    rf"^##\s+{_NUMBER}\.\s+(?P<title>.+?)(?:\s+\{{#(?P<slug>[a-z0-9-]+)\}})?\s*$",
    re.IGNORECASE,
)
# "Cat-Cow Stretch: On all fours, ..." (a short capitalised label, then the text)
PLAIN_ITEM = re.compile(r"^(?P<label>[A-Z][^:.!?]{0,59}):\s+(?P<text>\S.*)$")
FOOTER_START = re.compile(r"^leave a reply\s*$", re.IGNORECASE)
FOOTER_LINE = re.compile(r"^your email address will not be published", re.IGNORECASE)
THEMATIC_BREAK = re.compile(r"^(\*\s*){3,}$|^(-\s*){3,}$|^(_\s*){3,}$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“‘(])")
MAX_SUMMARY = 300
# A section's own "Summary:" paragraph: two or three sentences (the column holds 400).
MAX_SECTION_SUMMARY = 400
SUMMARY_LINE = re.compile(r"^Summary:\s*(?P<text>.*)$")
# An address made from a title is at most this long; any article slug at most MAX_SLUG
# (the column's width).
MAX_TITLE_SLUG = 60
MAX_SLUG = 120
# Widths of the columns that keep who wrote and reviewed an article, and its sources.
MAX_NAME = 200
MAX_SOURCE_TITLE = 300
MAX_SOURCE_URL = 2000
MAX_SOURCES = 30
AUTHOR_TYPES = {"person": False, "organization": True, "organisation": True}
TRANSLITERATION = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "SS",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Ð": "D",
        "ð": "d",
        "Þ": "TH",
        "þ": "th",
        "\u0131": "i",  # dotless i
    }
)


class ArticleFormatError(ValueError):
    """The file is not an article this parser understands; the message says why."""


@dataclass(frozen=True)
class ParsedItem:
    """One ``label: text`` entry of a remedy's list."""

    label: str
    text: str


@dataclass(frozen=True)
class ParsedSource:
    """A page an article follows, cited by title and link (an http or https URL), and
    optionally who published it ("NHS")."""

    title: str
    url: str
    publisher: str | None = None


@dataclass
class ParsedRemedy:
    """One numbered section: its title and text.

    A plain-text section comes as paragraphs before its list, the list, and paragraphs
    after it; a Markdown section as its Markdown (``markdown``) and, optionally, the
    summary its author wrote for the article's overview.
    """

    number: int
    title: str
    slug: str
    body: list[str] = field(default_factory=list)
    items: list[ParsedItem] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    markdown: str | None = None
    own_summary: str | None = None

    @property
    def text(self) -> str:
        """The section as Markdown, the form it is stored and shown in; plain text is
        escaped, so that it reads exactly as written."""
        if self.markdown is not None:
            return self.markdown
        items = [f"- **{markdown.escape(i.label)}:** {markdown.escape(i.text)}" for i in self.items]
        blocks = [
            *map(markdown.escape, self.body),
            "\n".join(items),
            *map(markdown.escape, self.closing),
        ]
        return "\n\n".join(block for block in blocks if block)

    @property
    def summary(self) -> str:
        """The author's summary, or else the section's first sentence: for the article's
        overview and the page's description."""
        if self.own_summary:
            return self.own_summary
        if self.markdown is not None:
            return summarise(markdown.plain_text(self.markdown))
        return summarise(self.body or self.closing or [item.text for item in self.items])


@dataclass
class ParsedArticle:
    """Everything an article file says, as plain data."""

    title: str
    slug: str
    summary: str
    intro: list[str]
    remedies: list[ParsedRemedy]
    closing: list[str] = field(default_factory=list)
    published_on: date | None = None
    updated_on: date | None = None
    reviewed_on: date | None = None
    # Kept from the public until ``flask content publish`` (see app/content/publishing.py).
    draft: bool = False
    # Who wrote it (a person, or an organisation such as the editorial team), who
    # reviewed it ("NAME, ROLE"), when it is due for its next review, what it follows.
    author: str | None = None
    author_organization: bool = False
    reviewed_by: str | None = None
    next_review_on: date | None = None
    sources: list[ParsedSource] = field(default_factory=list)
    # The slug of the remedy whose page carries the full "When to get help" section.
    get_help_in: str | None = None


def slug_words(text: str) -> list[str]:
    """Return the lowercase ASCII words of ``text``: accents dropped, apostrophes joined.

    Letters that Unicode does not decompose into a plain letter and a mark ("ß", "Œ",
    "ø", "ł") are spelt out first; anything with no ASCII spelling (other scripts,
    symbols) separates words.
    """
    text = text.translate(TRANSLITERATION)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    # "Don't" and "Don’t" (whose curly quote the ASCII step drops) read the same.
    return re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))


def slugify(text: str, max_length: int = MAX_TITLE_SLUG) -> str:
    """Return a lowercase ASCII slug of ``text``, at most ``max_length`` characters.

    Cut at a word boundary; a first word longer than the limit is cut inside the word.
    "untitled" when ``text`` has nothing to spell a slug with.
    """
    slug = ""
    for word in slug_words(text):
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            slug = slug or word[:max_length]
            break
        slug = candidate
    return slug or "untitled"


def title_slug(title: str) -> str:
    """Return the address made from an imported article's title.

    :raise ArticleFormatError: when the title has no letters or digits with an ASCII
        spelling (a title in another script), so that two such imports never share the
        address "untitled".
    """
    if not slug_words(title):
        raise ArticleFormatError(
            f"No address can be made from the title {title!r}: it has no letters or "
            "digits from a-z and 0-9. Give one with --slug."
        )
    return slugify(title)


def summarise(paragraphs: list[str]) -> str:
    """Return the first sentence of the first paragraph, at most MAX_SUMMARY characters."""
    if not paragraphs:
        return ""
    first = SENTENCE_END.split(paragraphs[0].strip(), maxsplit=1)[0]
    if len(first) <= MAX_SUMMARY:
        return first
    return first[: MAX_SUMMARY - 1].rsplit(" ", 1)[0] + "…"


def normalise_text(text: str) -> list[str]:
    """Drop a byte-order mark, unify line endings, and return the right-stripped lines."""
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def section_number(token: str) -> int:
    """Return the integer a heading's number token stands for ("3", "three", "Eight")."""
    return int(token) if token.isdigit() else NUMBER_WORDS[token.lower()]


def check_numbering(numbers: list[tuple[int, str]]) -> None:
    """Require section numbers to run 1, 2, 3, ... with nothing skipped or repeated.

    :raise ArticleFormatError: naming the first heading that is out of order.
    """
    for expected, (number, heading) in enumerate(numbers, start=1):
        if number != expected:
            problem = "repeats" if number < expected else "skips ahead"
            raise ArticleFormatError(
                f"Section numbering {problem} at {heading!r}: expected section "
                f"{expected}, found {number}."
            )


def check_article_slug(slug: str) -> None:
    """:raise ArticleFormatError: for a slug that is malformed, too long or names another
    area."""
    if len(slug) > MAX_SLUG:
        raise ArticleFormatError(
            f"The slug {slug[:40]!r}... is {len(slug)} characters long; at most {MAX_SLUG}."
        )
    if not is_valid_slug(slug):
        raise ArticleFormatError(
            f"The slug {slug!r} must be lowercase letters and digits joined by hyphens."
        )
    if slug in RESERVED:
        raise ArticleFormatError(f"The slug {slug!r} is reserved for another part of the site.")


def _unique_slugs(remedies: list[ParsedRemedy]) -> None:
    seen: set[str] = set()
    for remedy in remedies:
        if not is_valid_slug(remedy.slug):
            raise ArticleFormatError(
                f"The slug {remedy.slug!r} must be lowercase letters and digits joined by hyphens."
            )
        if remedy.slug in seen:
            raise ArticleFormatError(
                f"Two sections share the address {remedy.slug!r}; give one of them "
                "a different title or slug."
            )
        seen.add(remedy.slug)


def _is_heading_title(title: str) -> bool:
    # A sentence that happens to start with "One. " is not a heading: headings are
    # short and do not end like a sentence.
    return not title.endswith((".", ":", ",", ";"))


def parse_plain_text(text: str, slug: str | None = None) -> ParsedArticle:
    """Parse a plain-text article in the client's original layout.

    One non-blank line is one paragraph.  The last paragraph of the last section is the
    article's closing when that section has at least two paragraphs and no list after
    them.

    :raise ArticleFormatError: for an empty file, a file with no numbered sections,
        a title that is missing, or numbering that skips or repeats.
    """
    lines = [line.strip() for line in normalise_text(text)]
    for index, line in enumerate(lines):
        if FOOTER_START.match(line):
            lines = lines[:index]
            break
    lines = [line for line in lines if line and not FOOTER_LINE.match(line)]
    if not lines:
        raise ArticleFormatError("The file has no text: there is no article to import.")

    title, *rest = lines
    if _plain_heading(title):
        raise ArticleFormatError(
            f"The first line should be the article's title, but it is a section heading: {title!r}."
        )
    intro: list[str] = []
    remedies: list[ParsedRemedy] = []
    numbers: list[tuple[int, str]] = []
    for line in rest:
        heading = _plain_heading(line)
        if heading:
            number = section_number(heading["number"])
            numbers.append((number, line))
            name = heading["title"].strip()
            remedies.append(ParsedRemedy(number=number, title=name, slug=slugify(name)))
            continue
        if not remedies:
            intro.append(line)
            continue
        _add_plain_line(remedies[-1], line)

    if not remedies:
        raise ArticleFormatError(
            "No numbered sections were found (lines such as '1. Rest' or 'three. Heat'): "
            "this does not look like an article."
        )
    check_numbering(numbers)
    _unique_slugs(remedies)
    slug = slug or title_slug(title)
    check_article_slug(slug)
    closing: list[str] = []
    last = remedies[-1]
    if last.closing and last.items:
        pass  # paragraphs after a list belong to that section
    elif len(last.body) >= 2:
        closing = [last.body.pop()]
    return ParsedArticle(
        title=title,
        slug=slug,
        summary=summarise(intro) or title,
        intro=intro,
        remedies=remedies,
        closing=closing,
        # Text from outside is reviewed before anyone reads it as health advice.
        draft=True,
    )


def _plain_heading(line: str) -> re.Match[str] | None:
    match = PLAIN_HEADING.match(line)
    if match and _is_heading_title(match["title"]):
        return match
    return None


def _add_plain_line(remedy: ParsedRemedy, line: str) -> None:
    item = PLAIN_ITEM.match(line)
    if item and not remedy.closing:
        remedy.items.append(ParsedItem(item["label"].strip(), item["text"].strip()))
    elif remedy.items:
        remedy.closing.append(line)
    else:
        remedy.body.append(line)


def _paragraphs(lines: list[str]) -> list[str]:
    """Join wrapped Markdown lines into paragraphs separated by blank lines."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _parse_date(value: object, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ArticleFormatError(
            f"Front matter {name!r} must be a date like 2026-11-25, not {value!r}."
        ) from None


def _parse_flag(value: object, name: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    raise ArticleFormatError(f"Front matter {name!r} must be true or false, not {value!r}.")


def _plain_text(value: object, name: str, max_length: int = MAX_NAME) -> str:
    """Return a front matter value as one line of text, spaces tidied.

    :raise ArticleFormatError: for a value that is not text, is blank or too long, or
        holds control, invisible or direction-changing characters (which could make a
        name pass for another on the page).
    """
    if not isinstance(value, str) or not value.strip():
        raise ArticleFormatError(f"Front matter {name!r} must be plain text, not {value!r}.")
    found = hidden_characters(value)
    if found:
        raise ArticleFormatError(
            f"Front matter {name!r} contains an invisible or control character "
            f"({describe(found)}); type it plainly."
        )
    text = " ".join(value.split())
    if len(text) > max_length:
        raise ArticleFormatError(
            f"Front matter {name!r} is {len(text)} characters long; at most {max_length}."
        )
    return text


def _optional_text(value: object, name: str) -> str | None:
    return None if value is None else _plain_text(value, name)


def tidy_reviewer(text: str) -> str | None:
    """Return a reviewer as "NAME, ROLE" with spaces tidied, or None when a part is
    missing.  The one reading of the form, for front matter and ``flask content
    publish --reviewed-by`` alike."""
    name, _, role = " ".join(text.split()).rpartition(",")
    name, role = name.strip(), role.strip()
    return f"{name}, {role}" if name and role else None


def _reviewer(value: object) -> str | None:
    """Return ``reviewed_by`` as "NAME, ROLE", the form ``flask content publish`` records."""
    if value is None:
        return None
    tidy = tidy_reviewer(_plain_text(value, "reviewed_by"))
    if tidy is None:
        raise ArticleFormatError(
            "Front matter 'reviewed_by' must be \"NAME, ROLE\": who reviewed the article, "
            f"and in what capacity; not {value!r}."
        )
    return tidy


def _author_organization(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str) and value.strip().lower() in AUTHOR_TYPES:
        return AUTHOR_TYPES[value.strip().lower()]
    raise ArticleFormatError(
        f"Front matter 'author_type' must be person or organization, not {value!r}."
    )


def _source_url(value: object, number: int) -> str:
    url = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    plain = url and not hidden_characters(url) and not any(ch.isspace() for ch in url)
    if not (plain and parts and parts.scheme in ("http", "https") and host):
        raise ArticleFormatError(
            f"Source {number} needs a 'url' that is an http or https address, not {value!r}."
        )
    if len(url) > MAX_SOURCE_URL:
        raise ArticleFormatError(f"Source {number}'s url is longer than {MAX_SOURCE_URL}.")
    return url


def _sources(value: object) -> list[ParsedSource]:
    """Return the ``sources`` list: each with a ``title`` and an http(s) ``url``.

    :raise ArticleFormatError: naming the source at fault and what it lacks.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise ArticleFormatError(
            "Front matter 'sources' must be a list of entries, each with a title and a url."
        )
    if len(value) > MAX_SOURCES:
        raise ArticleFormatError(f"Front matter 'sources' has {len(value)}; at most {MAX_SOURCES}.")
    sources = []
    for number, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            raise ArticleFormatError(f"Source {number} must have a title and a url, not {entry!r}.")
        if not entry.get("title"):
            raise ArticleFormatError(f"Source {number} needs a 'title'.")
        title = _plain_text(entry["title"], f"source {number} title", MAX_SOURCE_TITLE)
        publisher = entry.get("publisher")
        if publisher is not None:
            publisher = _plain_text(publisher, f"source {number} publisher")
        sources.append(ParsedSource(title, _source_url(entry.get("url"), number), publisher))
    return sources


def _next_review(value: object, reviewed: date | None) -> date | None:
    """:raise ArticleFormatError: for a next review that is not a date after ``reviewed``."""
    next_review = _parse_date(value, "next_review")
    if next_review is None:
        return None
    if reviewed is None:
        raise ArticleFormatError(
            "Front matter 'next_review' needs a 'reviewed' date: the review it follows."
        )
    if next_review <= reviewed:
        raise ArticleFormatError(
            f"Front matter 'next_review' ({next_review}) must come after 'reviewed' ({reviewed})."
        )
    return next_review


def parse_markdown(text: str) -> ParsedArticle:
    """Parse one of the site's Markdown articles.

    Layout: front matter with ``title``, ``slug``, ``summary``, the dates
    ``published``, ``updated`` and ``reviewed``, and ``draft: true`` for an article
    kept from the public; optionally who wrote it (``author``, with ``author_type:
    organization`` for a team), who reviewed it (``reviewed_by: "NAME, ROLE"``), when
    it is next due for review (``next_review``, after ``reviewed``) and the ``sources``
    it follows (a list of ``title``, ``url`` and optional ``publisher``), and
    ``get_help_in``, the slug of the section whose page carries the full "When to get
    help" section.  Then intro paragraphs (plain text); sections headed
    ``## 1. Title {#optional-slug}``, each optionally opening with a ``Summary: ...``
    paragraph for the article's overview, then Markdown (``###`` subheadings, lists,
    links, the site's own images: app.shared.markdown); a thematic break (``***``)
    before the closing paragraphs (plain text).

    :raise ArticleFormatError: for missing front matter keys, bad dates, names or
        sources, headings out of order, a file with no sections, or a section whose
        Markdown breaks the site's rules.
    """
    try:
        post = frontmatter.loads("\n".join(normalise_text(text)))
    except yaml.YAMLError as exc:
        raise ArticleFormatError(f"The front matter is not valid YAML: {exc}") from None
    except ValueError as exc:
        # YAML reads 2026-13-01 as a date, and the date refuses it.
        raise ArticleFormatError(
            f"The front matter has a value that cannot be read ({exc}): dates are written "
            "like 2026-11-25."
        ) from None
    meta = post.metadata
    missing = [key for key in ("title", "summary", "published") if not meta.get(key)]
    if missing:
        raise ArticleFormatError(f"Front matter is missing: {', '.join(missing)}.")

    intro_lines: list[str] = []
    closing_lines: list[str] = []
    sections: list[tuple[re.Match[str], list[str]]] = []
    numbers: list[tuple[int, str]] = []
    in_closing = False
    for line in post.content.split("\n"):
        heading = MARKDOWN_HEADING.match(line.strip())
        if heading:
            if in_closing:
                raise ArticleFormatError(f"A section follows the closing break: {line!r}.")
            numbers.append((section_number(heading["number"]), line.strip()))
            sections.append((heading, []))
        elif sections and THEMATIC_BREAK.match(line.strip()):
            in_closing = True
        elif in_closing:
            closing_lines.append(line)
        elif sections:
            sections[-1][1].append(line)
        else:
            intro_lines.append(line)
    if not sections:
        raise ArticleFormatError("No sections headed '## 1. Title' were found.")
    check_numbering(numbers)

    remedies = [_markdown_remedy(heading, lines) for heading, lines in sections]
    _unique_slugs(remedies)
    get_help_in = _get_help_in(meta.get("get_help_in"), remedies)
    slug = str(meta.get("slug") or slugify(str(meta["title"])))
    check_article_slug(slug)
    published = _parse_date(meta["published"], "published")
    reviewed = _parse_date(meta.get("reviewed"), "reviewed")
    return ParsedArticle(
        title=str(meta["title"]).strip(),
        slug=slug,
        summary=str(meta["summary"]).strip(),
        intro=_paragraphs(intro_lines),
        remedies=remedies,
        closing=_paragraphs(closing_lines),
        published_on=published,
        updated_on=_parse_date(meta.get("updated"), "updated") or published,
        reviewed_on=reviewed,
        draft=_parse_flag(meta.get("draft"), "draft"),
        author=_optional_text(meta.get("author"), "author"),
        author_organization=_author_organization(meta.get("author_type")),
        reviewed_by=_reviewer(meta.get("reviewed_by")),
        next_review_on=_next_review(meta.get("next_review"), reviewed),
        sources=_sources(meta.get("sources")),
        get_help_in=get_help_in,
    )


def _get_help_in(value: object, remedies: list[ParsedRemedy]) -> str | None:
    """:raise ArticleFormatError: unless ``get_help_in`` is None or a section's slug."""
    if value is None:
        return None
    slugs = [remedy.slug for remedy in remedies]
    if value not in slugs:
        raise ArticleFormatError(
            f"Front matter 'get_help_in' must be the slug of one of the sections "
            f"({', '.join(slugs)}), not {value!r}."
        )
    return str(value)


def _markdown_remedy(heading: re.Match[str], lines: list[str]) -> ParsedRemedy:
    """Read one section: an optional first paragraph ``Summary: ...`` (for the overview
    only), then its Markdown.

    :raise ArticleFormatError: naming the section, for a summary that is too long or
        Markdown that breaks the site's rules (app.shared.markdown.problems).
    """
    title = heading["title"].strip()
    number = section_number(heading["number"])
    paragraphs = _paragraphs(lines)
    own_summary = None
    if paragraphs and (match := SUMMARY_LINE.match(paragraphs[0])):
        own_summary = " ".join(match["text"].split())
        # Drop the summary's lines: up to the first blank line after some text.
        start = next(i for i, line in enumerate(lines) if line.strip())
        end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
        lines = lines[end:]
        if not own_summary or len(own_summary) > MAX_SECTION_SUMMARY:
            raise ArticleFormatError(
                f"Section {number}'s summary must be one to {MAX_SECTION_SUMMARY} characters "
                f"long; it is {len(own_summary)}."
            )
    text = "\n".join(lines).strip("\n")
    found = markdown.problems(text)
    if found:
        raise ArticleFormatError(f"Section {number} ({title!r}) has {'; '.join(found)}.")
    return ParsedRemedy(
        number=number,
        title=title,
        slug=heading["slug"] or slugify(title),
        markdown=text,
        own_summary=own_summary,
    )
