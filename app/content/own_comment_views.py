"""The HTTP side of changing one's own comment: edit it or delete it, from the browser
that sent it, for COMMENTS_EDIT_MINUTES.

Every refusal is a page that says why and what to do instead (never a bare 403), and a
refused save shows back what was typed.  The forms check their own CSRF token (the
routes are exempt from the global check) so that a stale token keeps the text too.
Every answer here is personal: no cache may keep it.
"""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.comments import listing as threads
from app.comments import own
from app.comments.forms import OwnDeleteForm, OwnEditForm
from app.comments.policy import FloodLimited
from app.content.comment_views import (
    forget_own,
    keep_own_held,
    owned_comments,
    personal,
    posted_category,
)
from app.extensions import db
from app.models import Comment, CommentStatus
from app.shared.pages import Page

CSRF_MESSAGE = (
    "Your session expired, or the form was sent from another page, so nothing was "
    "changed. Please check and send it again."
)


def held_again_notice(days: int) -> str:
    """The notice after an edit that made a published comment wait for a person."""
    when = "a day" if days == 1 else f"{days} days"
    return (
        "Your changes are saved. Because of what changed, a person will check your "
        f"comment before it appears again, usually within {when}. Until then only you "
        "can see it."
    )


def _page(comment: Comment) -> Page:
    return Page(comment.article, comment.remedy)


def _comment_url(comment: Comment) -> str:
    """The address of ``comment`` in its thread, on the page of comments that shows it."""
    number = threads.thread_page_of(
        comment, current_app.config["COMMENTS_PER_PAGE"], owned_comments()
    )
    return _page(comment).url(page=number, _anchor=f"comment-{comment.id}")


def _answer(html: str, status: int = 200) -> Response:
    return personal(make_response(html, status))


def refused(refusal: own.ChangeRefused, typed: str | None = None) -> Response:
    """Say kindly why the comment cannot be changed, showing back any text sent.

    The comment itself is named only to the browser that sent it.
    """
    comment, back = refusal.comment, None
    if isinstance(refusal, own.TimeIsUp):
        back = _comment_url(comment)
    elif comment is not None:
        back = _page(comment).url(_anchor="comments")
    html = render_template(
        "content/own_comment_refused.html",
        title=refusal.title,
        message=str(refusal),
        typed=typed,
        back=back,
        contact=contact_url(),
    )
    return _answer(html, refusal.http_status)


def _typed() -> str | None:
    text = request.form.get("comment") if request.method == "POST" else None
    return text if text and text.strip() else None


def _edit_page(
    form: OwnEditForm,
    comment: Comment,
    status: int = 200,
    problems: tuple[str, ...] = (),
    current: Comment | None = None,
) -> Response:
    html = render_template(
        "content/edit_comment.html",
        form=form,
        comment=comment,
        page=_page(comment),
        back=_comment_url(comment),
        minutes_left=own.minutes_left(comment),
        problems=problems,
        current=current,
    )
    return _answer(html, status)


def edit(comment_id: int) -> Response:
    """Show the edit form (GET) or save the edit (POST) of one's own comment."""
    owned = owned_comments()
    try:
        comment = own.find_own(comment_id, owned)
    except own.ChangeRefused as refusal:
        return refused(refusal, _typed())
    form = OwnEditForm()
    if request.method == "GET":
        form.comment.data = comment.body
        form.version.data = own.version_of(comment)
        return _edit_page(form, comment)
    if not form.validate():
        if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
            form.csrf_token.errors = [CSRF_MESSAGE]
            return _edit_page(form, comment, status=400)
        return _edit_page(form, comment, status=422)
    return _save(form, comment, owned)


def _save(form: OwnEditForm, comment: Comment, owned: frozenset[str]) -> Response:
    try:
        outcome = own.edit_own(comment.id, owned, form.comment.data, version=form.version.data)
    except own.ChangedMeanwhile as conflict:
        db.session.refresh(comment)
        form.version.data = own.version_of(comment)  # saving again means: mine wins
        return _edit_page(form, comment, 409, (str(conflict),), current=comment)
    except own.ChangeRefused as refusal:
        return refused(refusal, form.comment.data)
    except FloodLimited as flood:
        response = _edit_page(form, comment, flood.http_status, (str(flood),))
        response.headers["Retry-After"] = str(flood.wait_seconds)
        return response
    saved = outcome.comment
    if not outcome.changed:
        flash("Nothing was changed.", posted_category("info", saved.id))
    elif saved.status is CommentStatus.APPROVED:
        flash("Your changes are saved.", posted_category("success", saved.id))
    elif outcome.held_again:
        keep_own_held(saved)
        days = current_app.config["COMMENTS_REVIEW_DAYS"]
        flash(held_again_notice(days), posted_category("info", saved.id))
    else:
        flash(
            "Your changes are saved. Your comment is still awaiting moderation.",
            posted_category("info", saved.id),
        )
    return redirect(_comment_url(saved), code=303)


def delete(comment_id: int) -> Response:
    """Ask to confirm (GET), then delete (POST) one's own comment."""
    owned = owned_comments()
    try:
        comment = own.find_own(comment_id, owned)
    except own.ChangeRefused as refusal:
        return refused(refusal)
    form = OwnDeleteForm()
    if request.method == "POST" and form.validate():
        return _delete(comment, owned)
    problems = (CSRF_MESSAGE,) if request.method == "POST" else ()
    html = render_template(
        "content/delete_comment.html",
        form=form,
        comment=comment,
        page=_page(comment),
        back=_comment_url(comment),
        minutes_left=own.minutes_left(comment),
        problems=problems,
    )
    return _answer(html, 400 if problems else 200)


def _delete(comment: Comment, owned: frozenset[str]) -> Response:
    page = _page(comment)
    number = threads.thread_page_of(
        comment, current_app.config["COMMENTS_PER_PAGE"], owned_comments()
    )
    digest = comment.owner_digest
    try:
        own.delete_own(comment.id, owned)
    except own.ChangeRefused as refusal:
        return refused(refusal)
    forget_own(digest)
    flash("Your comment is deleted.", "success")
    return redirect(page.url(page=number, _anchor="comments"), code=303)


def contact_url() -> str:
    """The Contact page, where a comment can be changed or removed after the window."""
    return url_for("pages.show", slug="contact")
