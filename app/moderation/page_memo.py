"""A worker's copy of each moderator's queue pages, kept while the database is unchanged.

Rendering a page of the queue (twenty rows, each with its forms, links and decrypted
email) costs a worker about 13 ms of Python; reading it again when nothing changed
costs one light statement.  A page is kept under everything it was built from:

- the moderator (their id and session generation: their name, role and preferences
  live in the database),
- the script root every link is built under, and the URL with its query (tab,
  filters, page, cursor, ``select``),
- the database's ``data_version`` (any committed change, by any process, moves it),
- the worker's tab counts and queue overview (which it may reuse for
  MODERATION_COUNTS_SECONDS), with the overview's "Oldest waiting", worded from now.

One ``data_version`` is read per view and handed to the counts and the overview.

What differs between two views of the same data is put back on the way out: the CSRF
token of the asking session replaces a per-worker placeholder.  A view with flashed
messages (after an action) is rendered afresh and not kept.  MODERATION_PAGE_MEMO
pages are kept per worker (as UTF-8, about 75 kB each), least recently used first out;
0 turns it off.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import current_app, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.db import data_version
from app.moderation.overview import overview
from app.moderation.queue import status_counts
from app.shared.lru import LeastRecentlyUsed

MEMO_KEY = "relief.queue_page_memo"


class PageMemo(LeastRecentlyUsed[bytes]):
    """Rendered pages by key, as UTF-8 bytes (a page is about 75 kB so; a str holding
    one emoji takes four bytes a character), the least recently used dropped first."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        # Stands for the CSRF token in a kept page: random per worker, so no text a
        # commenter writes can contain it.
        self.placeholder = f"relief-csrf-{secrets.token_hex(16)}".encode()


def _memo() -> PageMemo | None:
    size = current_app.config["MODERATION_PAGE_MEMO"]
    if size <= 0:
        return None
    memo = current_app.extensions.get(MEMO_KEY)
    if memo is None or memo.size != size:
        memo = current_app.extensions[MEMO_KEY] = PageMemo(size)
    return memo


def remembered(render: Callable[[], str]) -> str | bytes:
    """Return the page ``render`` makes for this request: kept from an earlier view when
    nothing it was built from changed since, else rendered (and kept)."""
    memo = _memo()
    if memo is None or session.get("_flashes"):
        return render()
    version = data_version()
    counts = tuple(sorted((status.value, n) for status, n in status_counts(version).items()))
    # The overview is reused by age, and "Oldest waiting" is worded from now: both go
    # into the key, as does the script root every link is built under.
    numbers = overview(version)
    key = (
        current_user.get_id(),
        request.script_root,
        request.full_path,
        version,
        counts,
        numbers,
        numbers.waiting_for(),
    )
    # The one the page's forms carry (csrf_field): a signed token, ASCII.
    token = generate_csrf().encode()
    kept = memo.get(key)
    if kept is not None:
        return kept.replace(memo.placeholder, token)
    page = render()
    memo.put(key, page.encode().replace(token, memo.placeholder))
    return page
