"""Which moderation action may turn which status into which: a plain table.

``next_status`` is the whole rule; services apply it, views only offer what it allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from app.models import CommentStatus, ModerationAction

PENDING, APPROVED, SPAM, TRASH = (
    CommentStatus.PENDING,
    CommentStatus.APPROVED,
    CommentStatus.SPAM,
    CommentStatus.TRASH,
)

# action: (statuses it applies to, the status it leads to; None: decided elsewhere)
TRANSITIONS: dict[ModerationAction, tuple[frozenset[CommentStatus], CommentStatus | None]] = {
    ModerationAction.APPROVE: (frozenset({PENDING}), APPROVED),
    ModerationAction.UNAPPROVE: (frozenset({APPROVED}), PENDING),
    ModerationAction.SPAM: (frozenset({PENDING, APPROVED}), SPAM),
    ModerationAction.NOT_SPAM: (frozenset({SPAM}), PENDING),
    ModerationAction.TRASH: (frozenset({PENDING, APPROVED, SPAM}), TRASH),
    ModerationAction.RESTORE: (frozenset({TRASH}), None),
    ModerationAction.DELETE: (frozenset({SPAM, TRASH}), None),
}

LABELS = {
    ModerationAction.APPROVE: "Approve",
    ModerationAction.UNAPPROVE: "Unapprove",
    ModerationAction.SPAM: "Spam",
    ModerationAction.NOT_SPAM: "Not spam",
    ModerationAction.TRASH: "Trash",
    ModerationAction.RESTORE: "Restore",
    ModerationAction.DELETE: "Delete permanently",
}

PAST_TENSE = {
    ModerationAction.APPROVE: "approved",
    ModerationAction.UNAPPROVE: "unapproved",
    ModerationAction.SPAM: "marked as spam",
    ModerationAction.NOT_SPAM: "marked as not spam",
    ModerationAction.TRASH: "moved to the trash",
    ModerationAction.RESTORE: "restored",
    ModerationAction.DELETE: "deleted permanently",
}


# The status changes Undo can revert (deleting cannot be undone; edits, replies and
# settings are not status changes).
UNDOABLE = frozenset(action for action in TRANSITIONS if action is not ModerationAction.DELETE)

# The site may answer a comment that is public, or about to be (replying approves it).
REPLYABLE = frozenset({PENDING, APPROVED})


class ActionNotAllowed(Exception):
    """The action does not apply to a comment in this status; ``str()`` says why."""


def allowed_actions(status: CommentStatus) -> list[ModerationAction]:
    """Return the status-changing actions that apply to a comment in ``status``."""
    return [action for action, (sources, _) in TRANSITIONS.items() if status in sources]


def next_status(
    action: ModerationAction,
    current: CommentStatus,
    before_trash: CommentStatus | None = None,
) -> CommentStatus | None:
    """Return the status ``action`` leads to from ``current`` (None: the comment goes).

    :raise ActionNotAllowed: when the action does not apply to ``current``.
    """
    if action not in TRANSITIONS:
        raise ActionNotAllowed(f"{action.value!r} does not change a comment's status.")
    sources, target = TRANSITIONS[action]
    if current not in sources:
        raise ActionNotAllowed(
            f"{LABELS[action]} does not apply to a comment that is {current.value}."
        )
    if action is ModerationAction.RESTORE:
        return before_trash or PENDING
    return target


@dataclass(frozen=True)
class RowAction:
    """One control in a queue row.

    ``post``: a button that changes the status at once (``moderation.act``); otherwise
    a link to the page of that name (``moderation.delete``, ``.edit``, ``.reply``),
    which asks or shows a form first.
    """

    name: str
    label: str
    post: bool
    quiet: bool = False
    danger: bool = False
    # Completes the label for screen readers: "Approve comment 12", "Reply to comment 12".
    target: str = "comment"


@cache  # the same few controls on every row of a page
def row_actions(status: CommentStatus) -> tuple[RowAction, ...]:
    """Return what a queue row offers for a comment in ``status``, in display order."""
    offered = []
    for action in allowed_actions(status):
        if action is ModerationAction.DELETE:
            offered.append(RowAction(action.value, LABELS[action], post=False, danger=True))
        else:
            quiet = action in (ModerationAction.SPAM, ModerationAction.TRASH)
            offered.append(RowAction(action.value, LABELS[action], post=True, quiet=quiet))
    offered.append(RowAction("edit", "Edit", post=False, quiet=True))
    if status in REPLYABLE:
        offered.append(RowAction("reply", "Reply", post=False, quiet=True, target="to comment"))
    return tuple(offered)
