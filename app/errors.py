"""Friendly error pages that never show a stack trace, SQL or a server path."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db

MESSAGES = {
    400: ("Something in that request was not right", "Please go back and try again."),
    401: ("Please log in", "This page is for moderators."),
    403: ("That is not allowed", "You do not have permission to do that."),
    410: ("That link no longer works", "It has expired or has already been used."),
    404: (
        "Page not found",
        "We could not find that page. It may have moved, or the address may be mistyped.",
    ),
    405: ("That action is not allowed here", "Please use the page's own buttons and forms."),
    413: (
        "That was too much to send",
        "What you sent is larger than we accept. Please shorten it and try again.",
    ),
    429: ("Please slow down", "You have made a lot of requests. Please wait a moment."),
    500: (
        "Something went wrong on our side",
        "We have been told about it. Please try again in a few minutes.",
    ),
}


def render_error(code: int):
    """Render the error page for ``code`` with that status."""
    title, message = MESSAGES.get(code, MESSAGES[400])
    return render_template("errors/error.html", code=code, title=title, message=message), code


def handle_http_exception(exc: HTTPException):
    """Render any HTTP error (404, 405, 413, ...) as a friendly page."""
    if exc.code is None or exc.code < 400:
        return exc
    return render_error(exc.code)


def handle_csrf_error(exc: CSRFError):
    """A form sent without a valid token (expired session, another tab): explain kindly."""
    body = render_template(
        "errors/error.html",
        code=400,
        title="That form has expired",
        message=(
            "For your security, forms stop working after a while or when you log out. "
            "Please go back, reload the page and try again."
        ),
    )
    return body, 400


def handle_unexpected(exc: Exception):
    """Log an unhandled exception, undo the session's work and show the 500 page."""
    db.session.rollback()
    original = getattr(exc, "original_exception", exc)
    current_app.logger.error("Unhandled exception", exc_info=original)
    return render_error(500)


def init_app(app: Flask) -> None:
    """Register the handlers on ``app``."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(InternalServerError, handle_unexpected)
