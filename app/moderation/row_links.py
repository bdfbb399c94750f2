"""The addresses in the queue's rows, built once per page rather than once per row.

A page of 20 rows holds about 180 links and form actions, and ``url_for`` walks the
URL map each time (about half the cost of rendering the page).  Every row's address of
one kind differs from the next only by the comment's id (and, for "Reply", by the row
to come back to), so each kind is built once with ``url_for`` around a stand-in id and
then filled in: the very string ``url_for`` gives (tests/test_moderation_queue_pages.py
compares them).
"""

from __future__ import annotations

from flask import url_for

from app.models import Article, Comment, Remedy
from app.shared.pages import page_url

# Stands for a comment's id while an address is built; only the path holds it.
_STAND_IN = "987654321"
# What "#queue-" becomes in a ``next`` argument (the row to come back to).
_ROW_MARK = "#queue-"


class _Pattern:
    """An address of ``endpoint`` for any comment id: ``url_for`` once, then text."""

    def __init__(self, endpoint: str, **values) -> None:
        url = url_for(endpoint, comment_id=int(_STAND_IN), **values)
        path, mark, query = url.partition("?")
        self._before, self._after = path.split(_STAND_IN)  # exactly one stand-in
        self._query = mark + query

    def __call__(self, comment_id: int, tail: str = "") -> str:
        return f"{self._before}{comment_id}{self._after}{self._query}{tail}"


class QueueLinks:
    """The links and form actions of one queue page's rows.

    ``here`` is the page's own address: the ``next`` of every link that leads away and
    back (reply leads back to the following row, ``here#queue-ID``).
    """

    def __init__(self, here: str) -> None:
        self.here = here
        self._patterns: dict[str, _Pattern] = {}
        self._pages: dict[tuple[int, int | None], str] = {}

    def _pattern(self, key: str, endpoint: str, **values) -> _Pattern:
        if key not in self._patterns:
            self._patterns[key] = _Pattern(endpoint, **values)
        return self._patterns[key]

    def act(self, comment_id: int, action: str) -> str:
        """The form action of a button that changes the status (``moderation.act``)."""
        return self._pattern(f"act {action}", "moderation.act", action=action)(comment_id)

    def away(self, name: str, comment_id: int) -> str:
        """A link to ``moderation.NAME`` (delete, edit...) that comes back here."""
        return self._pattern(f"away {name}", f"moderation.{name}", next=self.here)(comment_id)

    def reply(self, comment_id: int, following: int | None) -> str:
        """The "Reply" link: back to the row ``following`` after it (here if None)."""
        if following is None:
            return self.away("reply", comment_id)
        back = self.here + _ROW_MARK  # encoded, it ends the address: the id follows it
        return self._pattern("reply to row", "moderation.reply", next=back)(
            comment_id, str(following)
        )

    def trust_or_block(self, comment_id: int) -> str:
        """The link to a new rule about the comment's author."""
        return self._pattern("rule", "moderation.rules.new", next=self.here)(comment_id)

    def pin(self, action: str, comment_id: int) -> str:
        """The form action of "Pin" or "Unpin" (``action``)."""
        return self._pattern(f"pin {action}", f"moderation.{action}")(comment_id)

    def page(self, article: Article, remedy: Remedy | None) -> str:
        """The public address of a page (built once per page)."""
        key = (article.id, remedy.id if remedy is not None else None)
        if key not in self._pages:
            self._pages[key] = page_url(article.slug, remedy.slug if remedy else None)
        return self._pages[key]

    def comment(self, comment: Comment) -> str:
        """The public address of a published comment, on its page."""
        return f"{self.page(comment.article, comment.remedy)}#comment-{comment.id}"
