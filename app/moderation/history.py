"""A comment's edit history: every version from the first to the current one, who
made each, and what changed between one and the next (word by word).

``CommentRevision`` rows hold what a comment said *before* each edit, stamped with that
edit's time and editor; the versions are rebuilt from them and the comment as it is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import select

from app.extensions import db
from app.models import Comment, CommentRevision, Moderator

# Words with the spaces after them (and any spaces the text starts with): a lone space
# never becomes the common ground between two different words.
_TOKENS = re.compile(r"^\s+|\S+\s*")
# Comparing n words with m may take about n * n * m steps when words repeat ("a a a..."
# against "b a b a...": minutes for two 5,000-character comments).  Past this many
# pairs of words (after the common start and end), the part between is shown removed
# and added whole.
MAX_WORD_PAIRS = 200 * 200


@dataclass(frozen=True)
class Piece:
    """A run of text in a diff: ``kind`` is "same", "removed" or "added"."""

    kind: str
    text: str


def word_diff(old: str, new: str) -> list[Piece]:
    """Compare two texts word by word (spaces and line breaks kept as they are).

    Without difflib's "autojunk" heuristic, which would treat common words in a long
    comment as noise and report whole paragraphs as rewritten.  The words both texts
    start and end with are set aside first; a middle too big to compare word by word
    (MAX_WORD_PAIRS) is shown removed and added whole.
    """
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    pieces = [Piece("same", "".join(a[:start]))] if start else []
    a_mid, b_mid = a[start : len(a) - end], b[start : len(b) - end]
    if len(a_mid) * len(b_mid) > MAX_WORD_PAIRS:
        pieces += [Piece("removed", "".join(a_mid)), Piece("added", "".join(b_mid))]
    else:
        pieces += _word_pieces(a_mid, b_mid)
    if end:
        pieces.append(Piece("same", "".join(a[len(a) - end :])))
    return pieces


def _word_pieces(a: list[str], b: list[str]) -> list[Piece]:
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(Piece("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(Piece("removed", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(Piece("added", "".join(b[j1:j2])))
    return pieces


@dataclass(frozen=True)
class Version:
    """One version of a comment: its words, name and website, and who made it when."""

    number: int
    body: str
    name: str
    website: str | None
    at: datetime
    by: str
    by_moderator: bool
    current: bool = False
    previous: Version | None = None

    @cached_property  # the page asks twice: whether there are changes, then for them
    def text_changes(self) -> list[Piece]:
        """What changed in the text since the previous version (empty for the first)."""
        if self.previous is None or self.previous.body == self.body:
            return []
        return word_diff(self.previous.body, self.body)

    @property
    def name_changed(self) -> bool:
        return self.previous is not None and self.previous.name != self.name

    @property
    def website_changed(self) -> bool:
        return self.previous is not None and (self.previous.website or None) != (
            self.website or None
        )


def _editor(revision: CommentRevision, moderators: dict[int, Moderator]) -> tuple[str, bool]:
    if revision.by_author:
        return "its author", False
    moderator = moderators.get(revision.moderator_id or 0)
    if moderator is None:
        return "a moderator (account since removed)", True
    return f"{moderator.name} ({moderator.email})", True


def versions_of(comment: Comment) -> list[Version]:
    """Every version of ``comment``, oldest first; the last is the current one."""
    revisions = list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.created_at, CommentRevision.id)
        )
    )
    ids = {r.moderator_id for r in revisions if r.moderator_id is not None}
    moderators = (
        {m.id: m for m in db.session.scalars(select(Moderator).where(Moderator.id.in_(ids)))}
        if ids
        else {}
    )
    # Each revision is the text an edit replaced: version n+1 is what that edit wrote.
    contents = [(r.body, r.author_name, r.author_website) for r in revisions]
    contents.append((comment.body, comment.author_name, comment.author_website))
    versions: list[Version] = []
    for number, (body, name, website) in enumerate(contents, 1):
        if number == 1:
            at, by, by_moderator = comment.created_at, "its author", comment.is_site_reply
            if comment.is_site_reply:
                by = "the site (a moderator's reply)"
        else:
            edit = revisions[number - 2]
            at = edit.created_at
            by, by_moderator = _editor(edit, moderators)
        versions.append(
            Version(
                number=number,
                body=body,
                name=name,
                website=website,
                at=at,
                by=by,
                by_moderator=by_moderator,
                current=number == len(contents),
                previous=versions[-1] if versions else None,
            )
        )
    return versions


def with_revisions(comment_ids: set[int]) -> set[int]:
    """Which of ``comment_ids`` have an edit history (one query)."""
    if not comment_ids:
        return set()
    return set(
        db.session.scalars(
            select(CommentRevision.comment_id)
            .where(CommentRevision.comment_id.in_(comment_ids))
            .distinct()
        )
    )
