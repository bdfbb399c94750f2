"""Moderator forms: editing a comment, replying as the site, one's own preferences,
commenter rules, saved replies, the log's filters, and the admins' forms for the site's
settings and its moderators."""

from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from app.auth.services import MIN_PASSWORD
from app.comments.forms import (
    MaxLength,
    comment_field,
    name_field,
    normalise_text,
    website_field,
)
from app.models import ModeratorRole, NotifyMode, QueueOrder
from app.moderation.preferences import Preferences
from app.shared.urls import parse_id
from app.shared.validators import no_hidden_characters, visible
from app.site_settings import BY_NAME, SETTINGS, InvalidValue, Kind, Setting


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


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


class RuleForm(FlaskForm):
    """A commenter rule made from one comment: what to do, to which of its values, until
    when.  The values are checked by the service (``app.moderation.rules``)."""

    rule = RadioField(
        "What to do with this commenter's next comments",
        choices=[
            SelectChoice("trust-email", "Trust this commenter: publish their comments at once"),
            SelectChoice("hold-email", "Hold everything from this email address"),
            SelectChoice("spam-email", "Mark everything from this email address as spam"),
            SelectChoice("hold-ip", "Hold everything from this IP address"),
            SelectChoice("spam-ip", "Mark everything from this IP address as spam"),
            SelectChoice("hold-domain", "Hold everything from this email domain"),
            SelectChoice("spam-domain", "Mark everything from this email domain as spam"),
        ],
        validators=[InputRequired("Choose what to do with this commenter's next comments.")],
    )
    ip = StringField(
        "IP address or network",
        filters=[_strip],
        validators=[Length(max=64, message="An IP address or network is shorter than that.")],
    )
    domain = StringField(
        "Email domain",
        filters=[_strip],
        validators=[Length(max=300, message="A domain is at most 253 characters long.")],
    )
    confirm_broad = BooleanField("Yes, apply it to everyone at this domain")
    expires = SelectField(
        "Ends",
        choices=[
            SelectChoice("never", "Never"),
            SelectChoice("1", "In 1 day"),
            SelectChoice("7", "In 7 days"),
            SelectChoice("30", "In 30 days"),
            SelectChoice("date", "On a date (below)"),
        ],
        default="never",
    )
    expires_on = DateField("End date", validators=[Optional()])
    note = StringField(
        "Note (optional)",
        filters=[_strip],
        validators=[
            Length(max=200, message="Keep the note to 200 characters."),
            # NUL: PostgreSQL refuses it (a 500); direction controls would disguise it.
            no_hidden_characters(allow_joiners=True),
        ],
    )
    apply_existing = BooleanField("Also mark their comments waiting in the queue as spam")


def _setting_check(setting: Setting):
    """A validator that asks the setting itself (app.site_settings) whether the typed
    value is one it can take: the same rule the service applies when saving."""

    def check(form, field) -> None:
        try:
            setting.parse(field.data if isinstance(field.data, str) else "")
        except InvalidValue as exc:
            raise ValidationError(str(exc)) from None

    return check


def _setting_field(setting: Setting):
    check = [_setting_check(setting)]
    if setting.kind is Kind.CHOICE:
        return SelectField(
            setting.label,
            choices=[SelectChoice(value, label) for value, label in setting.choices],
            validators=check,
            validate_choice=False,
        )
    if setting.kind is Kind.WORDS:
        return TextAreaField(setting.label, validators=check)
    attributes = {
        "min": _plain(setting.minimum),
        "max": _plain(setting.maximum),
        "step": "1" if setting.kind is Kind.INT else "any",
        "inputmode": "numeric" if setting.kind is Kind.INT else "decimal",
    }
    return StringField(setting.label, validators=check, render_kw=attributes)


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def field_name(setting: Setting) -> str:
    """The form field of a setting: its config key in lower case."""
    return setting.name.lower()


class SettingsForm(FlaskForm):
    """Every setting admins may change, one field each (built from SETTINGS)."""

    def typed(self) -> dict[str, str]:
        """Return what was typed, by setting name, for ``site_settings.save``."""
        return {s.name: self[field_name(s)].data or "" for s in SETTINGS}

    def refuse(self, errors: dict[str, str]) -> None:
        """Show the service's refusals next to their fields."""
        for name, message in errors.items():
            if name in BY_NAME:
                self[field_name(BY_NAME[name])].errors = [message]


for _setting in SETTINGS:
    setattr(SettingsForm, field_name(_setting), _setting_field(_setting))


ROLE_CHOICES = [
    SelectChoice(ModeratorRole.MODERATOR.value, "Moderator"),
    SelectChoice(ModeratorRole.ADMIN.value, "Admin"),
]


class AddModeratorForm(FlaskForm):
    """A new moderator's account: the service checks the rest (a taken email...)."""

    name = StringField(
        "Name",
        filters=[_strip],
        validators=[
            DataRequired("Enter their name: it is shown on the site's replies."),
            MaxLength(100, "Keep the name to 100 characters."),
            no_hidden_characters(allow_joiners=True),
        ],
    )
    email = StringField(
        "Email",
        filters=[_strip],
        validators=[
            DataRequired("Enter the email address they will log in with."),
            MaxLength(254, "Enter an email address of 254 characters or fewer."),
            no_hidden_characters(allow_joiners=False),
            Regexp(r"^[^@\s]+@[^@\s]+$", message="Enter an email address like name@example.com."),
        ],
    )
    role = RadioField(
        "Role",
        choices=ROLE_CHOICES,
        default=ModeratorRole.MODERATOR.value,
        validators=[InputRequired("Choose a role.")],
    )
    password = PasswordField(
        "First password",
        validators=[
            DataRequired("Enter a first password for them."),
            Length(
                min=MIN_PASSWORD,
                message=f"Use at least {MIN_PASSWORD} characters.",
            ),
        ],
    )


class RoleForm(FlaskForm):
    """A moderator's new role."""

    role = SelectField(
        "Role",
        choices=ROLE_CHOICES,
    )


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
