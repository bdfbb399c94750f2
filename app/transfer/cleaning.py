"""An exported comment's fields made into what Relief stores, or the reason it cannot be.

Files come from elsewhere and may hold anything: every field is checked as a form field
would be, and what cannot be kept is dropped (a website that is not http(s), an IP that
is no address) rather than the comment.  Only what makes a comment meaningless skips it:
no id, no readable date, no text.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from app.comments.forms import MAX_EMAIL, MAX_NAME, MAX_WEBSITE
from app.models import CommentStatus, utcnow
from app.shared.validators import BIDI_CONTROLS, hidden_characters
from app.transfer.html_text import html_to_text
from app.transfer.records import SourceComment

# WordPress's own limit on a comment (its comment_content column holds 65,535 bytes; it
# refuses longer comments at 65,525 characters): anything longer was never a comment.
MAX_SOURCE_TEXT = 65_525
ANONYMOUS = "Anonymous"  # what WordPress shows for a comment without a name
_SOURCE_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_SPACES = re.compile(r"\s+")
IMPORTED_KINDS = frozenset({"comment", ""})


@dataclass(frozen=True)
class CleanComment:
    """A comment ready to store (its page and parent are the importer's business)."""

    source_id: str
    parent_id: str | None
    name: str
    email: str  # normalised, or "" when the file held no valid address
    website: str | None
    ip: str | None
    created_at: datetime
    status: CommentStatus
    status_before_trash: CommentStatus | None
    body: str


def prepare(comment: SourceComment) -> CleanComment | str:
    """Return what Relief stores of ``comment``, or why it is not imported at all (the
    report's wording: "pingback", "no readable date"...)."""
    kind = comment.kind.strip().lower()
    if kind not in IMPORTED_KINDS:
        return kind if kind in ("pingback", "trackback") else f"type {kind[:30]!r}"
    if not _SOURCE_ID.fullmatch(comment.source_id):
        return "no usable comment id"
    if comment.status is None:
        return f"unknown status {comment.raw_status[:30]!r}"
    if comment.created_at is None:
        return "no readable date"
    if comment.created_at > utcnow() + timedelta(days=1):
        return "dated in the future"
    if len(comment.html) > MAX_SOURCE_TEXT:
        return "longer than WordPress allows"
    body = _visible(html_to_text(comment.html))
    if not body and comment.status is not CommentStatus.TRASH:
        return "no text"
    status = comment.status
    return CleanComment(
        source_id=comment.source_id,
        parent_id=comment.parent_id if _valid_parent(comment) else None,
        name=clean_name(comment.author_name),
        email=clean_email(
            comment.author_email, current_app.config.get("EMAIL_TEST_ENVIRONMENT", False)
        ),
        website=clean_website(comment.author_url),
        ip=clean_ip(comment.author_ip),
        created_at=comment.created_at,
        status=status,
        status_before_trash=(
            _restorable(comment.status_before_trash) if status is CommentStatus.TRASH else None
        ),
        body=body,
    )


def _restorable(status: CommentStatus | None) -> CommentStatus:
    """Where a trashed comment goes back to: approved if it was, otherwise pending."""
    return CommentStatus.APPROVED if status is CommentStatus.APPROVED else CommentStatus.PENDING


def _valid_parent(comment: SourceComment) -> bool:
    parent = comment.parent_id
    return bool(parent) and _SOURCE_ID.fullmatch(parent) and parent != comment.source_id


def _visible(text: str) -> str:
    """The text without controls and the bidirectional overrides (which a reader's own
    comment may not hold either: they make a link show one address and lead to another).
    """
    hidden = set(hidden_characters(text, allow_joiners=True, newlines=True))
    hidden &= BIDI_CONTROLS | {c for c in hidden if unicodedata.category(c) == "Cc"}
    return "".join(char for char in text if char not in hidden).strip() if hidden else text


def clean_name(name: str) -> str:
    """The name without hidden characters or runs of spaces, at most MAX_NAME long."""
    hidden = set(hidden_characters(name, allow_joiners=True))
    kept = "".join(" " if char in hidden else char for char in unicodedata.normalize("NFC", name))
    kept = _SPACES.sub(" ", kept).strip()[:MAX_NAME].strip()
    return kept or ANONYMOUS


@lru_cache(maxsize=65536)
def clean_email(email: str, test_environment: bool = False) -> str:
    """The address normalised as the comment form does, or "" when there is none or it
    is not valid (deliverability is not checked: the file is history)."""
    email = email.strip()
    if not email or len(email) > MAX_EMAIL or hidden_characters(email):
        return ""
    try:
        normalised = validate_email(
            email, check_deliverability=False, test_environment=test_environment
        ).normalized
    except EmailNotValidError:
        return ""
    return normalised if len(normalised) <= MAX_EMAIL else ""


def clean_website(url: str) -> str | None:
    """An http(s) address the comment form would take (a host with a dot, no user name
    or password, a numeric port, no spaces, at most MAX_WEBSITE characters); or None."""
    url = url.strip()
    if not url or len(url) > MAX_WEBSITE or _SPACES.search(url) or hidden_characters(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or parts.username or parts.password:
        return None
    if "." not in host and host != "localhost":
        return None
    return url


def clean_ip(ip: str) -> str | None:
    """The IP address in its usual form, or None when the field holds none (a scoped
    IPv6 address such as fe80::1%eth0 is no client address either)."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        return None
    return str(address)
