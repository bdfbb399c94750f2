"""The "Report this comment" form: input shape only; ``app.comments.reports`` decides.

Field names (``reason``, ``note``) are a public contract, like the comment form's.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from app.comments.forms import MaxLength, normalise_text
from app.models import ReportReason
from app.shared.validators import no_control_characters

MAX_NOTE = 1000

REASON_MISSING = "Choose why you are reporting this comment."
NOTE_NEEDED = "Tell us in a few words what is wrong with this comment."


def note_for_other(form, field) -> None:
    """With "Other" the reason is the note: ask for it, so moderators know what to check."""
    if form.reason.data == ReportReason.OTHER.value and not field.data:
        raise ValidationError(NOTE_NEEDED)


class ReportForm(FlaskForm):
    """Why a reader reports a comment, and an optional note for the moderators."""

    reason = RadioField(
        "Why are you reporting this comment?",
        choices=[SelectChoice(reason.value, reason.label) for reason in ReportReason],
        validators=[InputRequired(REASON_MISSING)],
        # An unknown choice reads as none (validate_reason): "Not a valid choice" means
        # nothing to a reader, and only a hand-made request can send one.
        validate_choice=False,
    )
    note = TextAreaField(
        "Anything the moderators should know",
        filters=[normalise_text],
        validators=[
            MaxLength(MAX_NOTE, f"Your note is too long: the limit is {MAX_NOTE:,} characters."),
            no_control_characters,
            note_for_other,
        ],
    )

    def validate_reason(self, field) -> None:
        """Refuse a reason that is not one of the choices, in the same words as none."""
        if field.data not in {reason.value for reason in ReportReason}:
            field.data = None
            raise ValidationError(REASON_MISSING)

    @property
    def chosen_reason(self) -> ReportReason:
        """The validated reason as the enum (only after ``validate()`` passed)."""
        return ReportReason(self.reason.data)
