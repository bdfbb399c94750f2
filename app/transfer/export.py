"""Writing Relief's pages and their comments as a WordPress export (WXR 1.2).

The file is what WordPress's own Tools > Export writes, so that its importer (the
wordpress-importer plugin) and other WXR readers, Relief's included, take it as it is:
the same namespaces and prefixes, one ``<item>`` of type ``page`` per Relief page (an
article; each remedy a page of its own whose parent is its article), each holding its
comments, and text fields in CDATA split around "]]>" as ``wxr_cdata`` does.  The
layout (one element per line) also suits the importer's line-by-line fallback parser.

Choices, where Relief and WordPress differ:

- A comment's text is Relief's plain text, HTML-escaped: WordPress stores comments as
  (filtered) HTML, so a reader's literal "<b>" stays literal there; newlines are kept
  (WordPress makes paragraphs of them on display).  Its author's name is escaped too,
  as WordPress stores names ("Tom &amp; Jerry"; its importer would strip a raw
  "<Jerry>" as a tag); page titles likewise.
- Tombstones (comments deleted for good but kept for their replies: no name, no text)
  are left out.  A reply to one points at the tombstone's own parent, the nearest
  ancestor that is not a tombstone, when that comment is in the file; otherwise it
  becomes top-level (0).  A reply whose parent is not in the file (left out by
  ``statuses``) is top-level too.
- An anonymised IP ("203.0.113.0/24") is written as its network address
  ("203.0.113.0"), the form WordPress's own anonymisation leaves.
- A trashed comment carries ``_wp_trash_meta_status`` (where it goes back to: 1, 0 or
  spam), as WordPress writes it, but no ``_wp_trash_meta_time``: WordPress empties
  its trash of comments trashed more than 30 days before, and Relief does not know
  when a comment was trashed.
- Spam is left out unless asked for, as WordPress's exporter leaves it out.
- A site reply is an ordinary comment there (``comment_user_id`` 0) by the moderator's
  name and email: WordPress's users are not Relief's moderators.
- ``wp:comment_id`` is Relief's id.  WordPress's importer links a reply only to a
  parent with a smaller id; Relief numbers comments as they arrive, so that holds,
  except for comments Relief itself imported from a file listing replies first.

Everything is read in one transaction (a consistent snapshot), page by page; each
page's comments are streamed in batches with their parent's standing joined, so
memory holds one batch of comments, never all of them.
"""

from __future__ import annotations

import html
import ipaddress
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from email.utils import format_datetime
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.comments.closing import is_closed
from app.extensions import db
from app.models import Article, Comment, CommentStatus, utcnow
from app.shared.pages import PageKey, page_url
from app.transfer.private_file import private_file

WXR_VERSION = "1.2"
# Prefix and URI of each namespace, exactly as WordPress declares them: its importer's
# XML parser matches elements by their prefixed names ("wp:comment").
NAMESPACES = (
    ("excerpt", f"http://wordpress.org/export/{WXR_VERSION}/excerpt/"),
    ("content", "http://purl.org/rss/1.0/modules/content/"),
    ("wfw", "http://wellformedweb.org/CommentAPI/"),
    ("dc", "http://purl.org/dc/elements/1.1/"),
    ("wp", f"http://wordpress.org/export/{WXR_VERSION}/"),
)
# wp:comment_approved as WordPress stores it.
APPROVED_VALUES = {
    CommentStatus.APPROVED: "1",
    CommentStatus.PENDING: "0",
    CommentStatus.SPAM: "spam",
    CommentStatus.TRASH: "trash",
}
# _wp_trash_meta_status: where a trashed comment goes back to (anything else: 0).
TRASHED_FROM = {CommentStatus.APPROVED: "1", CommentStatus.SPAM: "spam"}
DEFAULT_STATUSES = (CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.TRASH)
LANGUAGE = "en-GB"  # the language every page declares (templates/base.html)
GENERATOR = "Relief"
BATCH = 1000
WP_DATE = "%Y-%m-%d %H:%M:%S"
# What XML 1.0 allows in a document; anything else (NUL, most control characters, lone
# surrogates, U+FFFE/U+FFFF) is dropped from the text written.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LOGIN = re.compile(r"[^a-z0-9_-]+")


@dataclass
class ExportReport:
    """What an export wrote."""

    pages: int = 0
    comments: Counter = field(default_factory=Counter)  # per CommentStatus

    @property
    def total(self) -> int:
        """How many comments the file holds."""
        return sum(self.comments.values())


@dataclass(frozen=True)
class _Page:
    """One page as an ``<item>``: its place in the file and what WordPress needs."""

    post_id: int
    parent_post_id: int
    key: PageKey
    title: str
    slug: str
    path: str
    summary: str
    published: bool
    published_on: date
    modified_at: datetime
    menu_order: int
    closed: bool


def clean(text: str) -> str:
    """Return ``text`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", text)


def cdata(text: str) -> str:
    """Return ``text`` as a CDATA section, split around "]]>" as WordPress's
    ``wxr_cdata`` does (a "]]>" in the text survives the round trip)."""
    return "<![CDATA[" + clean(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text(value: str) -> str:
    """Return ``value`` escaped as XML character data."""
    return escape(clean(value))


def as_html(plain: str) -> str:
    """Return plain text as the HTML WordPress keeps (a comment's text and its author's
    name, a title): escaped, so that "<b>" and "&" read as typed; newlines are left for
    WordPress's paragraphs."""
    return html.escape(plain, quote=False)


def wordpress_ip(ip: str | None) -> str:
    """Return an IP as WordPress stores it; an anonymised one ("203.0.113.0/24") as its
    network address ("203.0.113.0"), as WordPress's anonymisation leaves it."""
    if not ip:
        return ""
    if "/" not in ip:
        return ip
    try:
        network = ipaddress.ip_network(ip, strict=False)
    except ValueError:
        return ""
    return "" if network.prefixlen == 0 else str(network.network_address)


def resolve_zone(name: str) -> tzinfo:
    """Return the time zone named ``name`` ("Europe/London"; "UTC" works everywhere).

    :raise ValueError: when there is no such zone.
    """
    if name.strip().upper() in ("UTC", "Z", "GMT"):
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not a time zone name; use one such as Europe/London or UTC."
        ) from None


def export_wxr(
    path: Path,
    statuses: Collection[CommentStatus] = DEFAULT_STATUSES,
    zone: tzinfo = UTC,
    now: datetime | None = None,
) -> ExportReport:
    """Write every page and its comments of ``statuses`` to ``path`` as WXR 1.2; return
    what was written.  Dates are also given in ``zone`` (WordPress's local dates).

    The file holds commenters' email addresses in clear text: it is created readable by
    its owner only (``app.transfer.private_file``).  Needs a request context (page paths).

    :raise PrivateFileError: when ``path`` cannot be written.
    :raise EncryptionKeyError: when a stored email cannot be decrypted (a key was
        removed too early).  Nothing is written in either case.
    """
    now = now or utcnow()
    report = ExportReport()
    wanted = frozenset(statuses)
    site = current_app.config["SITE_URL"].rstrip("/")
    _begin_snapshot()
    try:
        with private_file(path) as out:
            writer = _Writer(out, zone)
            writer.head(site, now)
            for page in _pages():
                writer.page_start(page, site)
                for row in _comments(page.key, wanted):
                    writer.comment(row)
                    report.comments[row.status] += 1
                writer.page_end()
                report.pages += 1
            writer.tail()
    finally:
        db.session.rollback()  # ends the read-only snapshot
    return report


def _begin_snapshot() -> None:
    """Start a transaction that sees the database as it is now, for the whole export.

    SQLite's read transactions are snapshots already; PostgreSQL's are not unless
    REPEATABLE READ, otherwise a comment moderated meanwhile could leave a reply
    pointing at a parent that is not in the file.
    """
    session = db.session()
    if session.in_transaction():
        session.commit()
    if db.engine.dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _pages() -> Iterator[_Page]:
    """Every page, drafts included, in file order: each article, then its remedies."""
    post_id = 0
    for article in db.session.scalars(select(Article).order_by(Article.id)):
        post_id += 1
        article_post = post_id
        yield _Page(
            post_id=article_post,
            parent_post_id=0,
            key=PageKey(article.id),
            title=article.title,
            slug=article.slug,
            path=page_url(article.slug, None),
            summary=article.summary,
            published=article.published,
            published_on=article.published_on,
            modified_at=article.modified_at,
            menu_order=0,
            closed=is_closed(article.commenting, article.published_on),
        )
        for remedy in article.remedies:
            post_id += 1
            yield _Page(
                post_id=post_id,
                parent_post_id=article_post,
                key=PageKey(article.id, remedy.id),
                title=remedy.title,
                slug=remedy.slug,
                path=page_url(article.slug, remedy.slug),
                summary=remedy.summary,
                published=article.published,
                published_on=article.published_on,
                modified_at=article.modified_at,
                menu_order=remedy.position,
                closed=is_closed(remedy.commenting, article.published_on),
            )
        db.session.expunge(article)  # its remedies go with it (cascade)


@dataclass(frozen=True)
class _Row:
    """One comment as written, its parent already resolved (0: top level)."""

    id: int
    parent: int
    status: CommentStatus
    status_before_trash: CommentStatus | None
    name: str
    email: str
    website: str | None
    ip: str | None
    created_at: datetime
    body: str


def _comments(page: PageKey, statuses: frozenset[CommentStatus]) -> Iterator[_Row]:
    """Stream the page's comments of ``statuses`` (no tombstones), oldest id first.

    Each comes with its parent's standing (joined), so that no list of the page's
    comments is kept to decide whether a parent is in the file.
    """
    if not statuses:
        return
    listed = Comment.status.in_(statuses) & Comment.deleted_at.is_(None)
    parent = aliased(Comment)
    query = (
        select(
            Comment.id,
            Comment.parent_id,
            Comment.status,
            Comment.status_before_trash,
            Comment.author_name,
            Comment.author_email,  # decrypted as it is read (EncryptedText)
            Comment.author_website,
            Comment.ip,
            Comment.created_at,
            Comment.body,
            parent.status.label("parent_status"),
            parent.deleted_at.label("parent_deleted_at"),
            parent.article_id.label("parent_article_id"),
            parent.remedy_id.label("parent_remedy_id"),
        )
        # On the primary key alone, so that the plan is an index lookup per comment
        # whatever the statistics say (a page condition here let PostgreSQL pick a
        # quadratic plan on a freshly filled table).
        .outerjoin(parent, parent.id == Comment.parent_id)
        .where(page.clause(), listed)
        .order_by(Comment.id)
        .execution_options(yield_per=BATCH)
    )
    below_tombstones = _below_tombstones(page, statuses)
    for row in db.session.execute(query):
        same_page = PageKey(row.parent_article_id or 0, row.parent_remedy_id) == page
        if row.parent_status is None or not same_page:  # top level (or a stray parent)
            parent_id = 0
        elif row.parent_deleted_at is not None:
            parent_id = below_tombstones.get(row.parent_id, 0)
        else:
            parent_id = row.parent_id if row.parent_status in statuses else 0
        yield _Row(
            id=row.id,
            parent=parent_id,
            status=row.status,
            status_before_trash=row.status_before_trash,
            name=row.author_name,
            email=row.author_email or "",
            website=row.author_website,
            ip=row.ip,
            created_at=row.created_at,
            body=row.body,
        )


def _below_tombstones(page: PageKey, statuses: frozenset[CommentStatus]) -> dict[int, int]:
    """For each tombstone of the page, the comment its replies are written under: its
    nearest ancestor that is not a tombstone, when that one is in the file (else 0).

    Tombstones are few (comments deleted for good while they had replies).
    """
    tombstones: dict[int, int | None] = dict(
        db.session.execute(
            select(Comment.id, Comment.parent_id).where(
                page.clause(), Comment.deleted_at.is_not(None)
            )
        ).all()
    )
    nearest: dict[int, int | None] = {}
    for tombstone in tombstones:
        ancestor, seen = tombstones[tombstone], {tombstone}
        while ancestor in tombstones and ancestor not in seen:
            seen.add(ancestor)
            ancestor = tombstones[ancestor]
        nearest[tombstone] = None if ancestor in seen else ancestor
    candidates = {a for a in nearest.values() if a is not None}
    in_file: set[int] = set()
    if candidates:
        in_file.update(
            db.session.scalars(
                select(Comment.id).where(
                    Comment.id.in_(candidates),
                    page.clause(),
                    Comment.status.in_(statuses),
                    Comment.deleted_at.is_(None),
                )
            )
        )
    return {t: a if a in in_file else 0 for t, a in nearest.items()}


def _login(site_name: str) -> str:
    """A WordPress user name for the pages' author, from the site's name."""
    return _LOGIN.sub("-", site_name.lower()).strip("-")[:60] or "relief"


class _Writer:
    """Writes the file, element by element, in WordPress's layout."""

    def __init__(self, out: TextIO, zone: tzinfo) -> None:
        self.out = out
        self.zone = zone
        self.login = _login(current_app.config["SITE_NAME"])

    def _line(self, indent: int, content: str) -> None:
        self.out.write("\t" * indent + content + "\n")

    def _field(self, indent: int, name: str, value: str, raw: bool = False) -> None:
        self._line(indent, f"<{name}>{value if raw else cdata(value)}</{name}>")

    def _dates(self, moment: datetime) -> tuple[str, str]:
        """(local, GMT) as WordPress writes them."""
        return moment.astimezone(self.zone).strftime(WP_DATE), moment.astimezone(UTC).strftime(
            WP_DATE
        )

    def head(self, site: str, now: datetime) -> None:
        name = current_app.config["SITE_NAME"]
        self._line(0, '<?xml version="1.0" encoding="UTF-8" ?>')
        self._line(0, "<!-- This is a WordPress eXtended RSS file (WXR 1.2) written by Relief. -->")
        self._line(0, "<!-- It holds the site's pages and their comments, with commenters' -->")
        self._line(0, "<!-- email addresses in clear text: keep it private. -->")
        created = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        self._line(0, f'<!-- generator="{GENERATOR}" created="{created}" -->')
        self._line(0, '<rss version="2.0"')
        for prefix, uri in NAMESPACES:
            self._line(1, f"xmlns:{prefix}={quoteattr(uri)}")
        self._line(0, ">")
        self._line(0, "")
        self._line(0, "<channel>")
        self._field(1, "title", text(name), raw=True)
        self._field(1, "link", text(site), raw=True)
        self._field(1, "description", text(f"Pages and comments of {name}"), raw=True)
        self._field(1, "pubDate", format_datetime(now.astimezone(UTC)), raw=True)
        self._field(1, "language", LANGUAGE, raw=True)
        self._field(1, "wp:wxr_version", WXR_VERSION, raw=True)
        self._field(1, "wp:base_site_url", text(site), raw=True)
        self._field(1, "wp:base_blog_url", text(site), raw=True)
        self._line(0, "")
        self._line(
            1,
            f"<wp:author><wp:author_id>1</wp:author_id>"
            f"<wp:author_login>{cdata(self.login)}</wp:author_login>"
            f"<wp:author_email>{cdata('')}</wp:author_email>"
            f"<wp:author_display_name>{cdata(name)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata('')}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata('')}</wp:author_last_name></wp:author>",
        )
        self._line(0, "")
        self._field(1, "generator", GENERATOR, raw=True)
        self._line(0, "")

    def page_start(self, page: _Page, site: str) -> None:
        link = site + page.path
        published = datetime.combine(page.published_on, time(), self.zone)
        local, gmt = self._dates(published)
        modified_local, modified_gmt = self._dates(page.modified_at)
        self._line(1, "<item>")
        self._field(2, "title", as_html(page.title))
        self._field(2, "link", text(link), raw=True)
        self._field(2, "pubDate", format_datetime(published.astimezone(UTC)), raw=True)
        self._field(2, "dc:creator", self.login)
        self._line(2, f'<guid isPermaLink="false">{text(link)}</guid>')
        self._field(2, "description", text(page.summary), raw=True)
        self._field(2, "content:encoded", f"<p>{as_html(page.summary)}</p>")
        self._field(2, "excerpt:encoded", as_html(page.summary))
        self._field(2, "wp:post_id", str(page.post_id), raw=True)
        self._field(2, "wp:post_date", local)
        self._field(2, "wp:post_date_gmt", gmt)
        self._field(2, "wp:post_modified", modified_local)
        self._field(2, "wp:post_modified_gmt", modified_gmt)
        self._field(2, "wp:comment_status", "closed" if page.closed else "open")
        self._field(2, "wp:ping_status", "closed")
        self._field(2, "wp:post_name", page.slug)
        self._field(2, "wp:status", "publish" if page.published else "draft")
        self._field(2, "wp:post_parent", str(page.parent_post_id), raw=True)
        self._field(2, "wp:menu_order", str(page.menu_order), raw=True)
        self._field(2, "wp:post_type", "page")
        self._field(2, "wp:post_password", "")
        self._field(2, "wp:is_sticky", "0", raw=True)

    def comment(self, row: _Row) -> None:
        local, gmt = self._dates(row.created_at)
        self._line(2, "<wp:comment>")
        self._field(3, "wp:comment_id", str(row.id), raw=True)
        self._field(3, "wp:comment_author", as_html(row.name))
        self._field(3, "wp:comment_author_email", row.email)
        self._field(3, "wp:comment_author_url", row.website or "")
        self._field(3, "wp:comment_author_IP", wordpress_ip(row.ip))
        self._field(3, "wp:comment_date", local)
        self._field(3, "wp:comment_date_gmt", gmt)
        self._field(3, "wp:comment_content", as_html(row.body))
        self._field(3, "wp:comment_approved", APPROVED_VALUES[row.status])
        self._field(3, "wp:comment_type", "comment")
        self._field(3, "wp:comment_parent", str(row.parent), raw=True)
        self._field(3, "wp:comment_user_id", "0", raw=True)
        if row.status is CommentStatus.TRASH:
            self._line(3, "<wp:commentmeta>")
            self._field(4, "wp:meta_key", "_wp_trash_meta_status")
            self._field(4, "wp:meta_value", TRASHED_FROM.get(row.status_before_trash, "0"))
            self._line(3, "</wp:commentmeta>")
        self._line(2, "</wp:comment>")

    def page_end(self) -> None:
        self._line(1, "</item>")

    def tail(self) -> None:
        self._line(0, "</channel>")
        self._line(0, "</rss>")
