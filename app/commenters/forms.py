"""The one form a commenter types into here: the address to send a manage link to."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

from app.comments.forms import EMAIL_TOO_LONG, MAX_EMAIL, MaxLength, normalise_text, valid_email
from app.shared.validators import no_hidden_characters


class ManageRequestForm(FlaskForm):
    """ "Manage your comments": the email address the comments were sent with."""

    email = StringField(
        "Email address",
        filters=[normalise_text],
        validators=[
            DataRequired("Enter the email address you used when you commented."),
            MaxLength(MAX_EMAIL, EMAIL_TOO_LONG),
            no_hidden_characters(allow_joiners=False),
            valid_email,
        ],
    )
