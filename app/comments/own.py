"""A commenter's own comments: edited or deleted for a while, from the browser that sent
them.

The right to change a comment is the random secret its browser keeps in its signed
session (``NewComment.owner_secret``); the database holds only the secret's digest, so an
id, guessed or read from a page, proves nothing.  The right lasts COMMENTS_EDIT_MINUTES
from when the comment was sent.  An edit passes the text rules of a new comment again
(``policy.decide_edit``), keeps the earlier text for moderators, and leaves a line in the
moderation log, as a deletion does.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from app.comments import policy
from app.comments.policy import Submission
from app.comments.services import policy_settings, remove_for_good, touch_pages
from app.comments.signals import comment_held
from app.db import write_transaction
from app.extensions import db
from app.models import (
    Comment,
    CommentRevision,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    utcnow,
)
from app.shared.pages import PageKey

# Who the moderation log names for a change made by a comment's author.
AUTHOR_ACTOR = "the comment's author"
# What an author may still change: what their browser shows them (spam looks held).
CHANGEABLE = frozenset({CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.SPAM})


class ChangeRefused(Exception):
    """The comment cannot be changed from here; ``str()`` is the message for the person,
    ``title`` the heading of the page that says so."""

    title = "This comment cannot be changed from here"
    http_status = 403
    # The comment, when the browser asking sent it (to link back to it); never set for
    # anyone else.
    comment: Comment | None = None


class NotYours(ChangeRefused):
    """No such comment, or this browser did not send it: both answered alike."""

    def __init__(self, minutes: int) -> None:
        super().__init__(
            "A comment can be edited or deleted only from the browser that sent it, for "
            f"{minutes} minutes after sending. If you need a comment changed or removed, "
            "please contact us."
        )


class TimeIsUp(ChangeRefused):
    """This browser sent the comment, but the time for changes has passed."""

    title = "The time for changes has passed"

    def __init__(self, minutes: int) -> None:
        super().__init__(
            f"A comment can be edited or deleted for {minutes} minutes after it is sent, and "
            "that time has passed for this one. If you need it changed or removed, please "
            "contact us."
        )


class NoLongerChangeable(ChangeRefused):
    """A moderator moved the comment to the trash (or it is gone) meanwhile."""

    title = "This comment can no longer be changed"
    http_status = 410

    def __init__(self) -> None:
        super().__init__(
            "This comment has been taken down by a moderator, so it can no longer be "
            "edited. If you have a question about it, please contact us."
        )


class ChangedMeanwhile(ChangeRefused):
    """Someone (a moderator) changed the comment since the edit form was opened."""

    title = "This comment changed meanwhile"
    http_status = 409

    def __init__(self) -> None:
        super().__init__(
            "This comment was changed meanwhile (a moderator may have edited or checked "
            "it), so your changes were not saved. Your text is kept below, and the comment "
            "as it is now is shown under it; saving again replaces it with yours."
        )


def edit_minutes() -> int:
    """How long after sending a comment its author may change it (COMMENTS_EDIT_MINUTES)."""
    return int(current_app.config["COMMENTS_EDIT_MINUTES"])


def deadline_of(comment: Comment) -> datetime:
    """When the author's right to change ``comment`` ends."""
    return comment.created_at + timedelta(minutes=edit_minutes())


def seconds_left(comment: Comment, now: datetime | None = None) -> int:
    """Whole seconds the author still has to change ``comment`` (0 when none)."""
    if comment.moderated_at is not None:
        return 0
    left = (deadline_of(comment) - (now or utcnow())).total_seconds()
    return max(0, int(left))


class ModeratorActed(ChangeRefused):
    """A moderator has acted on the comment (approved, edited or pinned it): what they
    approved is what stays."""

    title = "A moderator has already looked at this comment"
    http_status = 409

    def __init__(self) -> None:
        super().__init__(
            "A moderator has already acted on this comment, so it can no longer be "
            "changed here. If something in it needs correcting or removing, write to us "
            "from the Contact page."
        )


def minutes_left(comment: Comment, now: datetime | None = None) -> int:
    """Minutes the author still has to change ``comment``, rounded up (0 when none)."""
    return math.ceil(seconds_left(comment, now) / 60)


def version_of(comment: Comment) -> str:
    """Return a digest of what the author's edit form was opened on: the text, name,
    website and status.  A save over a moderator's change since is refused."""
    fields = [comment.body, comment.author_name, comment.author_website, comment.status.value]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def _check(comment: Comment | None, owned: frozenset[str], now: datetime) -> Comment:
    """Return ``comment`` if this browser may change it now.

    :raise NotYours: when it does not exist or another browser sent it (alike, so that
        nobody learns anything about a comment that is not theirs).
    :raise TimeIsUp: when the edit window has passed.
    :raise NoLongerChangeable: when it is in the trash.
    """
    minutes = edit_minutes()
    if comment is None or comment.owner_digest is None or comment.owner_digest not in owned:
        raise NotYours(minutes)
    refusal: ChangeRefused | None = None
    if now >= deadline_of(comment):
        refusal = TimeIsUp(minutes)
    elif comment.deleted_at is not None or comment.status not in CHANGEABLE:
        refusal = NoLongerChangeable()
    elif comment.moderated_at is not None:
        refusal = ModeratorActed()
    if refusal is not None:
        refusal.comment = comment
        raise refusal
    return comment


def _locked(comment_id: int) -> Comment | None:
    """Read the comment afresh, locked until the transaction ends (the copy loaded
    earlier in the request may be stale)."""
    return db.session.get(Comment, comment_id, with_for_update=True, populate_existing=True)


def find_own(comment_id: int, owned: frozenset[str], now: datetime | None = None) -> Comment:
    """Return the comment ``comment_id`` if this browser (``owned``: the digests of the
    secrets it holds) may change it now.

    :raise ChangeRefused: otherwise (see ``_check``).
    """
    return _check(db.session.get(Comment, comment_id), owned, now or utcnow())


def _log(comment: Comment, action: ModerationAction, detail: str, now: datetime) -> None:
    db.session.add(
        ModerationEvent(
            moderator_id=None,
            moderator_email=AUTHOR_ACTOR,
            comment_id=comment.id,
            action=action,
            detail=detail,
            created_at=now,
        )
    )


@dataclass(frozen=True)
class EditOutcome:
    """What an author's edit did: the comment, and whether it now waits for a person
    though it was public before."""

    comment: Comment
    held_again: bool = False
    changed: bool = True


def edit_own(
    comment_id: int,
    owned: frozenset[str],
    text: str,
    *,
    version: str | None,
    now: datetime | None = None,
) -> EditOutcome:
    """Replace the text of a comment this browser sent, keeping the old text.

    The new text meets the rules of a new comment: links or moderation words hold a
    published comment again, disallowed words send it to spam; a held comment stays held.

    :param version: :func:`version_of` the comment as the edit form showed it.
    :raise ChangeRefused: when this browser may not change it now, or
        :class:`ChangedMeanwhile` when it changed since the form was opened.
    :raise policy.FloodLimited: when the author edited it moments ago.
    """
    now = now or utcnow()
    settings = policy_settings()
    with write_transaction():
        comment = _check(_locked(comment_id), owned, now)
        if version != version_of(comment):
            raise ChangedMeanwhile()
        if text == comment.body:
            return EditOutcome(comment, changed=False)
        policy.check_flood(comment.edited_at, now, settings.flood_seconds)
        before = comment.status
        decision = policy.decide_edit(
            Submission(
                name=comment.author_name,
                email=comment.author_email,
                website=comment.author_website,
                text=text,
            ),
            before,
            settings,
        )
        db.session.add(
            CommentRevision(
                comment_id=comment.id,
                moderator_id=None,
                by_author=True,
                author_name=comment.author_name,
                author_website=comment.author_website,
                body=comment.body,
                created_at=now,
            )
        )
        comment.body = text
        comment.edited_at = now
        # What moderators see as "needs a careful answer" follows the text.
        comment.red_flags = "\n".join(policy.red_flags_in(text, settings))
        detail = "changed text"
        if decision is not None:
            comment.status, comment.reason = decision.status, decision.reason
            detail += f"; {decision.status.value}: {decision.reason}"
        _log(comment, ModerationAction.AUTHOR_EDIT, detail, now)
        if CommentStatus.APPROVED in (before, comment.status):
            touch_pages([PageKey.of(comment)], now)
    held_again = before is CommentStatus.APPROVED and comment.status is not before
    if held_again and comment.status is CommentStatus.PENDING:
        comment_held.send(current_app._get_current_object(), comment_id=comment.id)
    return EditOutcome(comment, held_again=held_again)


def delete_own(comment_id: int, owned: frozenset[str], now: datetime | None = None) -> PageKey:
    """Delete a comment this browser sent; return the page it was on.

    One with replies stays as "This comment was removed." (``remove_for_good``).

    :raise ChangeRefused: when this browser may not change it now.
    """
    now = now or utcnow()
    with write_transaction():
        comment = _check(_locked(comment_id), owned, now)
        page = PageKey.of(comment)
        # Named by its number only: the log outlives the comment and keeps nothing of it.
        _log(comment, ModerationAction.AUTHOR_DELETE, f"comment {comment.id}", now)
        remove_for_good(comment, now)
        touch_pages([page], now)  # after the removal: it recounts the approved comments
    return page
