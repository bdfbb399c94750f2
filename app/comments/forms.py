"""The "Leave a Reply" form: input shape only; the policy decides everything else.

Field names (``comment``, ``name``, ``email``, ``website``, ``parent_id``,
``remember``) are a public contract.
"""

from __future__ import annotations

import re
import time
import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

MAX_COMMENT = 5000
MAX_NAME = 100
MAX_EMAIL = 254
MAX_WEBSITE = 200

# Control characters other than tab and newline; the second set also bans the bidi
# embedding and override marks that can disguise a name or an address.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BIDI = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class MaxLength(Length):
    """Length check without the HTML ``maxlength`` attribute: browsers cut pasted text
    at that length without a word, and nothing may be cut silently."""

    def __init__(self, max: int, message: str) -> None:
        super().__init__(max=max, message=message)
        self.field_flags = {}


def normalise_text(value: str | None) -> str | None:
    """Unify line endings, compose Unicode (NFC) and trim; keep None as None."""
    if value is None:
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", value).strip()


def no_control_characters(allow_newlines: bool):
    """Refuse characters that cannot be stored or that disguise text."""
    pattern = _CONTROL if allow_newlines else _CONTROL_OR_BIDI

    def validator(form, field) -> None:
        if field.data and pattern.search(field.data):
            raise ValidationError(
                f"{field.label.text} contains an invisible control character that we "
                "cannot accept. Please remove it."
            )

    return validator


def valid_email(form, field) -> None:
    """Check the address with email-validator and keep its normalised form."""
    if not field.data:
        return
    try:
        result = validate_email(
            field.data,
            check_deliverability=current_app.config["COMMENTS_CHECK_DELIVERABILITY"],
            test_environment=current_app.config.get("EMAIL_TEST_ENVIRONMENT", False),
        )
    except EmailNotValidError as exc:
        raise ValidationError(f"Please enter a valid email address. {exc}") from None
    field.data = result.normalized
    if len(field.data) > MAX_EMAIL:
        raise ValidationError(f"Email must be at most {MAX_EMAIL} characters.")


def web_address(form, field) -> None:
    """Accept only http(s) addresses; add https:// to a bare domain."""
    if not field.data:
        field.data = None
        return
    value = field.data
    if not _SCHEME.match(value) or value.lower().startswith(("localhost:", "www.")):
        value = "https://" + value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        raise ValidationError(
            "Website must be a web address such as https://example.com."
        ) from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError(
            "Website must be a web address starting with http:// or https:// "
            "(other kinds of link, such as javascript: or data:, are not allowed)."
        )
    if not host or ("." not in host and host != "localhost") or re.search(r"\s", value):
        raise ValidationError("Website must be a web address such as https://example.com.")
    if parts.username or parts.password:
        raise ValidationError("Website must not contain a user name or password.")
    if len(value) > MAX_WEBSITE:
        raise ValidationError(f"Website must be at most {MAX_WEBSITE} characters.")
    field.data = value


def _stamp_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="relief.comment-form")


def form_stamp(now: float | None = None) -> str:
    """Return a signed record of when the form was shown."""
    return _stamp_serializer().dumps(round(now if now is not None else time.time(), 3))


def seconds_since_stamp(stamp: str | None, now: float | None = None) -> float | None:
    """Return seconds since ``form_stamp`` made ``stamp``; None if missing or forged."""
    if not stamp:
        return None
    try:
        shown = float(_stamp_serializer().loads(stamp))
    except (BadSignature, TypeError, ValueError):
        return None
    return (now if now is not None else time.time()) - shown


def _optional_int(value: str | None) -> int | None:
    value = (value or "").strip()
    # isascii: "¹".isdigit() is true, but int("¹") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def comment_field(label: str = "Comment") -> TextAreaField:
    """The comment text: required, at most MAX_COMMENT characters after trimming."""
    return TextAreaField(
        label,
        filters=[normalise_text],
        validators=[
            DataRequired("Please write your comment."),
            MaxLength(
                MAX_COMMENT, f"Your comment is too long: the limit is {MAX_COMMENT:,} characters."
            ),
            no_control_characters(allow_newlines=True),
        ],
    )


def name_field() -> StringField:
    """The author's name: required, one line, at most MAX_NAME characters."""
    return StringField(
        "Name",
        filters=[normalise_text],
        validators=[
            DataRequired("Please enter your name."),
            MaxLength(MAX_NAME, f"Name must be at most {MAX_NAME} characters."),
            no_control_characters(allow_newlines=False),
        ],
    )


def website_field() -> StringField:
    """The author's website: optional, http(s) only, at most MAX_WEBSITE characters."""
    return StringField(
        "Website",
        filters=[normalise_text],
        validators=[
            Optional(),
            MaxLength(MAX_WEBSITE, f"Website must be at most {MAX_WEBSITE} characters."),
            no_control_characters(allow_newlines=False),
            web_address,
        ],
    )


class CommentForm(FlaskForm):
    """Leave a Reply: comment, name and email required, website optional."""

    comment = comment_field()
    name = name_field()
    email = StringField(
        "Email",
        filters=[normalise_text],
        validators=[
            DataRequired("Please enter your email address."),
            MaxLength(MAX_EMAIL, f"Email must be at most {MAX_EMAIL} characters."),
            no_control_characters(allow_newlines=False),
            valid_email,
        ],
    )
    website = website_field()
    parent_id = HiddenField(filters=[_optional_int])
    remember = BooleanField(
        "Save my name, email, and website in this browser for the next time I comment."
    )
    # Stamp of when the form was shown, and a field people never see (bots fill it).
    rendered_at = HiddenField()
    fax = StringField("Leave this field empty")

    @property
    def honeypot_filled(self) -> bool:
        """Whether the hidden honeypot field came back with text in it."""
        return bool((self.fax.data or "").strip())
