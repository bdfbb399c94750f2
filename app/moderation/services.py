"""Moderation: acting on comments (one, many, or from an email), editing, replying as the
site.  Every change runs in one write transaction and leaves a line in the log.  Reading
the queue is app.moderation.queue's job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.comments import reports, subscriptions
from app.comments.services import build_comment, remove_for_good, touch_pages
from app.db import write_transaction
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentRevision,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    ModerationEventItem,
    Moderator,
    QueueOrder,
    Remedy,
    utcnow,
)
from app.moderation.actions import (
    PAST_TENSE,
    REPLYABLE,
    UNDOABLE,
    ActionNotAllowed,
    next_status,
)
from app.moderation.queue import forget_counts
from app.shared.pages import PageKey


class ModerationError(Exception):
    """An action could not be done; ``str()`` is the message for the moderator."""


class CommentGone(ModerationError):
    """The comment no longer exists."""


class ConflictingChange(ModerationError):
    """Someone else changed the comment since the moderator looked at it."""


# One status change: the comment, the status it had, the status it has now (None: gone).
Change = tuple[int, CommentStatus | None, CommentStatus | None]

# The detail of the approval that replying to a pending comment makes: undoing it would
# leave the site's published reply answering a hidden comment, so it cannot be undone.
APPROVED_BY_REPLYING = "approved by replying"


def _log(
    moderator: Moderator,
    action: ModerationAction,
    comment: Comment | None,
    detail: str = "",
    changes: Sequence[Change] = (),
    undoes: ModerationEvent | None = None,
) -> ModerationEvent:
    """Add a line to the audit log, with one item per comment whose status it changed."""
    if comment is not None:
        _mark_moderated(comment)
    event = ModerationEvent(
        moderator_id=moderator.id,
        moderator_email=moderator.email,
        comment_id=comment.id if comment is not None else None,
        action=action,
        detail=detail,
        undoes_event_id=undoes.id if undoes is not None else None,
        items=[
            ModerationEventItem(comment_id=cid, status_before=before, status_after=after)
            for cid, before, after in changes
        ],
    )
    db.session.add(event)
    return event


def _mark_moderated(comment: Comment) -> None:
    # From now on its author can no longer change it (app.comments.own): they must not
    # undo a moderator's edit, nor rewrite what a moderator approved or pinned.
    comment.moderated_at = utcnow()


def edit_marker(comment: Comment) -> str:
    """What identifies the version of a comment's text a moderator saw: when its author
    last edited it ("" when never)."""
    return comment.edited_at.isoformat() if comment.edited_at else ""


def _locked(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id, with_for_update=True)
    if comment is None or comment.deleted_at is not None:
        raise CommentGone("That comment no longer exists.")
    return comment


def _apply(comment: Comment, action: ModerationAction, now: datetime) -> Change:
    """Change one locked comment's status (or delete it) and refresh its page; return
    the change, for the log.  The caller logs it (one entry for one action, or one for a
    whole bulk action).

    :raise ActionNotAllowed: when the action does not apply to the comment's status.
    """
    page = PageKey.of(comment)
    before = comment.status
    target = next_status(action, comment.status, comment.status_before_trash)
    _mark_moderated(comment)
    if action is ModerationAction.DELETE:
        remove_for_good(comment, now)
    else:
        _set_status(comment, target, now)
    touch_pages([page], now)  # after the change: it recounts the approved comments
    return comment.id, before, target


def _set_status(comment: Comment, target: CommentStatus, now: datetime) -> None:
    """Move a comment to ``target``, keeping the status to restore it to from the
    trash; a first approval tells its author (and the author it answers)."""
    if target is CommentStatus.TRASH:
        comment.status_before_trash = comment.status
    elif comment.status is CommentStatus.TRASH:
        comment.status_before_trash = None
    first_approval = target is CommentStatus.APPROVED and comment.approved_at is None
    if first_approval:
        comment.approved_at = now
    comment.status = target
    if first_approval:
        subscriptions.comment_published(comment, now, was_held=True)


def _apply_and_log(
    comment: Comment, action: ModerationAction, moderator: Moderator, now: datetime, detail: str
) -> ModerationEvent:
    """Apply ``action`` to one locked comment and log it as one entry."""
    change = _apply(comment, action, now)
    if action is ModerationAction.DELETE:
        # The log outlives the comment: it names the comment by its number only, so that
        # deleting (or erasing) a person's comment leaves nothing of theirs behind.
        detail = f"{detail + ': ' if detail else ''}comment {comment.id}"
        return _log(moderator, action, None, detail, [change])
    return _log(moderator, action, comment, detail, [change])


@dataclass(frozen=True)
class Outcome:
    """What one action did: a sentence for the moderator, and its log entry (for Undo;
    None when nothing was logged)."""

    message: str
    event_id: int | None = None
    comment_ids: tuple[int, ...] = ()  # the comments it changed


def act(
    comment_id: int,
    action: ModerationAction,
    moderator: Moderator,
    expected: CommentStatus | None = None,
    detail: str = "",
    seen_edit: str | None = None,
) -> Outcome:
    """Apply ``action`` to one comment; return what happened and its log entry.

    :param expected: the status the moderator saw; if the comment has moved on since,
        nothing changes and :class:`ConflictingChange` says so (two moderators on one
        comment: the first wins, the second is told).
    :param seen_edit: :func:`edit_marker` of the comment as the moderator saw it; if
        its author edited it since, nothing changes: nobody approves words they never
        read.
    :raise ModerationError: when the comment is gone, changed, or the action does not
        apply to it.
    """
    now = utcnow()
    with write_transaction():
        comment = _locked(comment_id)
        if expected is not None and comment.status is not expected:
            raise ConflictingChange(
                f"Someone changed this comment meanwhile: it is now {comment.status.value}. "
                "Nothing was done; please check it again."
            )
        if seen_edit is not None and edit_marker(comment) != seen_edit:
            raise ConflictingChange(
                "Its author edited this comment after you loaded the page. Nothing was "
                "done: read it again before you act on it."
            )
        try:
            event = _apply_and_log(comment, action, moderator, now, detail)
        except ActionNotAllowed as exc:
            raise ModerationError(str(exc)) from None
        db.session.flush()
        event_id = event.id
    forget_counts()
    return Outcome(f"Comment {comment_id} {PAST_TENSE[action]}.", event_id, (comment_id,))


@dataclass(frozen=True)
class BulkResult:
    """How many comments a bulk action changed, and how many it left as they were."""

    done: int
    skipped: int
    changed: int = 0  # moved by someone else since the moderator saw them
    event_id: int | None = None  # the one log entry for all of them (None: none done)

    def message(self, action: ModerationAction) -> str:
        """A sentence for the moderator."""
        noun = "comment" if self.done == 1 else "comments"
        text = f"{self.done} {noun} {PAST_TENSE[action]}."
        if self.changed:
            text += (
                f" {self.changed} changed by someone else meanwhile and left as they are:"
                " check them again."
            )
        if self.skipped:
            text += (
                f" {self.skipped} skipped (the action does not apply to them, or they are gone)."
            )
        return text


def act_on_many(
    ids: list[int],
    action: ModerationAction,
    moderator: Moderator,
    expected: CommentStatus | None = None,
    seen_edits: dict[int, str] | None = None,
) -> BulkResult:
    """Apply ``action`` to every comment in ``ids`` it applies to, in one transaction.

    ``expected`` is the status the moderator saw the comments in (the queue's tab): a
    comment that another moderator moved since is left alone, as single actions do; so
    is one whose author edited it since the moderator saw it (``seen_edits``: each
    comment's :func:`edit_marker` then).
    """
    seen_edits = seen_edits or {}
    now = utcnow()
    skipped = changed = 0
    event_id = None
    with write_transaction():
        comments = list(
            db.session.scalars(
                select(Comment)
                .where(Comment.id.in_(ids), Comment.deleted_at.is_(None))
                .order_by(Comment.id.desc())  # replies before their parents, for deletes
                .with_for_update()
            )
        )
        skipped = len(set(ids)) - len(comments)
        changes: list[Change] = []
        for comment in comments:
            edited = comment.id in seen_edits and edit_marker(comment) != seen_edits[comment.id]
            if (expected is not None and comment.status is not expected) or edited:
                changed += 1
                continue
            try:
                changes.append(_apply(comment, action, now))
            except ActionNotAllowed:
                skipped += 1
            db.session.flush()
        if changes:
            changes.sort()
            named = ", ".join(str(cid) for cid, _, _ in changes)
            noun = "comment" if len(changes) == 1 else "comments"
            event = _log(moderator, action, None, f"bulk: {noun} {named}", changes)
            db.session.flush()
            event_id = event.id
    forget_counts()
    return BulkResult(len(changes), skipped, changed, event_id)


def undo_window(now: datetime | None = None) -> datetime:
    """Return the time before which a logged action can no longer be undone."""
    minutes = current_app.config["MODERATION_UNDO_MINUTES"]
    return (now or utcnow()) - timedelta(minutes=minutes)


def undoable(event: ModerationEvent) -> bool:
    """Whether ``event`` is a kind of action Undo can revert (it may still be too late
    or already undone): a status change, but not the approval a reply made."""
    return (
        event.action in UNDOABLE
        and event.detail != APPROVED_BY_REPLYING
        and any(item.status_after is not None for item in event.items)
    )


def undo(event_id: int, moderator: Moderator) -> Outcome:
    """Put back the status each comment had before the logged action ``event_id``.

    Any moderator may undo any moderator's action, once, within MODERATION_UNDO_MINUTES;
    the Undo is itself logged (by whom, and which entry it reverted).  A comment that
    has moved since (its status is no longer the one the action left it in) or is gone
    is left as it is, and the sentence says so.

    :raise ModerationError: when there is no such entry, it cannot be undone, it is too
        old or already undone, or none of its comments can be put back.
    """
    now = utcnow()
    with write_transaction():
        event = db.session.get(ModerationEvent, event_id, with_for_update=True)
        if event is None:
            raise ModerationError("There is no such action to undo.")
        if not undoable(event):
            label = event.action.value.replace("_", " ")
            raise ModerationError(f"That action ({label}) cannot be undone.")
        already = db.session.scalar(
            select(ModerationEvent).where(ModerationEvent.undoes_event_id == event.id)
        )
        if already is not None:
            raise ModerationError(f"That action was already undone by {already.moderator_email}.")
        if event.created_at < undo_window(now):
            minutes = current_app.config["MODERATION_UNDO_MINUTES"]
            raise ModerationError(
                f"Too late to undo that action: Undo works for {minutes} minutes. "
                "Change the comments one by one instead."
            )
        changes: list[Change] = []
        moved, gone = [], []
        for item in event.items:
            comment = db.session.get(Comment, item.comment_id, with_for_update=True)
            if comment is None or comment.deleted_at is not None:
                gone.append(item.comment_id)
            elif item.status_after is None or comment.status is not item.status_after:
                moved.append(f"{item.comment_id} (now {comment.status.value})")
            else:
                changes.append((comment.id, comment.status, item.status_before))
                _undo_one(comment, item, now)
        notes = []
        if moved:
            notes.append(f"Left as they are, changed since: comment {', '.join(moved)}.")
        if gone:
            notes.append(f"No longer there: comment {', '.join(map(str, gone))}.")
        if not changes:
            raise ModerationError("Nothing was undone. " + " ".join(notes))
        named = ", ".join(str(cid) for cid, _, _ in changes)
        undone = _log(
            moderator,
            ModerationAction.UNDO,
            db.session.get(Comment, event.comment_id) if event.comment_id else None,
            f"undid {event.moderator_email}'s {event.action.value.replace('_', ' ')} "
            f"(log entry {event.id}): comment{'' if len(changes) == 1 else 's'} {named}",
            changes,
            undoes=event,
        )
        db.session.flush()
        undone_id = undone.id
    forget_counts()
    if len(changes) == 1:
        message = f"Undone: comment {named} is {changes[0][2].value} again."
    else:
        message = f"Undone: {len(changes)} comments put back as they were."
    return Outcome(" ".join([message, *notes]), undone_id, tuple(c for c, _, _ in changes))


def _undo_one(comment: Comment, item: ModerationEventItem, now: datetime) -> None:
    """Put one locked comment back in ``item.status_before``."""
    page = PageKey.of(comment)
    before = item.status_before
    if item.status_after is CommentStatus.TRASH:
        # Out of the trash to where it was: nothing to restore to any more.
        comment.status_before_trash = None
    elif before is CommentStatus.TRASH:
        # Back into the trash: Restore must again lead where it led.
        comment.status_before_trash = comment.status
    comment.status = before
    touch_pages([page], now)


def empty_spam(moderator: Moderator) -> int:
    """Delete every spam comment permanently; return how many went."""
    ids = list(
        db.session.scalars(
            select(Comment.id).where(
                Comment.status == CommentStatus.SPAM, Comment.deleted_at.is_(None)
            )
        )
    )
    # A comment moved out of spam meanwhile is not deleted with it.
    result = act_on_many(ids, ModerationAction.DELETE, moderator, expected=CommentStatus.SPAM)
    with write_transaction():
        _log(moderator, ModerationAction.EMPTY_SPAM, None, f"{result.done} deleted")
    return result.done


def version_of(comment: Comment) -> str:
    """Return a digest of what a moderator edits: the text, name and website.

    The edit form carries it, so a save can tell whether someone else changed the
    comment since the form was opened (no column needed; only moderators see it).
    """
    fields = [comment.body, comment.author_name, comment.author_website or None]
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


def edit(
    comment_id: int,
    moderator: Moderator,
    name: str,
    website: str | None,
    body: str,
    *,
    version: str | None,
) -> Comment:
    """Change a comment's name, website and text, keeping what it said before.

    :param version: :func:`version_of` the comment as the moderator's form showed it.
    :raise ConflictingChange: when the comment changed since (or no version was sent):
        nothing is saved, so a second moderator cannot undo the first one's redaction.
    :raise CommentGone: when the comment no longer exists.
    """
    now = utcnow()
    with write_transaction():
        comment = _locked(comment_id)
        if version != version_of(comment):
            raise ConflictingChange(
                "This comment was changed by someone else meanwhile, so nothing was saved. "
                "Your text is kept below and the comment as it is now is shown under it; "
                "saving again replaces it with yours."
            )
        changed = [
            label
            for label, old, new in (
                ("text", comment.body, body),
                ("name", comment.author_name, name),
                ("website", comment.author_website or None, website or None),
            )
            if old != new
        ]
        if not changed:
            return comment
        db.session.add(
            CommentRevision(
                comment_id=comment.id,
                moderator_id=moderator.id,
                author_name=comment.author_name,
                author_website=comment.author_website,
                body=comment.body,
                created_at=now,
            )
        )
        comment.author_name, comment.author_website, comment.body = name, website or None, body
        comment.edited_at = now
        touch_pages([PageKey.of(comment)], now)
        _log(moderator, ModerationAction.EDIT, comment, "changed " + ", ".join(changed))
    return comment


def reply(parent_id: int, moderator: Moderator, body: str) -> Comment:
    """Publish the site's reply to a comment; a pending comment is approved with it.

    :raise ModerationError: when the comment is gone or is spam or in the trash.
    """
    now = utcnow()
    with write_transaction():
        parent = _locked(parent_id)
        if parent.status is CommentStatus.PENDING:
            _apply_and_log(parent, ModerationAction.APPROVE, moderator, now, APPROVED_BY_REPLYING)
        elif parent.status not in REPLYABLE:
            raise ModerationError(
                f"You can only reply to approved or pending comments; this one is "
                f"{parent.status.value}."
            )
        comment = build_comment(
            PageKey.of(parent),
            parent=parent,
            status=CommentStatus.APPROVED,
            reason="moderator reply",
            name=moderator.name,
            email=moderator.email,
            website=None,
            body=body,
            now=now,
            moderator_id=moderator.id,
        )
        db.session.add(comment)
        db.session.flush()
        touch_pages([PageKey.of(comment)], now)
        subscriptions.comment_published(comment, now, was_held=False)
        _log(moderator, ModerationAction.REPLY, comment, f"reply to comment {parent.id}")
    forget_counts()
    return comment


def _page_row(comment: Comment) -> Article | Remedy:
    """The article or remedy row of the page a comment is on (where its pin is kept)."""
    if comment.remedy_id is None:
        return db.session.get(Article, comment.article_id, with_for_update=True)
    return db.session.get(Remedy, comment.remedy_id, with_for_update=True)


def is_pinned(comment: Comment) -> bool:
    """Whether ``comment`` is its page's pinned comment (shown only while approved)."""
    row = comment.remedy if comment.remedy_id is not None else comment.article
    return row is not None and row.pinned_comment_id == comment.id


def pin(comment_id: int, moderator: Moderator) -> str:
    """Pin an approved comment above its page's discussion, replacing any other pinned
    there; return a sentence saying what happened.

    :raise ModerationError: when the comment is gone or not approved.
    """
    now = utcnow()
    with write_transaction():
        comment = _locked(comment_id)
        if comment.status is not CommentStatus.APPROVED:
            raise ModerationError(
                f"Only an approved comment can be pinned; comment {comment_id} is "
                f"{comment.status.value}."
            )
        row = _page_row(comment)
        previous = row.pinned_comment_id
        if previous == comment.id:
            return f"Comment {comment_id} is already pinned at the top of its page."
        row.pinned_comment_id = comment.id
        detail = "pinned at the top of its page"
        if previous is not None:
            detail += f", in place of comment {previous}"
        _log(moderator, ModerationAction.PIN, comment, detail)
        touch_pages([PageKey.of(comment)], now)
    replaced = f" It replaces comment {previous}." if previous is not None else ""
    return f"Comment {comment_id} is pinned at the top of its page.{replaced}"


def unpin(comment_id: int, moderator: Moderator) -> str:
    """Take a comment down from the top of its page (it stays in its thread).

    :raise ModerationError: when the comment is gone or not pinned.
    """
    now = utcnow()
    with write_transaction():
        comment = _locked(comment_id)
        row = _page_row(comment)
        if row.pinned_comment_id != comment.id:
            raise ModerationError(f"Comment {comment_id} is not pinned.")
        row.pinned_comment_id = None
        _log(moderator, ModerationAction.UNPIN, comment, "unpinned")
        touch_pages([PageKey.of(comment)], now)
    return f"Comment {comment_id} is no longer pinned."


def dismiss_reports(comment_id: int, moderator: Moderator) -> str:
    """Dismiss the readers' reports on a comment; return a sentence saying so.

    The comment keeps its status: one held by reports stays held until a moderator
    approves it, as any held comment.  Dismissed reports no longer count towards a hold.

    :raise ModerationError: when the comment is gone or has no open reports (another
        moderator dismissed them meanwhile).
    """
    now = utcnow()
    with write_transaction():
        comment = _locked(comment_id)
        count = reports.dismiss_open_reports(comment.id, moderator.id, now)
        if not count:
            raise ModerationError(
                f"Comment {comment_id} has no reports left to dismiss: someone may have "
                "dismissed them meanwhile."
            )
        noun = "report" if count == 1 else "reports"
        _log(moderator, ModerationAction.DISMISS_REPORTS, comment, f"{count} {noun} dismissed")
        held = comment.status is CommentStatus.PENDING
    message = f"{count} {noun} on comment {comment_id} dismissed."
    if held:
        message += " The comment is still held: approve it if it can be published."
    return message


# --- Reading -------------------------------------------------------------------------


def set_queue_order(moderator_id: int, order: QueueOrder) -> None:
    """Save which end of the queue a moderator starts from."""
    with write_transaction():
        db.session.get(Moderator, moderator_id, with_for_update=True).queue_order = order


def get_comment(comment_id: int) -> Comment | None:
    """Return a comment that has not been deleted, or None."""
    comment = db.session.get(Comment, comment_id)
    return comment if comment is not None and comment.deleted_at is None else None


def revisions_of(comment_id: int) -> list[CommentRevision]:
    """Return what a comment said before each edit (its author's or a moderator's),
    newest first."""
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment_id)
            .order_by(CommentRevision.created_at.desc(), CommentRevision.id.desc())
        )
    )
