"""Thin views for commenters without an account: links from emails, and "Manage your
comments".

A link from an email opens a page whose button POSTs: mail scanners and link previews
that fetch it change nothing.  The one exception is the unsubscribe link, which also
takes RFC 8058's one-click POST from mail providers (no form, no token: the signed
address is the authority).  Every page here is private (``no-store``), sends no
Referer to other sites (links carry secrets in their path) and is not for search
engines.
"""

from __future__ import annotations

import json
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from app.commenters.forms import ManageRequestForm
from app.comments import manage as managing
from app.comments import subscriptions
from app.extensions import csrf
from app.models import utcnow
from app.shared.pages import Page

bp = Blueprint("commenters", __name__, url_prefix="/comments")

# Session key: the secret of the used manage link this browser acts with.
VISIT = "manage_visit"
CSRF_MESSAGE = (
    "Your session expired, or the form was sent from another page. Nothing was sent: "
    "check the address below and send it again."
)


@bp.after_request
def private(response: Response) -> Response:
    """No cache keeps these pages, and no Referer carries their addresses (which hold
    signed secrets) to another site: links in comment text lead elsewhere.

    ``same-origin``, not ``no-referrer``: over HTTPS, Flask-WTF refuses a form POST that
    comes without a Referer from this site, so the buttons on these pages need one.
    """
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.context_processor
def helpers() -> dict:
    """The page a comment is on, for the lists of one's own comments."""
    return {"page_of": lambda c: Page(c.article, c.remedy)}


# --- Reply notifications -----------------------------------------------------------------


@bp.get("/notifications/confirm/<signed>")
def confirm(signed: str):
    """Say what confirming does, with a button; changes nothing."""
    try:
        subscription = subscriptions.resolve_confirmation(signed)
    except subscriptions.LinkError as exc:
        return render_template("commenters/confirm.html", problem=str(exc)), 410
    return render_template("commenters/confirm.html", done=subscription.active, signed=signed)


@bp.post("/notifications/confirm/<signed>")
def confirm_post(signed: str):
    """Confirm the address: from now on its comments' notifications are sent."""
    try:
        subscriptions.confirm(signed)
    except subscriptions.LinkError as exc:
        return render_template("commenters/confirm.html", problem=str(exc)), 410
    return render_template("commenters/confirm.html", done=True, just_now=True)


@bp.route("/notifications/stop/<signed>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click", no token
def stop(signed: str):
    """GET: say what the link stops, with a button.  POST (the button, or a mail
    provider's one-click unsubscribe): stop it at once, nothing asked."""
    try:
        if request.method == "POST":
            link = subscriptions.stop(signed)
        else:
            link = subscriptions.resolve_stop(signed)
    except subscriptions.LinkError as exc:
        return render_template("commenters/stop.html", problem=str(exc)), 410
    root = link.root
    return render_template(
        "commenters/stop.html",
        link=link,
        page=Page(root.article, root.remedy) if root is not None else None,
        done=request.method == "POST",
        signed=signed,
    )


# --- Manage your comments ----------------------------------------------------------------


@bp.route("/manage/", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, to answer kindly and keep what was typed
def manage():
    """Ask for an address; answer every valid one the same way (see manage_sent)."""
    form = ManageRequestForm()
    if request.method == "GET":
        return render_template("commenters/manage.html", form=form)
    if not form.validate():
        csrf_failed = bool(getattr(form, "csrf_token", None) and form.csrf_token.errors)
        if csrf_failed:
            form.csrf_token.errors = []
            form.email.errors = [*form.email.errors, CSRF_MESSAGE]
        status = 400 if csrf_failed else 422
        return render_template("commenters/manage.html", form=form), status
    try:
        managing.request_link(form.email.data, request.remote_addr)
    except managing.ManageThrottled as exc:
        form.email.errors = [str(exc)]
        response = Response(render_template("commenters/manage.html", form=form), 429)
        response.headers["Retry-After"] = str(exc.wait_seconds)
        return response
    return redirect(url_for(".manage_sent"), code=303)


@bp.get("/manage/sent")
def manage_sent():
    """The one answer to every valid request, known address or not."""
    return render_template("commenters/manage_sent.html")


@bp.get("/manage/open/<signed>")
def manage_open(signed: str):
    """Show a button that uses the link; opening the page does not use it up."""
    try:
        managing.check_link(signed)
    except managing.LinkError as exc:
        return render_template("commenters/manage_open.html", problem=str(exc)), 410
    return render_template("commenters/manage_open.html", signed=signed)


@bp.post("/manage/open/<signed>")
def manage_open_post(signed: str):
    """Use the link (once): this browser may now manage the address's comments."""
    try:
        secret = managing.open_link(signed)
    except managing.LinkError as exc:
        return render_template("commenters/manage_open.html", problem=str(exc)), 410
    session[VISIT] = secret
    return redirect(url_for(".yours"), code=303)


def with_visit(view):
    """Run ``view(visit, ...)`` for a browser that opened a manage link lately; any
    other gets a page saying how to get one (403)."""

    @wraps(view)
    def guarded(*args, **kwargs):
        visit = managing.visit_for(session.get(VISIT))
        if visit is None:
            session.pop(VISIT, None)
            return render_template("commenters/visit_over.html"), 403
        return view(visit, *args, **kwargs)

    return guarded


@bp.get("/manage/yours")
@with_visit
def yours(visit: managing.Visit):
    """Every comment stored under the address, with what can be done to them."""
    return render_template(
        "commenters/yours.html", overview=managing.overview(visit.digest), visit=visit
    )


@bp.route("/manage/yours/<id:comment_id>/delete", methods=["GET", "POST"])
@with_visit
def delete_one(visit: managing.Visit, comment_id: int):
    """GET: ask before deleting one comment.  POST: delete it (a placeholder stays where
    replies hang on it).

    :raise 404: on GET, when the comment is not stored under this address.
    """
    if request.method == "POST":
        try:
            managing.delete_one(visit.digest, comment_id)
        except managing.NotYours:
            flash("That comment was not found: it may have been deleted already.", "error")
        else:
            flash("Your comment was deleted.", "success")
        return redirect(url_for(".yours"), code=303)
    mine = managing.overview(visit.digest).comments
    comment = next((c for c in mine if c.id == comment_id), None)
    if comment is None:
        abort(404)
    return render_template("commenters/delete.html", comments=[comment])


@bp.get("/manage/yours/delete-all")
@with_visit
def delete_all(visit: managing.Visit):
    """Ask before deleting everything."""
    comments = managing.overview(visit.digest).comments
    return render_template("commenters/delete.html", comments=comments, every=True)


@bp.post("/manage/yours/delete-all")
@with_visit
def delete_all_post(visit: managing.Visit):
    """Delete every comment and notification setting stored under the address."""
    deleted, kept = managing.delete_all(visit.digest)
    total = deleted + kept
    flash(
        f"Deleted {total} comment{'' if total == 1 else 's'} and your notification "
        "settings. Nothing else is stored under your address.",
        "success",
    )
    return redirect(url_for(".yours"), code=303)


@bp.post("/manage/yours/export")
@with_visit
def export(visit: managing.Visit):
    """Download everything stored under the address, as `flask comments export` prints."""
    body = json.dumps(managing.export(visit.digest), indent=2, ensure_ascii=False)
    response = Response(body + "\n", mimetype="application/json")
    name = f"relief-comments-{utcnow():%Y-%m-%d}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.post("/manage/yours/notifications-off")
@with_visit
def notifications_off(visit: managing.Visit):
    """Turn every notification email to the address off."""
    managing.notifications_off(visit.digest)
    flash(
        "Notifications are off: we will not email you about your comments. To turn them "
        "on again, tick the box when you next comment and confirm the email we send.",
        "success",
    )
    return redirect(url_for(".yours"), code=303)


@bp.post("/manage/yours/done")
@with_visit
def done(visit: managing.Visit):
    """End the visit: this browser can no longer act for the address."""
    managing.end_visit(session.pop(VISIT, None))
    flash("Done. To manage your comments again, ask for a new link.", "success")
    return redirect(url_for(".manage"), code=303)
