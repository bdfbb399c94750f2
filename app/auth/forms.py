"""The moderator login form."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from app.shared.validators import no_hidden_characters


class LoginForm(FlaskForm):
    """Email and password; checks shape only, the service checks the account."""

    email = StringField(
        "Email",
        validators=[
            DataRequired("Please enter your email address."),
            # Never stored as typed (PostgreSQL refuses NUL bytes, for one).
            no_hidden_characters(allow_joiners=False),
        ],
    )
    password = PasswordField("Password", validators=[DataRequired("Please enter your password.")])
