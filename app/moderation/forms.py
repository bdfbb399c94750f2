"""Moderator forms: editing a comment, replying as the site, and the admins' forms for
the site's settings and its moderators."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Regexp, ValidationError

from app.auth.services import MIN_PASSWORD
from app.comments.forms import MaxLength, comment_field, name_field, website_field
from app.models import ModeratorRole
from app.shared.validators import no_hidden_characters
from app.site_settings import BY_NAME, SETTINGS, InvalidValue, Kind, Setting


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


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


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
