"""A moderator's workspace beside the queue: saved replies, readers' questions that wait
for an answer, and each comment's edit history.

A blueprint nested in the moderation blueprint (``moderation.workspace.*``), so that
its guard (logged-in moderators only), its no-store header and its template context
apply here too.  It also gives every template ``moderation_overview()``, which the
queue's overview partial calls.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.moderation import history, overview, saved_replies, services
from app.moderation.forms import DeleteForm, SavedReplyForm

bp = Blueprint("workspace", __name__)

QUESTIONS_PER_PAGE = 50


@bp.app_template_global("moderation_overview")
def moderation_overview() -> overview.Overview:
    """The numbers at the top of the queue (templates/moderation/_overview.html)."""
    return overview.overview()


@bp.get("/saved-replies")
def saved_replies_list():
    """Every saved reply, by title, with what each placeholder stands for."""
    return render_template(
        "moderation/saved_replies.html",
        replies=saved_replies.all_replies(),
        placeholders=saved_replies.PLACEHOLDERS,
    )


@bp.route("/saved-replies/new", methods=["GET", "POST"])
def saved_reply_new():
    """Add a saved reply."""
    form = SavedReplyForm()
    if request.method == "POST" and form.validate():
        reply = saved_replies.create(form.title.data, form.body.data, current_user)
        flash(f"Saved reply “{reply.title}” added.", "success")
        return redirect(url_for(".saved_replies_list"), code=303)
    return _form_page(form, None)


@bp.route("/saved-replies/<id:reply_id>/edit", methods=["GET", "POST"])
def saved_reply_edit(reply_id: int):
    """Change a saved reply's title or text.

    :raise 404: when there is no such saved reply.
    """
    reply = saved_replies.get(reply_id) or abort(404)
    form = SavedReplyForm(obj=reply if request.method == "GET" else None)
    if request.method == "POST" and form.validate():
        try:
            saved_replies.update(reply_id, form.title.data, form.body.data, current_user)
        except saved_replies.SavedReplyGone as exc:
            flash(str(exc), "error")
            return redirect(url_for(".saved_replies_list"), code=303)
        flash(f"Saved reply “{form.title.data}” changed.", "success")
        return redirect(url_for(".saved_replies_list"), code=303)
    return _form_page(form, reply)


def _form_page(form: SavedReplyForm, reply):
    return render_template(
        "moderation/saved_reply_form.html",
        form=form,
        reply=reply,
        placeholders=saved_replies.PLACEHOLDERS,
    ), 422 if form.errors else 200


@bp.route("/saved-replies/<id:reply_id>/delete", methods=["GET", "POST"])
def saved_reply_delete(reply_id: int):
    """Confirm, then delete a saved reply.

    :raise 404: when there is no such saved reply (on the confirmation page).
    """
    form = DeleteForm()
    if request.method == "POST" and form.validate():
        try:
            title = saved_replies.delete(reply_id, current_user)
            flash(f"Saved reply “{title}” deleted.", "success")
        except saved_replies.SavedReplyGone as exc:
            flash(str(exc), "error")
        return redirect(url_for(".saved_replies_list"), code=303)
    reply = saved_replies.get(reply_id) or abort(404)
    return render_template("moderation/saved_reply_delete.html", reply=reply, form=form)


@bp.get("/questions")
def questions():
    """Readers' questions without an answer from the team, oldest first."""
    listing = overview.unanswered_questions(
        request.args.get("page", 1, type=int), QUESTIONS_PER_PAGE
    )
    return render_template("moderation/questions.html", listing=listing)


@bp.get("/comments/<id:comment_id>/history")
def comment_history(comment_id: int):
    """Every version of a comment, and what changed between each and the next.

    :raise 404: when the comment does not exist (or was deleted).
    """
    comment = services.get_comment(comment_id) or abort(404)
    return render_template(
        "moderation/history.html", comment=comment, versions=history.versions_of(comment)
    )
