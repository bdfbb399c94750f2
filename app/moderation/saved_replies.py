"""Saved replies: reusable words for the site's replies, with a few placeholders.

A saved reply is plain text, as a comment is.  When a moderator picks one to answer a
comment, these placeholders are filled in for that comment (and nothing else is):

``{name}``       the commenter's name
``{page}``       the title of the page the comment is on
``{help_link}``  the full address of that page's "Get help now" box (``#get-help``)

Anything else in braces stays exactly as typed.  The text is never handed to
``str.format`` (which would read ``{0}``, ``{name.__class__}`` or ``{x:>99999}`` as
instructions): each placeholder is a fixed token, swapped for its value in one pass, so
a value that itself contains ``{page}`` is not expanded again.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.db import write_transaction
from app.extensions import db
from app.models import Comment, ModerationAction, ModerationEvent, Moderator, SavedReply, utcnow
from app.shared.origin import absolute_url
from app.shared.pages import Page

PLACEHOLDERS = {
    "name": "the commenter's name",
    "page": "the title of the page the comment is on",
    "help_link": 'the address of that page\'s "Get help now" box',
}
_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")
GET_HELP_ANCHOR = "get-help"  # the box's id (templates/content/_get_help_box.html)


class SavedReplyGone(Exception):
    """The saved reply no longer exists (someone deleted it meanwhile)."""


def expand(text: str, values: dict[str, str]) -> str:
    """Return ``text`` with each known placeholder replaced by its value, in one pass."""
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def values_for(comment: Comment) -> dict[str, str]:
    """What the placeholders stand for when answering ``comment``."""
    page = Page(comment.article, comment.remedy)
    return {
        "name": comment.author_name,
        "page": page.title,
        "help_link": absolute_url(page.url(_anchor=GET_HELP_ANCHOR)),
    }


def all_replies() -> list[SavedReply]:
    """Every saved reply, by title."""
    return list(db.session.scalars(select(SavedReply).order_by(SavedReply.title, SavedReply.id)))


def get(reply_id: int) -> SavedReply | None:
    """Return one saved reply, or None."""
    return db.session.get(SavedReply, reply_id)


def _log(moderator: Moderator, detail: str) -> None:
    db.session.add(
        ModerationEvent(
            moderator_id=moderator.id,
            moderator_email=moderator.email,
            action=ModerationAction.SAVED_REPLY,
            detail=detail,
        )
    )


def create(title: str, body: str, moderator: Moderator) -> SavedReply:
    """Save a new reply, and note it in the log."""
    now = utcnow()
    with write_transaction():
        reply = SavedReply(
            title=title,
            body=body,
            created_by_id=moderator.id,
            updated_by_id=moderator.id,
            created_at=now,
            updated_at=now,
        )
        db.session.add(reply)
        _log(moderator, f"added saved reply “{title}”")
    return reply


def update(reply_id: int, title: str, body: str, moderator: Moderator) -> SavedReply:
    """Change a saved reply's title and text, and note it in the log.

    :raise SavedReplyGone: when it was deleted meanwhile.
    """
    with write_transaction():
        reply = db.session.get(SavedReply, reply_id, with_for_update=True)
        if reply is None:
            raise SavedReplyGone("That saved reply no longer exists: someone deleted it.")
        if (reply.title, reply.body) == (title, body):
            return reply
        detail = f"changed saved reply “{reply.title}”"
        if reply.title != title:
            detail += f" (now “{title}”)"
        reply.title, reply.body = title, body
        reply.updated_by_id, reply.updated_at = moderator.id, utcnow()
        _log(moderator, detail)
    return reply


def delete(reply_id: int, moderator: Moderator) -> str:
    """Delete a saved reply for good; return its title.

    :raise SavedReplyGone: when it was deleted meanwhile.
    """
    with write_transaction():
        reply = db.session.get(SavedReply, reply_id, with_for_update=True)
        if reply is None:
            raise SavedReplyGone("That saved reply no longer exists: someone deleted it.")
        title = reply.title
        db.session.delete(reply)
        _log(moderator, f"deleted saved reply “{title}”")
    return title


def offered_for(comment: Comment) -> list[tuple[SavedReply, str]]:
    """Every saved reply with its text filled in for ``comment`` (the reply form's list)."""
    values = values_for(comment)
    return [(reply, expand(reply.body, values)) for reply in all_replies()]
