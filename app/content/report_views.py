"""The HTTP side of "Report this comment": the report page, taking a report, the thanks.

A refusal re-renders the form with the reader's choice and note kept.  Every report
that is taken ends on the same thank-you page, whatever became of it, so a reader never
learns whether others reported the comment too.

The reporting browser is known by a random key in its own signed cookie (never the
session id); the cookie is set with the first report and only sent back to /report/.
"""

from __future__ import annotations

from flask import current_app, g, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from app.comments import listing as threads
from app.comments import reports
from app.comments.report_form import MAX_NOTE, ReportForm
from app.content.comment_views import owned_comments, personal
from app.models import Comment, ReportReason
from app.shared.pages import Page
from app.shared.urls import safe_next

REPORTER_COOKIE = "relief_reporter"
REPORTER_COOKIE_DAYS = 365
CSRF_MESSAGE = (
    "Your session expired, or the form was sent from another page, so we could not take "
    "your report. Nothing is lost: check it below and send it again."
)


def report_url(comment_id: int) -> str:
    """The address of a comment's report page (``url_for`` once per request: it is
    costly, and a page of comments has a Report link under each one)."""
    base = g.get("report_base")
    if base is None:
        base = g.report_base = url_for("content.report", comment_id=1)[:-1]
    return f"{base}{int(comment_id)}"


def report(comment_id: int):
    """Show the report form for a published comment, or take a report about it."""
    comment = reports.reportable(comment_id)
    if comment is None:
        return _not_reportable()
    form = ReportForm()
    if request.method == "GET":
        return _render(comment, form)
    if not form.validate():
        if getattr(form, "csrf_token", None) and form.csrf_token.errors:
            form.csrf_token.errors = []  # said once, in the summary, with no field to link
            return _render(comment, form, status=400, problem=CSRF_MESSAGE)
        return _render(comment, form, status=422)
    key, fresh = _browser_key()
    back = _back_to(comment)
    new = reports.NewReport(form.chosen_reason, form.note.data or "", key, request.remote_addr)
    try:
        reports.report_comment(comment_id, new)
    except reports.TooManyReports as refusal:
        response = _render(comment, form, status=refusal.http_status, problem=str(refusal))
        response.headers["Retry-After"] = str(refusal.wait_seconds)
        return response
    except reports.NotReportable:
        return _not_reportable()
    response = redirect(url_for("content.report_sent", back=back), code=303)
    if fresh:
        _keep_browser_key(response, key)
    return response


def sent() -> str:
    """The thanks, the same for every report; its link leads back to the page."""
    back = safe_next(request.args.get("back"), url_for("content.index"))
    return render_template("content/report_sent.html", back=back)


def _render(
    comment: Comment, form: ReportForm, status: int = 200, problem: str | None = None
) -> Response:
    page = Page(comment.article, comment.remedy)
    html = render_template(
        "content/report.html",
        comment=comment,
        page=page,
        back=_back_to(comment),
        form=form,
        hints={reason.value: reason.hint for reason in ReportReason},
        max_note=MAX_NOTE,
        problems=[problem] if problem else [],
    )
    return personal(make_response(html, status))


def _not_reportable():
    """One kind refusal for every comment that may not be reported (held, spam, trash,
    removed, on a draft, or none at all): the answer never tells which."""
    html = render_template(
        "errors/error.html",
        code=404,
        title="This comment cannot be reported",
        message=reports.NOT_REPORTABLE,
    )
    return html, 404


def _back_to(comment: Comment) -> str:
    """The comment where it appears: its page of comments, scrolled to it."""
    page = Page(comment.article, comment.remedy)
    number = threads.thread_page_of(
        comment, current_app.config["COMMENTS_PER_PAGE"], owned_comments()
    )
    return page.url(page=number, _anchor=f"comment-{comment.id}")


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="relief.reporter")


def _browser_key() -> tuple[str, bool]:
    """Return this browser's reporter key, and whether it is new (to be set)."""
    raw = request.cookies.get(REPORTER_COOKIE)
    if raw:
        try:
            key = _serializer().loads(raw)
        except BadSignature:
            key = None
        if isinstance(key, str) and 16 <= len(key) <= 64:
            return key, False
    return reports.new_browser_key(), True


def _keep_browser_key(response: Response, key: str) -> None:
    response.set_cookie(
        REPORTER_COOKIE,
        _serializer().dumps(key),
        max_age=REPORTER_COOKIE_DAYS * 86400,
        path=f"{request.script_root}/report/",
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
