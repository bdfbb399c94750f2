"""The HTTP side of "Leave a Reply": showing a page with its comments, taking a comment.

Every refusal re-renders the page with the form as it was sent (nothing typed is lost)
and a message by the field concerned; success redirects (post/redirect/get) to the new
comment.  A form a browser sent from another site's page is refused the same way
(app.shared.cross_origin): the form has no session token, since its page is shared.
"""

from __future__ import annotations

import time

from flask import (
    current_app,
    flash,
    get_flashed_messages,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from werkzeug.wrappers import Response

from app.comments import closing, own, remember, stamps
from app.comments import listing as threads
from app.comments import services as comments
from app.comments.forms import CommentForm
from app.comments.policy import CommentRefused, CommentsClosed, FloodLimited
from app.content import page_cache, seo
from app.extensions import db
from app.models import Comment, CommentStatus
from app.shared import cross_origin
from app.shared.origin import absolute_url
from app.shared.pages import Page, PageAddress, PageKey
from app.shared.urls import parse_id

# Session key: the owner secrets of the comments this browser sent (never bare ids: an
# id names a row, a secret proves it was this browser that sent it).
OWN_COMMENTS = "own_comment_keys"
MAX_OWN = 50
# Session key: [secret, deadline] of each comment this browser sent that it may still
# edit or delete (published ones too); dropped once past, so that the browser gets the
# shared cached pages again.  The deadline is a hint: the database's time decides.
EDITABLE = "editable_comment_keys"
MAX_EDITABLE = 20
POSTED = "posted:"  # flash categories of notices shown inside the comment they are about
CROSS_SITE_MESSAGE = (
    "Your comment was sent from a page on another website, so we did not post it. "
    "Nothing is lost: check it below, and send it from this page if you meant to."
)


def _own_secrets() -> list[str]:
    return [k for k in session.get(OWN_COMMENTS, ()) if isinstance(k, str)]


def _usable(entry) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], int | float)
        and not isinstance(entry[1], bool)
    )


def _editable_entries() -> list[list]:
    """The [secret, deadline] pairs of the comments this browser may still change.

    Expired (and malformed) pairs are dropped from the session as they are met.
    """
    raw = session.get(EDITABLE)
    if raw is None:
        return []
    entries = raw if isinstance(raw, list) else []
    now = time.time()
    kept = [entry for entry in entries if _usable(entry) and entry[1] > now]
    if not kept:
        session.pop(EDITABLE, None)
    elif kept != entries:
        session[EDITABLE] = kept
    return kept


def owned_comments() -> frozenset[str]:
    """Return the owner digests of the comments this browser session sent: its held
    comments, and those it may still edit or delete."""
    secrets = [*_own_secrets(), *(secret for secret, _ in _editable_entries())]
    return comments.owner_digests(secrets)


def _remember_own(secret: str) -> None:
    secrets = _own_secrets()
    if secret not in secrets:
        session[OWN_COMMENTS] = [*secrets, secret][-MAX_OWN:]


def _remember_editable(secret: str, comment: Comment) -> None:
    deadline = own.deadline_of(comment).timestamp()
    if deadline > time.time():
        session[EDITABLE] = [*_editable_entries(), [secret, deadline]][-MAX_EDITABLE:]


def keep_own_held(comment: Comment) -> None:
    """Let this browser go on seeing its comment after an edit held it again."""
    for secret, _ in _editable_entries():
        if comments.owner_digest(secret) == comment.owner_digest:
            _remember_own(secret)


def forget_own(digest: str) -> None:
    """Drop the secret of a comment this browser deleted from its session."""
    secrets = _own_secrets()
    kept = [s for s in secrets if comments.owner_digest(s) != digest]
    if len(kept) != len(secrets):
        session[OWN_COMMENTS] = kept
    entries = _editable_entries()
    still = [entry for entry in entries if comments.owner_digest(entry[0]) != digest]
    if len(still) != len(entries):
        if still:
            session[EDITABLE] = still
        else:
            session.pop(EDITABLE, None)


def page_number() -> int:
    """The page of comments asked for (1 when missing or not a positive number)."""
    return page_cache.page_of(request.args.get("page", type=int))


def _reply_target(page: Page, parent_id: int | None) -> Comment | None:
    """Return the approved comment on this page that a reply is for, or None."""
    if not isinstance(parent_id, int):
        return None
    parent = db.session.get(Comment, parent_id)
    if parent is None or parent.status is not CommentStatus.APPROVED:
        return None
    return parent if PageKey.of(parent) == page.key else None


def _blank_form(page: Page) -> CommentForm:
    form = CommentForm(formdata=None)
    saved = remember.load(request)
    form.name.data = saved.get("name")
    form.email.data = saved.get("email")
    form.website.data = saved.get("website")
    form.remember.data = bool(saved)
    parent = _reply_target(page, parse_id(request.args.get("replyto")))
    form.parent_id.data = parent.id if parent else None
    return form


def show(page: Page, form: CommentForm | None = None, status: int = 200):
    """Render a page with its comments and the comment form.

    Anonymous readers get the shared page (app.content.page_cache), the same for all of
    them; anyone with something of their own on it (a held comment, a notice, saved
    details, a form being corrected) gets it rendered afresh, for them alone.  A draft
    (only ever shown to a moderator) is rendered afresh, kept by no cache, and marked for
    search engines as not to be indexed.
    """
    draft = not page.article.published
    if form is None and not draft and page_cache.cacheable():
        return page_cache.respond(page, lambda stamp: _render(page, None, stamp))
    html, _ = _render(page, form)
    response = personal(make_response(html, status))
    if draft:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def personal(response: Response) -> Response:
    """Mark a response that holds this visitor's own things (a held comment, saved
    details, a form being corrected) as theirs alone: no cache may keep it."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _render(page: Page, form: CommentForm | None, stamp: str | None = None) -> tuple[str, int]:
    """Render the page; return the HTML and the page of comments it shows."""
    config = current_app.config
    form = form or _blank_form(page)
    if stamp is not None:
        form.rendered_at.data = stamp
    elif not stamps.is_usable(form.rendered_at.data):
        form.rendered_at.data = stamps.form_stamp()
    listing = threads.list_comments(
        page.key,
        number=page_number(),
        per_page=config["COMMENTS_PER_PAGE"],
        max_depth=config["COMMENTS_THREAD_DEPTH"],
        owned=owned_comments(),
        pinned_id=(page.remedy or page.article).pinned_comment_id,
    )
    previous, following = page.neighbours
    html = render_template(
        "content/article.html" if page.remedy is None else "content/remedy.html",
        page=page,
        article=page.article,
        remedy=page.remedy,
        previous=previous,
        next=following,
        comments=listing,
        form=form,
        reply_to=_reply_target(page, form.parent_id.data),
        canonical=absolute_url(page.url(page=listing.page)),
        structured_data=seo.page_data(page.article, page.remedy),
        comments_closed=closing.page_closed(page),
    )
    return html, listing.page


def post(page: PageAddress) -> Response:
    """Take a comment: refuse it kindly, or store it and redirect to it.

    A form a browser sent from another site's page answers 403 with the page, the text
    kept and a sentence saying why.  A page closed to comments answers 403 with the
    page, a sentence saying so and the text that was sent (to copy), whatever else the
    form holds.  Nothing is stored either way.
    """
    form = CommentForm()
    try:
        cross_origin.check_request()
    except cross_origin.CrossSiteRequest:
        form.rendered_at.errors = [CROSS_SITE_MESSAGE]  # shown atop the form
        return show(page.load(), form, status=403)
    if page.closed:
        return show(page.load(), form, status=CommentsClosed.http_status)
    if not form.validate():
        return show(page.load(), form, status=422)
    new = comments.NewComment(
        name=form.name.data,
        email=form.email.data,
        website=form.website.data or None,
        text=form.comment.data,
        parent_id=form.parent_id.data,
        honeypot_filled=form.honeypot_filled,
        seconds_to_submit=stamps.seconds_since_stamp(form.rendered_at.data),
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
        owned=owned_comments(),
        notify=bool(form.notify.data),
    )
    try:
        comment = comments.submit_comment(page.key, new)
    except CommentRefused as refusal:
        form[refusal.field].errors = [*form[refusal.field].errors, str(refusal)]
        response = show(page.load(), form, status=refusal.http_status)
        if isinstance(refusal, FloodLimited):
            response.headers["Retry-After"] = str(refusal.wait_seconds)
        return response
    return _after_comment(page, form, comment, new.owner_secret)


# The same words whether or not the address confirmed before: anything else would tell a
# stranger who typed someone's address whether its owner subscribed.
EMAILS_NOTICE = (
    "You asked for emails about it: if this address has not confirmed them yet, we are "
    "sending it a link to confirm, and nothing else until then."
)


def held_notice(days: int) -> str:
    """The notice after posting a held comment: what happens next, and when."""
    when = "a day" if days == 1 else f"{days} days"
    return (
        "Your comment is awaiting moderation. It will be checked by a person, usually "
        f"within {when}, and appears here once approved. Until then only you can see it."
    )


def posted_category(kind: str, comment_id: int) -> str:
    """The flash category of the notice about a comment just sent: shown inside that
    comment (``posted_notice``), not at the top of the page."""
    return f"{POSTED}{kind}:{comment_id}"


def posted_notice(comment_id: int) -> tuple[str, str] | None:
    """Return (kind, message) of the notice about ``comment_id`` if it was just sent."""
    suffix = f":{comment_id}"
    for category, message in get_flashed_messages(with_categories=True):
        if category.startswith(POSTED) and category.endswith(suffix):
            return category[len(POSTED) : -len(suffix)], message
    return None


def _after_comment(
    page: PageAddress, form: CommentForm, comment: Comment, owner_secret: str
) -> Response:
    _remember_editable(owner_secret, comment)
    # The notice is shown inside the new comment, where the redirect scrolls to.
    emails = f" {EMAILS_NOTICE}" if comment.notify else ""
    if comment.status is CommentStatus.APPROVED:
        flash(
            f"Thank you: your comment is published.{emails}",
            posted_category("success", comment.id),
        )
    else:
        _remember_own(owner_secret)
        days = current_app.config["COMMENTS_REVIEW_DAYS"]
        flash(held_notice(days) + emails, posted_category("info", comment.id))
    number = threads.thread_page_of(
        comment, current_app.config["COMMENTS_PER_PAGE"], owned_comments()
    )
    response = redirect(page.url(page=number, _anchor=f"comment-{comment.id}"), code=303)
    if form.remember.data:
        remember.save(response, form.name.data, form.email.data, form.website.data)
    elif remember.COOKIE in request.cookies:
        remember.clear(response)
    return response
