"""Action links from moderation emails: a GET shows a confirmation, only a POST acts."""

from __future__ import annotations

from flask import Blueprint, render_template

from app.moderation import notifications
from app.moderation.actions import LABELS
from app.shared.pages import Page

bp = Blueprint("email_actions", __name__, url_prefix="/email-action")


@bp.after_request
def never_cache(response):
    """These pages show a held comment and carry a live action link: no cache keeps them."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<signed>")
def confirm(signed: str):
    """Show what the link will do, with a button; changes nothing."""
    try:
        link = notifications.resolve(signed)
    except notifications.LinkError as exc:
        return render_template("moderation/email_action.html", problem=str(exc)), 410
    comment = link.token.comment
    return render_template(
        "moderation/email_action.html",
        label=LABELS[link.action],
        comment=comment,
        page=Page(comment.article, comment.remedy),
        signed=signed,
    )


@bp.post("/<signed>")
def perform(signed: str):
    """Carry out the action once; a second use is refused."""
    try:
        message = notifications.carry_out(signed)
    except notifications.LinkError as exc:
        return render_template("moderation/email_action.html", problem=str(exc)), 410
    return render_template("moderation/email_action.html", done=message)
