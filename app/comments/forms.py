"""The "Leave a Reply" form: input shape only; the policy decides everything else.

Field names (``comment``, ``name``, ``email``, ``website``, ``parent_id``,
``remember``, ``notify``) are a public contract.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.comments.text import find_links
from app.shared.urls import parse_id
from app.shared.validators import (
    describe,
    hidden_characters,
    no_control_characters,
    no_hidden_characters,
    visible,
)

MAX_COMMENT = 5000
MAX_NAME = 100
MAX_EMAIL = 254
MAX_WEBSITE = 200

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

# Messages in plain words: what to type, never a library's diagnosis nor a list of the
# link schemes an attacker might try.
EMAIL_INVALID = "Enter an email address like name@example.com."
EMAIL_TOO_LONG = f"Enter an email address of {MAX_EMAIL} characters or fewer."
WEBSITE_INVALID = (
    "Enter a web address that starts with http:// or https://, like https://example.com, "
    "or leave Website empty."
)
WEBSITE_TOO_LONG = f"Enter a web address of {MAX_WEBSITE} characters or fewer."


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


def plain_link_targets(form, field) -> None:
    """Refuse a comment whose web addresses hide characters: the link would show one
    address and lead to another."""
    for link in find_links(field.data or ""):
        found = hidden_characters(field.data[link.start : link.end])
        if found:
            raise ValidationError(
                "A web address in your comment contains an invisible or direction-changing "
                f"character ({describe(found)}). Please type the address again."
            )


def valid_email(form, field) -> None:
    """Check the address with email-validator and keep its normalised form.

    The refusal is one plain sentence: email-validator's own text ("The part after the
    @-sign is not valid...") is written for developers."""
    if not field.data:
        return
    try:
        result = validate_email(
            field.data,
            check_deliverability=current_app.config["COMMENTS_CHECK_DELIVERABILITY"],
            test_environment=current_app.config.get("EMAIL_TEST_ENVIRONMENT", False),
        )
    except EmailNotValidError:
        raise ValidationError(EMAIL_INVALID) from None
    field.data = result.normalized
    if len(field.data) > MAX_EMAIL:
        raise ValidationError(EMAIL_TOO_LONG)


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
        raise ValidationError(WEBSITE_INVALID) from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValidationError(WEBSITE_INVALID)
    if not host or ("." not in host and host != "localhost") or re.search(r"\s", value):
        raise ValidationError(WEBSITE_INVALID)
    if parts.username or parts.password:
        raise ValidationError("Enter the web address without a user name or password in it.")
    if len(value) > MAX_WEBSITE:
        raise ValidationError(WEBSITE_TOO_LONG)
    field.data = value


def reply_target(form, field) -> None:
    """Read the hidden id of the comment being answered; empty means a new thread.

    A malformed id is refused rather than quietly posting a top-level comment in the
    wrong place; the form comes back without it, so sending again starts a new thread.
    """
    raw = (field.data or "").strip() if isinstance(field.data, str) else field.data
    if raw in (None, ""):
        field.data = None
        return
    field.data = parse_id(raw) if isinstance(raw, str) else None
    if field.data is None:
        raise ValidationError(
            "We could not tell which comment you are replying to. Your comment is kept: "
            "send it again to post it as a new comment, or choose Reply under a comment."
        )


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
            no_control_characters,
            plain_link_targets,
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
            no_hidden_characters(allow_joiners=True),
            visible,
        ],
    )


def website_field() -> StringField:
    """The author's website: optional, http(s) only, at most MAX_WEBSITE characters."""
    return StringField(
        "Website",
        filters=[normalise_text],
        validators=[
            Optional(),
            MaxLength(MAX_WEBSITE, WEBSITE_TOO_LONG),
            no_hidden_characters(allow_joiners=False),
            web_address,
        ],
    )


class CommentForm(FlaskForm):
    """Leave a Reply: comment, name and email required, website optional.

    No session CSRF token: the form is part of the page every anonymous reader shares.
    The view refuses a form a browser sent from another site instead
    (app.shared.cross_origin), and the signed stamp (``rendered_at``) must be genuine.
    A ``csrf_token`` field sent anyway is ignored.
    """

    class Meta:
        csrf = False

    comment = comment_field()
    name = name_field()
    email = StringField(
        "Email",
        filters=[normalise_text],
        validators=[
            DataRequired("Please enter your email address."),
            MaxLength(MAX_EMAIL, EMAIL_TOO_LONG),
            no_hidden_characters(allow_joiners=False),
            valid_email,
        ],
    )
    website = website_field()
    parent_id = HiddenField(validators=[reply_target])
    remember = BooleanField(
        "Save my name, email, and website in this browser for the next time I comment."
    )
    # Unticked by default; nothing is sent before the address confirms (double opt-in).
    notify = BooleanField("Email me when my comment is published and when someone replies to it")
    # Stamp of when the form was shown, and a field people never see (bots fill it).
    rendered_at = HiddenField()
    fax = StringField("Leave this field empty")

    @property
    def honeypot_filled(self) -> bool:
        """Whether the hidden honeypot field came back with text in it."""
        return bool((self.fax.data or "").strip())


class OwnEditForm(FlaskForm):
    """A commenter's edit of their own comment: the text only, checked as when sent."""

    comment = comment_field()
    # What the form was opened on (own.version_of): a save over a moderator's change
    # since is refused instead of undoing it.
    version = HiddenField()


class OwnDeleteForm(FlaskForm):
    """The confirmation of deleting one's own comment: its CSRF token only."""
