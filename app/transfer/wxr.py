"""Reading WordPress's export format, WXR (WordPress eXtended RSS, versions 1.0 to 1.2).

Tools > Export writes RSS 2.0 with the ``wp`` namespace: a ``<channel>`` that names the
site (``wp:base_site_url``), then one ``<item>`` per post, page or attachment, each with
its ``wp:comment`` elements.  ``read`` streams it (``app.transfer.xmlstream``) and yields
``app.transfer.records``: each comment as it ends, each post when its item ends, so a
post with 100,000 comments takes no more memory than one with two.

Posts are keyed by their place in the file ("item 3"): a comment knows its item before
that item's own fields have all been read, whatever their order.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from app.models import Comment, CommentStatus
from app.transfer.records import (
    Record,
    SourceComment,
    SourceEnd,
    SourcePost,
    SourceSite,
    TransferError,
)
from app.transfer.xmlstream import Fingerprint, Holding, events, local, text_of

WP_NAMESPACE = "wordpress.org/export/"
STATUSES = {
    "1": CommentStatus.APPROVED,
    "approve": CommentStatus.APPROVED,
    "0": CommentStatus.PENDING,
    "hold": CommentStatus.PENDING,
    "spam": CommentStatus.SPAM,
    "trash": CommentStatus.TRASH,
    # The comments of a post that went to the trash; their own status is in the meta.
    "post-trashed": CommentStatus.TRASH,
}
NO_DATE = "0000-00-00 00:00:00"
MAX_SITE = Comment.__table__.c.source_site.type.length  # what the database keeps


def site_id(url: str) -> str:
    """Return the form of a site's address that identifies it ("https://example.com").

    One site, however its address is written: http or https, with or without "www.",
    with or without its default port, a final slash.  A site that moved to https (or
    dropped its "www.") and exports again is still the same source, so its comments are
    not imported twice; and this site's own export is recognised however it is spelled.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    try:
        port = parts.port
    except ValueError:
        port = None
    if port not in (None, 80, 443):
        host = f"{host}:{port}"
    return f"https://{host}{parts.path.rstrip('/')}"


def parse_date(value: str) -> datetime | None:
    """Return a WXR date ("2019-03-04 12:00:00") as UTC, or None if unreadable."""
    value = value.strip()
    if not value or value == NO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _is_wp(element: Element) -> bool:
    return WP_NAMESPACE in element.tag


def _fields(element: Element) -> dict[str, str]:
    """The ``wp:`` children of an element by local name (the first of each)."""
    fields: dict[str, str] = {}
    for child in element:
        if _is_wp(child):
            fields.setdefault(local(child.tag), text_of(child))
    return fields


def _meta(element: Element, tag: str) -> dict[str, str]:
    """The ``wp:commentmeta`` / ``wp:postmeta`` of an element as a dict."""
    meta = {}
    for child in element:
        if _is_wp(child) and local(child.tag) == tag:
            values = _fields(child)
            meta.setdefault(values.get("meta_key", ""), values.get("meta_value", ""))
    return meta


def _comment(element: Element, post_key: str) -> SourceComment:
    fields = _fields(element)
    raw_status = fields.get("comment_approved", "").strip()
    before = _meta(element, "commentmeta").get("_wp_trash_meta_status", "").strip()
    parent = fields.get("comment_parent", "").strip()
    created = parse_date(fields.get("comment_date_gmt", "")) or parse_date(
        fields.get("comment_date", "")
    )
    return SourceComment(
        post_key=post_key,
        source_id=fields.get("comment_id", "").strip(),
        parent_id=None if parent in ("", "0") else parent,
        kind=fields.get("comment_type", "").strip() or "comment",
        # WordPress stores names HTML-escaped ("Tom &amp; Jerry"), unlike emails and URLs.
        author_name=html.unescape(fields.get("comment_author", "")),
        author_email=fields.get("comment_author_email", ""),
        author_url=fields.get("comment_author_url", ""),
        author_ip=fields.get("comment_author_IP", ""),
        created_at=created,
        status=STATUSES.get(raw_status.lower()),
        raw_status=raw_status,
        html=fields.get("comment_content", ""),
        status_before_trash=STATUSES.get(before) if before else None,
    )


def _post(element: Element, key: str) -> SourcePost:
    fields = _fields(element)
    link = ""
    title = ""
    for child in element:
        if child.tag == "link":
            link = text_of(child).strip()
        elif child.tag == "title":
            title = text_of(child).strip()
    post_id = fields.get("post_id", "").strip()
    name = fields.get("post_name", "").strip()
    return SourcePost(
        key=key,
        name=name,
        link=link,
        title=title,
        kind=fields.get("post_type", "").strip() or "post",
        ids=tuple(i for i in (post_id, name) if i),
    )


def read(path: Path) -> Iterator[Record]:
    """Yield the site, then every post and comment of the WXR file at ``path``, then the
    fingerprint of what was read (``SourceEnd``).

    :raise TransferError: for a file that is not WXR, or not well-formed XML.
    """
    stack: list[Element] = []
    channel: dict[str, str] = {}
    site_sent = False
    items = 0
    open_items = 0
    holding = Holding(path)
    fingerprint = Fingerprint()
    for event, element in events(path, fingerprint):
        if event == "start":
            holding.take()
            if not stack and element.tag != "rss":
                hint = " It looks like a Disqus export: use `flask comments import-disqus`."
                raise TransferError(
                    f"{path} is not a WordPress export (WXR): its first element is "
                    f"<{local(element.tag)}>, not <rss>."
                    + (hint if local(element.tag) == "disqus" else "")
                )
            if element.tag == "item" and not site_sent:
                yield _site(path, channel)
                site_sent = True
            if element.tag == "item":
                if open_items:
                    raise TransferError(
                        f"{path} is not a WordPress export (WXR): it has an <item> inside another."
                    )
                items += 1
                open_items += 1
            stack.append(element)
            continue
        stack.pop()
        parent = stack[-1] if stack else None
        if parent is not None and parent.tag == "channel" and element.tag != "item":
            channel.setdefault(local(element.tag), text_of(element).strip())
            holding.let_go(parent, element)  # the channel's own fields: read, then let go
        elif element.tag == "item":
            open_items -= 1
            yield _post(element, f"item {items}")
            if parent is not None:
                holding.let_go(parent, element)
        elif _is_wp(element) and local(element.tag) == "comment" and parent is not None:
            if parent.tag == "item":
                yield _comment(element, f"item {items}")
                holding.let_go(parent, element)
        elif element.tag == "channel" and not site_sent:
            yield _site(path, channel)
            site_sent = True
    if not site_sent:
        raise TransferError(f"{path} is not a WordPress export (WXR): it has no <channel>.")
    yield SourceEnd(fingerprint.hexdigest())


def _site(path: Path, channel: dict[str, str]) -> SourceSite:
    if "wxr_version" not in channel:
        raise TransferError(
            f"{path} is RSS but not a WordPress export (WXR): it has no <wp:wxr_version>."
        )
    url = channel.get("base_site_url") or channel.get("base_blog_url") or channel.get("link")
    if not url or not urlsplit(url).netloc:
        raise TransferError(f"{path} does not name its site (<wp:base_site_url> is missing).")
    site = site_id(url)
    if len(site) > MAX_SITE:
        raise TransferError(
            f"{path}: its site address (<wp:base_site_url>) is longer than {MAX_SITE} "
            "characters, which no WordPress site has."
        )
    return SourceSite(site=site, system="WordPress")
