"""The moderation area: the queue, actions one by one or in bulk, edits, replies, the log.

Guarded once: every URL under /moderation/ needs a logged-in moderator.  Every state
change is a POST (CSRF-checked by CSRFProtect); a GET never changes anything.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response

from app.comments import reports
from app.content import queries as content
from app.models import CommentStatus, ModerationAction, QueueOrder
from app.moderation import audit, history, page_memo, saved_replies, services
from app.moderation import preferences as own_preferences
from app.moderation import queue as the_queue
from app.moderation.actions import (
    LABELS,
    TRANSITIONS,
    UNDOABLE,
    allowed_actions,
    row_actions,
)
from app.moderation.forms import EditCommentForm, LogFilterForm, PreferencesForm, ReplyForm
from app.moderation.page_views import bp as pages_bp
from app.moderation.row_links import QueueLinks
from app.moderation.rule_views import bp as rules_bp
from app.moderation.workspace_views import bp as workspace_bp
from app.shared.pages import Page, PageKey
from app.shared.urls import parse_id, safe_next

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
# Areas of the moderation pages in modules of their own, under this guard and context.
bp.register_blueprint(rules_bp)
bp.register_blueprint(pages_bp)
# Saved replies, readers' questions, edit history.
bp.register_blueprint(workspace_bp)

# Actions a single button does at once; deleting goes through a confirmation page.
SINGLE_ACTIONS = {a.value: a for a in TRANSITIONS if a is not ModerationAction.DELETE}
# The "Reported" tab mixes published and held comments: its bulk actions are those that
# apply to either (each is done where it applies, and skipped elsewhere).
REPORTED_BULK = [
    action
    for action, (sources, _) in TRANSITIONS.items()
    if sources & {CommentStatus.PENDING, CommentStatus.APPROVED}
]


@bp.before_request
def require_moderator():
    """Send anyone who is not a logged-in moderator to the login page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return None


@bp.after_request
def never_cache(response: Response) -> Response:
    """Moderation pages hold private data: no browser or proxy may keep them."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def moderation_context() -> dict:
    """Tab counts for the navigation, and helpers the templates share."""
    return {
        "status_counts": the_queue.status_counts(),
        "CommentStatus": CommentStatus,
        "row_actions": row_actions,
        "action_labels": LABELS,
        "page_of": lambda c: Page(c.article, c.remedy),
        "is_pinned": services.is_pinned,
        "edit_marker": services.edit_marker,
    }


def _status_or_none(value: str | None) -> CommentStatus | None:
    """The status a form says the moderator saw, or None for anything else."""
    try:
        return CommentStatus(value)
    except ValueError:
        return None


def _filters() -> the_queue.QueueFilter:
    tab = request.args.get("status", "pending")
    try:
        status = CommentStatus(tab)
    except ValueError:
        status = CommentStatus.PENDING
    # NUL and other control characters cannot match anything (and PostgreSQL refuses NUL).
    search = "".join(ch for ch in request.args.get("q", "") if ch.isprintable())
    return the_queue.QueueFilter(
        status=status,
        page=_page_key(),
        search=search,
        reported=tab == the_queue.REPORTED_TAB,
        careful=tab == the_queue.CAREFUL_TAB,
        order=current_user.queue_order,
    )


def _page_key() -> PageKey | None:
    """The page filter ``?on=ARTICLE`` or ``?on=ARTICLE.REMEDY``; None (all pages) unless
    every part is a plain id."""
    article, dot, remedy = request.args.get("on", "").partition(".")
    article_id, remedy_id = parse_id(article), parse_id(remedy)
    if article_id is None or (dot and remedy_id is None):
        return None
    return PageKey(article_id, remedy_id)


def _back() -> str:
    """Where to go after an action: the form's or URL's ``next`` if safe, else the queue."""
    return safe_next(
        request.form.get("next") or request.args.get("next"), url_for("moderation.queue")
    )


def _back_to_row(acted: set[int]) -> str:
    """Where to go after acting on the comments ``acted``: back to the queue page the
    moderator came from, at the row after them (the form's ``order`` lists the page's
    rows from top to bottom), or the last row before them when none follows."""
    back = _back().partition("#")[0]
    order = [i for i in map(parse_id, request.form.get("order", "").split(",")) if i]
    hits = [n for n, cid in enumerate(order) if cid in acted]
    if not hits:
        return back
    after = [cid for cid in order[hits[0] :] if cid not in acted]
    before = [cid for cid in order[: hits[0]] if cid not in acted]
    target = after[0] if after else (before[-1] if before else None)
    return f"{back}#queue-{target}" if target else back


def _flash_outcome(message: str, event_id: int | None, action: ModerationAction) -> None:
    """Flash what was done; an Undo button follows it when the action can be undone."""
    flash(message, "success")
    if event_id is not None and action in UNDOABLE:
        flash(str(event_id), "undo")


def _query() -> dict[str, str]:
    """This page's query arguments, but none that ``url_for`` would read as its own
    (``_external``, ``_scheme``, ``_anchor``...: a link must not leave this site)."""
    return {k: v for k, v in request.args.items() if not k.startswith("_")}


def _here(*leave_out: str) -> str:
    """This queue page's URL (tab, filters, page number and cursor), without a one-off
    ``select`` nor the arguments named in ``leave_out``."""
    args = {k: v for k, v in _query().items() if k not in {"select", *leave_out}}
    return url_for("moderation.queue", **args)


@bp.get("/")
def queue():
    """The queue: a tab per status, in the moderator's order, filtered by page and
    search, a page at a time (``?page=N``, or from a cursor with ``after`` or
    ``before``); ``?select=all`` shows every row of the page selected (for browsers
    without JavaScript).  Kept by the worker while nothing changes (page_memo)."""
    return page_memo.remembered(_queue_page)


def _queue_page() -> str:
    filters = _filters()
    badges = the_queue.badge_counts()
    listing = the_queue.queue_page(
        filters,
        number=request.args.get("page", 1, type=int),
        per_page=current_app.config["MODERATION_PER_PAGE"],
        after=request.args.get("after"),
        before=request.args.get("before"),
        careful=badges.careful,
    )
    status = CommentStatus.PENDING if filters.careful else filters.status
    here = _here()
    return render_template(
        "moderation/queue.html",
        filters=filters,
        listing=listing,
        here=here,
        row_links=QueueLinks(here),
        # Switching the order starts the tab again from its first page.
        here_from_the_start=_here("page", "after", "before"),
        select_all=request.args.get("select") == "all",
        select_all_url=url_for("moderation.queue", **{**_query(), "select": "all"}),
        articles=content.published_articles(drafts=True),
        bulk_actions=REPORTED_BULK if filters.reported else allowed_actions(status),
        reports=reports.reports_for([c.id for c in listing.items]),
        reported_count=badges.reported,
        careful_count=badges.careful,
    )


@bp.post("/queue-order")
def queue_order():
    """Save which end of the queue this moderator starts from (oldest or newest)."""
    try:
        order = QueueOrder(request.form.get("order", ""))
    except ValueError:
        flash("Choose oldest first or newest first.", "error")
    else:
        services.set_queue_order(current_user.id, order)
        flash(f"The queue now shows the {order.value} comments first.", "success")
    return redirect(_back(), code=303)


@bp.post("/undo/<id:event_id>")
def undo(event_id: int):
    """Put back what a logged status change did (any moderator's, within minutes)."""
    try:
        outcome = services.undo(event_id, current_user)
    except services.ModerationError as exc:
        flash(str(exc), "error")
        return redirect(_back(), code=303)
    flash(outcome.message, "success")
    back = _back().partition("#")[0]
    return redirect(f"{back}#queue-{outcome.comment_ids[0]}", code=303)


@bp.post("/comments/<id:comment_id>/dismiss-reports")
def dismiss_reports(comment_id: int):
    """Dismiss the readers' reports on a comment (its status stays as it is)."""
    try:
        flash(services.dismiss_reports(comment_id, current_user), "success")
    except services.ModerationError as exc:
        flash(str(exc), "error")
    return redirect(_back(), code=303)


@bp.post("/comments/<id:comment_id>/<action>")
def act(comment_id: int, action: str):
    """Approve, unapprove, spam, not spam, trash or restore one comment."""
    chosen = SINGLE_ACTIONS.get(action)
    if chosen is None:
        abort(404)
    # "pending|2026-11-30T01:02:03+00:00": the status and the edit the moderator saw.
    expected, _, seen_edit = request.form.get("expected", "").partition("|")
    try:
        outcome = services.act(
            comment_id,
            chosen,
            current_user,
            expected=_status_or_none(expected),
            seen_edit=seen_edit if "|" in request.form.get("expected", "") else None,
        )
    except services.ModerationError as exc:
        flash(str(exc), "error")
        return redirect(_back(), code=303)
    _flash_outcome(outcome.message, outcome.event_id, chosen)
    return redirect(_back_to_row({comment_id}), code=303)


@bp.post("/comments/<id:comment_id>/pin")
def pin(comment_id: int):
    """Pin an approved comment above its page's discussion (replacing any other)."""
    try:
        flash(services.pin(comment_id, current_user), "success")
    except services.ModerationError as exc:
        flash(str(exc), "error")
    return redirect(_back(), code=303)


@bp.post("/comments/<id:comment_id>/unpin")
def unpin(comment_id: int):
    """Take a comment down from the top of its page; it stays in its thread."""
    try:
        flash(services.unpin(comment_id, current_user), "success")
    except services.ModerationError as exc:
        flash(str(exc), "error")
    return redirect(_back(), code=303)


@bp.route("/comments/<id:comment_id>/delete", methods=["GET", "POST"])
def delete(comment_id: int):
    """Confirm, then delete a spam or trashed comment for good."""
    comment = services.get_comment(comment_id) or abort(404)
    if request.method == "GET":
        return render_template("moderation/confirm_delete.html", comments=[comment], back=_back())
    try:
        flash(services.act(comment_id, ModerationAction.DELETE, current_user).message, "success")
    except services.ModerationError as exc:
        flash(str(exc), "error")
    return redirect(_back(), code=303)


@bp.route("/comments/<id:comment_id>/edit", methods=["GET", "POST"])
def edit(comment_id: int):
    """Edit a comment's text, name and website; the old version is kept."""
    comment = services.get_comment(comment_id) or abort(404)
    form = EditCommentForm()
    status, conflict = 200, False
    if request.method == "GET":
        form.comment.data = comment.body
        form.name.data = comment.author_name
        form.website.data = comment.author_website
        form.version.data = services.version_of(comment)
    elif form.validate():
        try:
            services.edit(
                comment_id,
                current_user,
                form.name.data,
                form.website.data,
                form.comment.data,
                version=form.version.data,
            )
        except services.ModerationError as exc:
            flash(str(exc), "error")
            comment = services.get_comment(comment_id)
            if comment is None:  # deleted meanwhile: nothing left to edit
                return redirect(_back(), code=303)
            status, conflict = 409, isinstance(exc, services.ConflictingChange)
            # The typed text stays; the form now answers the comment as it is now.
            form.version.data = services.version_of(comment)
        else:
            flash(f"Comment {comment_id} saved.", "success")
            return redirect(_back(), code=303)
    status = 422 if form.errors else status
    return render_template(
        "moderation/edit.html",
        form=form,
        comment=comment,
        conflict=conflict,
        back=_back(),
        revisions=services.revisions_of(comment_id),
    ), status


@bp.route("/comments/<id:comment_id>/reply", methods=["GET", "POST"])
def reply(comment_id: int):
    """Reply as the site: published at once, and a pending comment is approved with it."""
    comment = services.get_comment(comment_id) or abort(404)
    form = ReplyForm()
    status = 200
    if request.method == "POST" and form.validate():
        try:
            new = services.reply(comment_id, current_user, form.comment.data)
        except services.ModerationError as exc:
            flash(str(exc), "error")
            status = 409
        else:
            flash("Your reply is published.", "success")
            if request.form.get("next"):  # from the queue: back to where the moderator was
                return redirect(_back(), code=303)
            page = Page(new.article, new.remedy)
            return redirect(page.url(_anchor=f"comment-{new.id}"), code=303)
    elif request.method == "GET" and "saved" in request.args:
        chosen = saved_replies.get(parse_id(request.args["saved"]) or 0)
        if chosen is None:
            flash("That saved reply no longer exists. Choose another one.", "error")
        else:
            form.comment.data = saved_replies.expand(chosen.body, saved_replies.values_for(comment))
    status = 422 if form.errors else status
    return render_template(
        "moderation/reply.html",
        form=form,
        comment=comment,
        back=_back(),
        saved=saved_replies.offered_for(comment),
    ), status


@bp.post("/bulk")
def bulk():
    """Apply one action to every selected comment (deleting asks to confirm first)."""
    ids = [i for i in map(parse_id, request.form.getlist("ids")) if i is not None]
    chosen = request.form.get("action", "")
    if chosen == "chosen":  # the "Apply" button next to the list of every action
        chosen = request.form.get("chosen_action", "")
    try:
        action = ModerationAction(chosen)
    except ValueError:
        action = None
    if action not in LABELS:
        flash("Choose an action to apply to the selected comments.", "error")
        return redirect(_back(), code=303)
    if not ids:
        flash("Select at least one comment first.", "error")
        return redirect(_back(), code=303)
    seen = _status_or_none(request.form.get("seen_status"))
    if action is ModerationAction.DELETE and request.form.get("confirmed") != "yes":
        comments = [c for c in map(services.get_comment, ids) if c is not None]
        return render_template(
            "moderation/confirm_delete.html", comments=comments, back=_back(), seen=seen
        )
    seen_edits = {
        i: request.form[f"seen-edit-{i}"] for i in ids if f"seen-edit-{i}" in request.form
    }
    result = services.act_on_many(ids, action, current_user, expected=seen, seen_edits=seen_edits)
    _flash_outcome(result.message(action), result.event_id, action)
    return redirect(_back_to_row(set(ids)), code=303)


@bp.route("/empty-spam", methods=["GET", "POST"])
def empty_spam():
    """Confirm, then delete every spam comment."""
    if request.method == "GET":
        return render_template("moderation/confirm_empty_spam.html", back=_back())
    count = services.empty_spam(current_user)
    flash(f"Spam emptied: {count} comment{'' if count == 1 else 's'} deleted.", "success")
    return redirect(url_for("moderation.queue", status="spam"), code=303)


@bp.get("/log")
def log():
    """The audit log: who did what to which comment, and when; filtered by who, action,
    comment and dates (a filter that does not make sense is shown, with what to type)."""
    form = LogFilterForm(formdata=request.args)
    form.who.choices = [("", "Anyone"), *audit.actor_choices()]
    form.action.choices = [("", "Any action"), *audit.action_choices()]
    if not form.validate():
        return render_template("moderation/log.html", form=form, events=None), 422
    filters = audit.LogFilter(
        who=form.who.data or None,
        action=ModerationAction(form.action.data) if form.action.data else None,
        comment_id=form.comment.parsed,
        since=form.since.parsed,
        until=form.until.parsed,
    )
    events = audit.events(filters, request.args.get("page", 1, type=int), 50)
    return render_template(
        "moderation/log.html",
        form=form,
        filters=filters,
        events=events,
        with_history=history.with_revisions({e.comment_id for e in events.items if e.comment_id}),
    )


@bp.route("/preferences", methods=["GET", "POST"])
def preferences():
    """Show and save the logged-in moderator's own preferences (there is no id to
    change: it is always theirs)."""
    stored = PreferencesForm.data_of(own_preferences.Preferences.of(current_user))
    form = PreferencesForm(data=None if request.method == "POST" else stored)
    if request.method == "POST" and form.validate():
        try:
            own_preferences.save(current_user.id, form.chosen())
        except own_preferences.UnknownModerator as exc:
            flash(str(exc), "error")
            return redirect(url_for("auth.login"), code=303)
        flash("Your preferences are saved.", "success")
        return redirect(url_for("moderation.preferences"), code=303)
    return render_template("moderation/preferences.html", form=form), 422 if form.errors else 200
