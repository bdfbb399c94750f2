"""Moderator forms: editing a comment, replying as the site, one's own preferences."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice
from wtforms.validators import AnyOf, InputRequired

from app.comments.forms import comment_field, name_field, website_field
from app.models import NotifyMode, QueueOrder
from app.moderation.preferences import Preferences


class EditCommentForm(FlaskForm):
    """A moderator's edit of a comment's text, name and website."""

    comment = comment_field("Text")
    name = name_field()
    website = website_field()
    # What the form was opened on (services.version_of): a save over someone else's
    # change is refused instead of silently undoing it.
    version = HiddenField()


class ReplyForm(FlaskForm):
    """The site's reply to a comment."""

    comment = comment_field("Your reply")


def choice_field(label: str, choices: list[tuple[str, str]], missing: str) -> RadioField:
    """A required radio group; anything but one of its values reads as no choice, and
    ``missing`` says so (it also names the question in the error summary)."""
    values = [value for value, _ in choices]
    return RadioField(
        label,
        choices=[SelectChoice(value, text) for value, text in choices],
        validators=[InputRequired(missing), AnyOf(values, message=missing)],
        # AnyOf says it in our words; WTForms' own check would say "Not a valid choice".
        validate_choice=False,
    )


class PreferencesForm(FlaskForm):
    """A moderator's own preferences; the view saves them for the logged-in moderator."""

    queue_order = choice_field(
        "Which comments come first in the queue?",
        [(QueueOrder.OLDEST.value, "Oldest first"), (QueueOrder.NEWEST.value, "Newest first")],
        "Choose which comments come first in the queue.",
    )
    shortcuts = choice_field(
        "Keyboard shortcuts in the queue",
        [("on", "On"), ("off", "Off")],
        "Choose whether keyboard shortcuts are on or off.",
    )
    notify_mode = choice_field(
        "Email me about comments waiting for moderation",
        [
            (NotifyMode.NOW.value, "At once, one email per comment"),
            (NotifyMode.HOURLY.value, "An hourly digest"),
            (NotifyMode.DAILY.value, "A daily digest"),
            (NotifyMode.NEVER.value, "Never"),
        ],
        "Choose when to be emailed about comments waiting for moderation.",
    )

    @staticmethod
    def data_of(preferences: Preferences) -> dict[str, str]:
        """The form's values for stored preferences."""
        return {
            "queue_order": preferences.queue_order.value,
            "shortcuts": "on" if preferences.shortcuts else "off",
            "notify_mode": preferences.notify_mode.value,
        }

    def chosen(self) -> Preferences:
        """The choices as preferences (only after ``validate()`` passed)."""
        return Preferences(
            queue_order=QueueOrder(self.queue_order.data),
            shortcuts=self.shortcuts.data == "on",
            notify_mode=NotifyMode(self.notify_mode.data),
        )
