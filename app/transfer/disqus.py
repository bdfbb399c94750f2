"""Reading Disqus's export (the Disqus admin's Export page mails a link to a gzipped XML).

The root ``<disqus>`` is in the namespace ``http://disqus.com``, and Disqus's own ids are
``dsq:id`` attributes (namespace ``http://disqus.com/disqus-internals``).  Inside it, one
after the other: ``<category>`` elements, one ``<thread>`` per page that ever loaded the
comment box (its ``<link>``, ``<title>`` and ``<id>``, the identifier the site gave
Disqus, often empty), then one ``<post>`` per comment, pointing at its thread and at the
comment it answers by their ``dsq:id``.  Replies may come before the comments they
answer.  Every category and thread names the forum (``<forum>``, its shortname), which
identifies the site: "disqus:SHORTNAME".

``read`` streams the file (``app.transfer.xmlstream``) and lets go of each thread and
post once it is read, so memory does not grow with the file.  Newer exports leave out
emails and IP addresses, and a deleted comment keeps neither text nor author: those come
through as they are (``app.transfer.cleaning`` decides what is kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import Element

from app.models import CommentStatus
from app.transfer.records import (
    Record,
    SourceComment,
    SourceEnd,
    SourcePost,
    SourceSite,
    TransferError,
)
from app.transfer.xmlstream import Fingerprint, Holding, events, local, text_of

NAMESPACE = "http://disqus.com"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
ROOT = f"{{{NAMESPACE}}}disqus"
THREAD = f"{{{NAMESPACE}}}thread"
POST = f"{{{NAMESPACE}}}post"
# What Disqus writes for an address it does not know (comments imported into it).
UNKNOWN_IP = "255.255.255.255"
_SHORTNAME = re.compile(r"[A-Za-z0-9_-]{1,100}")
_PAGE_SUFFIX = re.compile(r"\.(html?|php)$", re.IGNORECASE)


def _tag(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _text(element: Element | None, *path: str) -> str:
    """The stripped text of the child at ``path`` ("author", "name"), "" when absent."""
    if element is None:
        return ""
    return text_of(element.find("/".join(_tag(name) for name in path))).strip()


def _flag(element: Element, name: str, default: bool) -> bool | None:
    """A ``true``/``false`` child as a bool (``default`` when absent), None if neither."""
    value = _text(element, name).lower()
    if not value:
        return default
    return {"true": True, "1": True, "false": False, "0": False}.get(value)


def parse_date(value: str) -> datetime | None:
    """Return a Disqus date ("2013-01-01T12:00:00Z") as UTC, or None if unreadable.

    A date without an offset is UTC, as Disqus means it.  One that is in UTC before
    year 1 or after year 9999 ("0001-01-01T00:00:00+01:00") is unreadable too.
    """
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def page_name(link: str) -> str:
    """The last segment of a link's path, as a slug ("/2019/03/back-spasms/" ->
    "back-spasms"; "/posts/heat.html" -> "heat")."""
    segment = unquote(urlsplit(link).path).rstrip("/").rpartition("/")[2]
    return _PAGE_SUFFIX.sub("", segment)


def _thread(element: Element) -> SourcePost | None:
    """The thread as a post, or None when it has no ``dsq:id`` (no comment can point at
    it)."""
    dsq_id = element.get(DSQ_ID, "").strip()
    if not dsq_id:
        return None
    identifier = _text(element, "id")
    link = _text(element, "link")
    return SourcePost(
        key=f"thread {dsq_id}",
        name=page_name(link),
        link=link,
        title=_text(element, "title"),
        kind="thread",
        ids=tuple(dict.fromkeys(i for i in (dsq_id, identifier) if i)),
    )


def _status(element: Element) -> tuple[CommentStatus | None, str]:
    """The comment's status and how the file states it (for the report when unknown).

    Spam first (Disqus keeps ``isDeleted`` false on spam), then deleted, then held.
    """
    spam = _flag(element, "isSpam", default=False)
    deleted = _flag(element, "isDeleted", default=False)
    approved = _flag(element, "isApproved", default=True)
    for name, value in (("isSpam", spam), ("isDeleted", deleted), ("isApproved", approved)):
        if value is None:
            return None, f"{name}={_text(element, name)}"
    if spam:
        return CommentStatus.SPAM, "isSpam=true"
    if deleted:
        return CommentStatus.TRASH, "isDeleted=true"
    if not approved:
        return CommentStatus.PENDING, "isApproved=false"
    return CommentStatus.APPROVED, "approved"


def _reference(element: Element, name: str) -> str:
    """The ``dsq:id`` of a ``<thread dsq:id="..."/>`` or ``<parent .../>`` child."""
    child = element.find(_tag(name))
    return child.get(DSQ_ID, "").strip() if child is not None else ""


def _post(element: Element) -> SourceComment:
    status, raw_status = _status(element)
    thread = _reference(element, "thread")
    author = element.find(_tag("author"))
    ip = _text(element, "ipAddress")
    return SourceComment(
        post_key=f"thread {thread}" if thread else "(no thread)",
        source_id=element.get(DSQ_ID, "").strip(),
        parent_id=_reference(element, "parent") or None,
        kind="comment",
        author_name=_text(author, "name"),
        author_email=_text(author, "email"),
        author_url="",  # Disqus exports no website
        author_ip="" if ip == UNKNOWN_IP else ip,
        created_at=parse_date(_text(element, "createdAt")),
        status=status,
        raw_status=raw_status,
        html=text_of(element.find(_tag("message"))),
    )


def read(path: Path) -> Iterator[Record]:
    """Yield the site, then every thread and comment of the Disqus export at ``path``,
    then the fingerprint of what was read (``SourceEnd``).

    :raise TransferError: for a file that is not a Disqus export, or not well-formed XML.
    """
    stack: list[Element] = []
    forum = ""
    site_sent = False
    holding = Holding(path)
    fingerprint = Fingerprint()
    for event, element in events(path, fingerprint):
        if event == "start":
            holding.take()
            if not stack and element.tag != ROOT:
                raise TransferError(_not_disqus(path, element))
            stack.append(element)
            continue
        stack.pop()
        if len(stack) != 1:
            continue  # the root's end, or a field that is read with its thread or post
        forum = forum or _text(element, "forum")
        if element.tag in (THREAD, POST):
            if not site_sent:
                yield _site(path, forum)
                site_sent = True
            record = _thread(element) if element.tag == THREAD else _post(element)
            if record is not None:
                yield record
        holding.let_go(stack[0], element)  # read: let go of it and of its children
    if not site_sent:
        yield _site(path, forum)  # categories only: nothing to import, but no error
    yield SourceEnd(fingerprint.hexdigest())


def _site(path: Path, forum: str) -> SourceSite:
    if not _SHORTNAME.fullmatch(forum):
        raise TransferError(
            f"{path} does not name its Disqus forum (no <forum> before the first "
            "thread or comment)."
        )
    return SourceSite(site=f"disqus:{forum.lower()}", system="Disqus", post_word="thread")


def _not_disqus(path: Path, element: Element) -> str:
    """Why a file whose root is ``element`` is refused, with the likely right command."""
    message = (
        f"{path} is not a Disqus export: its first element is <{local(element.tag)}>, "
        f'not <disqus xmlns="{NAMESPACE}">.'
    )
    if element.tag == "rss":
        message += " It looks like a WordPress export: use `flask comments import-wxr`."
    return message
