"""Moderator forms: editing a comment and replying as the site."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.comments.forms import comment_field, name_field, website_field


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
