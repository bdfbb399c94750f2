"""Moderator forms: editing a comment, replying as the site, saved replies, the log's
filters."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from app.comments.forms import (
    MaxLength,
    comment_field,
    name_field,
    normalise_text,
    website_field,
)
from app.shared.urls import parse_id
from app.shared.validators import no_hidden_characters, visible


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


# --- Saved replies and the log's filters (app.moderation.saved_replies, log filters) ---

MAX_SAVED_TITLE = 100


class SavedReplyForm(FlaskForm):
    """A saved reply: a title to pick it by, and its text (placeholders allowed)."""

    title = StringField(
        "Title",
        filters=[normalise_text],
        validators=[
            DataRequired("Enter a title, so that moderators can tell the replies apart."),
            MaxLength(MAX_SAVED_TITLE, f"Title must be at most {MAX_SAVED_TITLE} characters."),
            no_hidden_characters(allow_joiners=True),
            visible,
        ],
    )
    body = comment_field("Text")


class DeleteForm(FlaskForm):
    """A confirmation button: its CSRF token only."""


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
DATE_INVALID = "Enter a real date, like 2026-11-30."


def _iso_date(form, field) -> None:
    """Read a date typed as YYYY-MM-DD (what a date input sends); empty means none."""
    raw = (field.data or "").strip()
    if not raw:
        field.data, field.parsed = "", None
        return
    try:
        if not _ISO_DATE.match(raw):
            raise ValueError(raw)
        field.parsed = date.fromisoformat(raw)
    except ValueError:
        field.parsed = None
        raise ValidationError(DATE_INVALID) from None


def _comment_number(form, field) -> None:
    raw = (field.data or "").strip()
    field.parsed = parse_id(raw) if raw else None
    if raw and field.parsed is None:
        raise ValidationError("Enter a comment number, like 1234 (the digits only).")


def _one_of_the_choices(form, field) -> None:
    if field.data and field.data not in {value for value, _ in field.choices}:
        raise ValidationError("Choose one of the options in the list.")


class LogFilterForm(FlaskForm):
    """The audit log's filters, read from the query string (a GET form: no CSRF).

    ``who`` and ``action`` are chosen from lists the view fills in; an id or date that
    is not plainly one is refused with a message, never an error page.
    """

    class Meta:
        csrf = False

    who = SelectField("Who", validate_choice=False, validators=[_one_of_the_choices])
    action = SelectField("Action", validate_choice=False, validators=[_one_of_the_choices])
    comment = StringField("Comment number", validators=[_comment_number])
    since = StringField("From (date)", validators=[_iso_date])
    until = StringField("To (date)", validators=[_iso_date])

    def validate_until(self, field) -> None:
        """The range must not end before it starts."""
        since = getattr(self.since, "parsed", None)
        if since and getattr(field, "parsed", None) and field.parsed < since:
            raise ValidationError("The end date must be the same as or after the start date.")
