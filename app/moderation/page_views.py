"""Pages and their comments in the moderation area: which pages take comments, and a
button each to close or open one.  Nested in ``moderation`` (``moderation.pages.*``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.comments import closing as comment_closing
from app.moderation import closing, services
from app.shared.pages import PageKey
from app.shared.urls import parse_id

bp = Blueprint("pages", __name__)


@bp.get("/pages")
def index():
    """Every article and remedy page: its comments, and whether it takes new ones."""
    return render_template(
        "moderation/pages.html",
        rows=closing.page_rows(),
        close_after=comment_closing.close_after_days(),
    )


@bp.post("/pages")
def change():
    """Close a page to new comments (``state=closed``) or open it (``state=open``).

    The page is ``page=ARTICLE`` or ``page=ARTICLE.REMEDY`` (ids), as the queue's filter.
    """
    article, dot, remedy = request.form.get("page", "").partition(".")
    article_id, remedy_id = parse_id(article), parse_id(remedy)
    state = request.form.get("state")
    if article_id is None or (dot and remedy_id is None) or state not in ("open", "closed"):
        flash("Choose a page, and whether to open or close it.", "error")
        return redirect(url_for("moderation.pages.index"), code=303)
    try:
        message = closing.set_open(PageKey(article_id, remedy_id), state == "open", current_user)
        flash(message, "success")
    except services.ModerationError as exc:
        flash(str(exc), "error")
    return redirect(
        url_for("moderation.pages.index", _anchor=f"page-{article_id}-{remedy_id or 0}"), code=303
    )
