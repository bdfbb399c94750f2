"""What an export file holds, read into plain records (the readers' common shape).

A reader (``wxr.read``, ``disqus.read``) turns a file into a stream of these: first a
``SourceSite``, then ``SourcePost`` and ``SourceComment`` records in any order, and
last a ``SourceEnd``, with nothing after it.  The importer (``app.transfer.importer``)
reads the stream twice (once to check and plan, once to write), and writes only if both
readings ended alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.models import CommentStatus


class TransferError(Exception):
    """The file cannot be imported (not this format, malformed, truncated, hostile).

    The message says why, for the person running the command; nothing is written.
    """


@dataclass(frozen=True)
class SourceSite:
    """The site a file was exported from.

    ``site`` identifies it for good ("https://example.com" for WordPress,
    "disqus:SHORTNAME" for Disqus): with each comment's own id it makes the import
    idempotent.  ``system`` names the software, and ``post_word`` what it calls a page
    with comments ("post", "thread"), for messages.
    """

    site: str
    system: str
    post_word: str = "post"


@dataclass(frozen=True)
class SourcePost:
    """A page of the other system: a WordPress post or page, a Disqus thread.

    ``key`` is unique within the file and is what comments point at.  ``ids`` are the
    names a person may use for it in ``--map`` (WordPress post id, post name; Disqus
    thread id, identifier); ``name`` is its slug, matched against Relief's slugs.
    """

    key: str
    name: str
    link: str
    title: str
    kind: str
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class SourceComment:
    """One comment as the file states it, not yet checked.

    ``created_at`` is timezone-aware UTC, or None when the file's date is unreadable.
    ``status`` is None for a status value this importer does not know (``raw_status``
    keeps it for the report).  ``html`` is the text as stored there (HTML allowed).
    """

    post_key: str
    source_id: str
    parent_id: str | None
    kind: str
    author_name: str
    author_email: str
    author_url: str
    author_ip: str
    created_at: datetime | None
    status: CommentStatus | None
    raw_status: str
    html: str
    status_before_trash: CommentStatus | None = None


@dataclass(frozen=True)
class SourceEnd:
    """The last record of a reading: the SHA-256 of every byte it read from the file.

    The importer compares the two readings' ends before it commits: a file that was
    replaced or rewritten in between (even with as many comments) writes nothing.
    """

    digest: str


Record = SourceSite | SourcePost | SourceComment | SourceEnd
