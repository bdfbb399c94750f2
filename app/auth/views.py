"""Moderator login and logout."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import devices, services
from app.auth.forms import LoginForm
from app.extensions import csrf
from app.shared.urls import safe_next

bp = Blueprint("auth", __name__, url_prefix="/auth")

CSRF_MESSAGE = "The login form expired. Please try again."


def _next() -> str:
    """Where to go after logging in: the ``next`` path if it is safe, else the queue."""
    return safe_next(request.args.get("next"), url_for("moderation.queue"))


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, to answer with the form and a message
def login():
    """Log a moderator in; say only "Wrong email or password" when it fails."""
    if current_user.is_authenticated:
        return redirect(_next())
    form = LoginForm()
    status, retry_after = 200, None
    if request.method == "POST":
        status = 400
        if form.validate():
            try:
                result = services.authenticate(
                    form.email.data,
                    form.password.data,
                    request.remote_addr,
                    request.cookies.get(devices.COOKIE_NAME),
                )
            except services.LoginThrottled as exc:
                flash(str(exc), "error")
                status, retry_after = 429, exc.wait_seconds
            except services.AuthError as exc:
                flash(str(exc), "error")
                status = 401
            else:
                session.clear()  # a fresh session: nothing from before login survives
                login_user(result.moderator)
                response = redirect(_next(), code=303)
                devices.set_cookie(response, result.device_cookie)
                return response
        elif getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
            flash(CSRF_MESSAGE, "error")
        form.password.data = ""
    response = make_response(render_template("auth/login.html", form=form), status)
    # The form comes back with the typed email: no cache may keep it.
    response.headers["Cache-Control"] = "private, no-store"
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
@login_required
def logout():
    """Log out and invalidate every copy of this moderator's session cookie."""
    services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), code=303)
