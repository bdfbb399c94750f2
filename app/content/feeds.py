"""Atom feeds (RFC 4287) of approved comments: one per article or remedy page, and one
for the whole site.

Only approved comments on published pages are listed, newest first; an entry carries
the commenter's name, the comment as plain text and a link to it, never an email
address or anything derived from one.  Every URL is built on SITE_URL.

Answering costs two light queries: the page's versions (or the published articles'),
which make the ETag, so that a reader polling an unchanged feed gets a 304 at once;
then, only when the feed has changed, one query for its entries, with the page of
comments each one is on.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import abort, current_app, request, url_for
from sqlalchemy import and_, func, or_, select
from werkzeug.http import is_resource_modified
from werkzeug.wrappers import Response

from app.comments.listing import visible_filter
from app.content.queries import published_filter
from app.extensions import db
from app.models import Article, Comment, CommentStatus, Remedy
from app.shared.origin import absolute_url, site_origin
from app.shared.pages import Page, PageKey, page_url

ATOM = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# Feed readers poll; a shared cache may keep a feed this long (no feed is personal).
MAX_AGE_SECONDS = 300
# Bump when the XML changes shape, so that no reader keeps an old one by its ETag.
FORMAT = 1
# What XML 1.0 allows in a document (section 2.2): everything else is dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def xml_text(value: str) -> str:
    """Return ``value`` without the characters XML 1.0 forbids (NUL and other control
    characters, lone surrogates, U+FFFE and U+FFFF); the rest is escaped on output."""
    return _NOT_XML.sub("", value)


def rfc3339(value: datetime) -> str:
    """Format a timestamp as RFC 3339 in UTC, to the second: ``2026-01-02T03:04:05Z``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class FeedHead:
    """What a feed says about itself, and what its ETag is made of.

    ``page`` is None for the whole site's feed.  ``versions`` holds the cache versions
    of every page the feed draws on: the comment services bump them in the same
    transaction as any change to a comment, so an unchanged tuple means an unchanged feed.
    """

    title: str
    self_path: str
    home_path: str
    changed: datetime
    versions: tuple
    page: PageKey | None = None

    @property
    def etag(self) -> str:
        """A strong ETag: the same versions and settings always give the same bytes."""
        config = current_app.config
        facts = (
            FORMAT,
            self.self_path,
            self.versions,
            config["SITE_URL"],
            config["SITE_NAME"],
            config["COMMENTS_PER_PAGE"],
            config["COMMENTS_FEED_SIZE"],
        )
        return hashlib.sha256(repr(facts).encode()).hexdigest()[:32]


def feed_path(article_slug: str | None = None, remedy_slug: str | None = None) -> str:
    """Return the path of a page's comment feed, or of the site's when no slug is given."""
    if article_slug is None:
        return url_for("content.site_feed")
    if remedy_slug is None:
        return url_for("content.article_feed", slug=article_slug)
    return url_for("content.remedy_feed", article_slug=article_slug, remedy_slug=remedy_slug)


def site_feed_title() -> str:
    """The title of the whole site's feed."""
    return f"All comments on {current_app.config['SITE_NAME']}"


def links(page: Page | None = None) -> list[tuple[str, str]]:
    """Return (title, absolute URL) of the feeds a page's head points to: its own
    comments, then the whole site's.  A draft has no feed (its feed is a 404)."""
    found = [(site_feed_title(), absolute_url(feed_path()))]
    if page is None:
        return found
    if not page.article.published:
        return []
    slugs = (page.article.slug, page.remedy.slug if page.remedy else None)
    return [(f"Comments on {page.title}", absolute_url(feed_path(*slugs))), *found]


def page_head(article_slug: str, remedy_slug: str | None) -> FeedHead:
    """Return the head of a published page's feed (one light query).

    :raise 404: when either slug is unknown, or the article is a draft (for everyone:
        a feed is public, and a moderator's feed reader is no place for a draft).
    """
    columns = [Article.id, Article.title, Article.cache_version, Article.changed_at]
    query = select(*columns).where(Article.slug == article_slug, published_filter())
    if remedy_slug is not None:
        query = query.join(Remedy, Remedy.article_id == Article.id).where(
            Remedy.slug == remedy_slug
        )
        query = query.add_columns(Remedy.id, Remedy.title, Remedy.cache_version, Remedy.changed_at)
    row = db.session.execute(query).first()
    if row is None:
        abort(404)
    article_id, title, version, changed, *remedy = row
    versions: tuple = (article_id, version)
    remedy_id = None
    if remedy:
        remedy_id, title, remedy_version, remedy_changed = remedy
        versions += (remedy_id, remedy_version)
        changed = max(changed, remedy_changed)
    return FeedHead(
        title=f"Comments on {title}",
        self_path=feed_path(article_slug, remedy_slug),
        home_path=page_url(article_slug, remedy_slug),
        changed=changed,
        versions=versions,
        page=PageKey(article_id, remedy_id),
    )


def site_head() -> FeedHead:
    """Return the head of the whole site's feed (one light query over the articles).

    An article's version is bumped by every change to a comment on it or on its
    remedies, and by publishing or withdrawing it: the published articles' versions
    say whether anything in this feed may have changed.
    """
    rows = db.session.execute(
        select(Article.id, Article.cache_version, Article.changed_at)
        .where(published_filter())
        .order_by(Article.id)
    ).all()
    return FeedHead(
        title=site_feed_title(),
        self_path=feed_path(),
        home_path=url_for("content.index"),
        changed=max((row.changed_at for row in rows), default=_EPOCH),
        versions=tuple((row.id, row.cache_version) for row in rows),
    )


@dataclass(frozen=True)
class FeedEntry:
    """One approved comment as a feed shows it: nothing else of its row leaves here."""

    id: int
    author: str
    text: str
    created_at: datetime
    updated_at: datetime
    page_title: str
    path: str  # the comment's permalink: its page of comments and its anchor


# The comments table under other names, for the counts below (Core aliases, built
# once: see app.comments.listing on why not ORM aliases).
_ROOT = Comment.__table__.alias("thread_root")
_EARLIER = Comment.__table__.alias("earlier")
_HOLDER = Comment.__table__.alias("holder")
_REPLY = Comment.__table__.alias("public_reply")


def _held_up(page: PageKey | None):
    """The top-level comments the public cannot read that still hold an approved reply:
    shown as "This comment was removed.", each takes a place in its page's list.

    Found once per feed, driven by the approved replies (never by walking the held and
    spam comments), and kept MATERIALIZED: the counts for every entry then read this
    short list instead of finding it again.
    """
    holder, reply = _HOLDER.c, _REPLY.c
    replied = select(reply.root_id).where(
        reply.status == CommentStatus.APPROVED, reply.root_id.is_not(None)
    )
    if page is not None:
        replied = replied.where(page.clause(reply))
    return (
        select(holder.id, holder.article_id, holder.remedy_id, holder.created_at)
        .where(
            holder.id.in_(replied),
            holder.parent_id.is_(None),
            holder.status != CommentStatus.APPROVED,
        )
        .cte("held_up")
        .prefix_with("MATERIALIZED")
    )


def _roots_before_count(held_up):
    """How many top-level comments a reader sees above an entry's thread on its page.

    Counted as ``app.comments.listing`` lays out the public's pages, oldest first:
    approved top-level comments (an index range: same page, approved, top-level, older),
    and the placeholders in ``held_up``.
    """
    root, earlier, placeholder = _ROOT.c, _EARLIER.c, held_up.c

    def above(other):
        return and_(
            other.article_id == root.article_id,
            other.remedy_id.is_not_distinct_from(root.remedy_id),
            # The first condition bounds the index range; the second breaks ties.
            other.created_at <= root.created_at,
            or_(other.created_at < root.created_at, other.id < root.id),
        )

    approved = (
        select(func.count())
        .where(
            above(earlier),
            earlier.status == CommentStatus.APPROVED,
            earlier.parent_id.is_(None),
        )
        .scalar_subquery()
    )
    placeholders = select(func.count()).where(above(placeholder)).scalar_subquery()
    return approved + placeholders


def entries(page: PageKey | None, limit: int, per_page: int) -> list[FeedEntry]:
    """Return the newest ``limit`` approved comments on ``page`` (or on the whole site)
    whose article is published, newest first, in one query.

    The newest are chosen first, and only they are placed on their pages of comments:
    a database computes the select list before it sorts, so counting for every approved
    comment would cost a count per comment on the site.  Only the columns an entry shows
    are read: the email (and its digest) never are.
    """
    newest = (
        select(Comment.id)
        .join(Article, Article.id == Comment.article_id)
        # A tombstone is never approved; saying so lets the site feed read the
        # (status, deleted_at, created_at) index newest first and stop at ``limit``.
        .where(visible_filter(), Comment.deleted_at.is_(None), published_filter())
        .order_by(Comment.created_at.desc(), Comment.id.desc())
        .limit(limit)
    )
    if page is not None:
        newest = newest.where(page.clause())
    chosen = newest.subquery("newest")
    query = (
        select(
            Comment.id,
            Comment.author_name,
            Comment.body,
            Comment.created_at,
            Comment.approved_at,
            Comment.edited_at,
            Article.slug,
            Article.title,
            Remedy.slug,
            Remedy.title,
            _roots_before_count(_held_up(page)),
        )
        .join(chosen, chosen.c.id == Comment.id)
        .join(Article, Article.id == Comment.article_id)
        .outerjoin(Remedy, Remedy.id == Comment.remedy_id)
        .join(_ROOT, _ROOT.c.id == func.coalesce(Comment.root_id, Comment.id))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    found = []
    for row in db.session.execute(query):
        (id_, name, body, created, approved, edited, a_slug, a_title, r_slug, r_title, before) = row
        number = before // per_page + 1
        found.append(
            FeedEntry(
                id=id_,
                author=name,
                text=body,
                created_at=created,
                updated_at=max(filter(None, (created, approved, edited))),
                page_title=r_title or a_title,
                path=page_url(a_slug, r_slug, page=number, _anchor=f"comment-{id_}"),
            )
        )
    return found


def entry_id(entry: FeedEntry) -> str:
    """A tag URI (RFC 4151) that names the comment for good, whichever page of comments
    it moves to: ``tag:relief.example.org,2026-01-02:comment-7``."""
    host = urlsplit(site_origin()).hostname or "localhost"
    return f"tag:{host},{entry.created_at.astimezone(UTC):%Y-%m-%d}:comment-{entry.id}"


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def atom_document(head: FeedHead, found: list[FeedEntry]) -> bytes:
    """Build the Atom document with ElementTree, which escapes every text and attribute.

    Entry titles read "Name on Page title"; the content is the comment's text as typed,
    ``type="text"``: a feed reader shows it as text, never as markup.
    """
    feed = ET.Element("feed", {"xmlns": ATOM, "xml:lang": "en-GB"})
    self_url = absolute_url(head.self_path)
    _add(feed, "id", self_url)
    _add(feed, "title", head.title)
    _add(feed, "updated", rfc3339(max([head.changed, *(e.updated_at for e in found)])))
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _add(feed, "link", rel="alternate", type="text/html", href=absolute_url(head.home_path))
    for found_entry in found:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(found_entry))
        name = xml_text(found_entry.author).strip() or "Anonymous"
        _add(entry, "title", f"{name} on {found_entry.page_title}")
        author = _add(entry, "author")
        _add(author, "name", name)
        _add(entry, "published", rfc3339(found_entry.created_at))
        _add(entry, "updated", rfc3339(found_entry.updated_at))
        _add(entry, "link", rel="alternate", type="text/html", href=absolute_url(found_entry.path))
        _add(entry, "content", found_entry.text, type="text")
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def respond(head: FeedHead) -> Response:
    """Answer with the feed, or with a 304 when the reader's copy is current.

    Cached publicly for a few minutes: the feed is the same for everyone, and nothing
    here reads or writes the session, so no cookie is ever set on it.
    """
    response = Response(content_type=CONTENT_TYPE)
    response.set_etag(head.etag)
    # The site feed's newest change can go back in time (an article withdrawn): a date
    # would then keep a withdrawn page's comments in readers' copies. Its ETag decides.
    changed = head.changed if head.page is not None else None
    if changed is not None:
        response.last_modified = changed
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE_SECONDS
    if not is_resource_modified(request.environ, etag=head.etag, last_modified=changed):
        response.status_code = 304
        return response
    config = current_app.config
    found = entries(head.page, config["COMMENTS_FEED_SIZE"], config["COMMENTS_PER_PAGE"])
    response.set_data(atom_document(head, found))
    return response
