"""The commenter's "remember me" cookie: name, email and website, signed, HttpOnly.

It lives only in the commenter's own browser and is the one place the email travels
back to them; it is cleared when they untick the box.
"""

from __future__ import annotations

from flask import Request, Response, current_app
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "relief_commenter"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="relief.remember-me")


def load(request: Request) -> dict[str, str]:
    """Return the remembered name, email and website, or an empty dict."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return {}
    try:
        data = _serializer().loads(raw)
    except BadSignature:
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: str(data[k]) for k in ("name", "email", "website") if data.get(k)}


def save(response: Response, name: str, email: str, website: str | None) -> None:
    """Remember the commenter's details for COMMENTS_REMEMBER_DAYS."""
    value = _serializer().dumps({"name": name, "email": email, "website": website or ""})
    response.set_cookie(
        COOKIE,
        value,
        max_age=current_app.config["COMMENTS_REMEMBER_DAYS"] * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


def clear(response: Response) -> None:
    """Forget the commenter's details."""
    response.delete_cookie(
        COOKIE, httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"]
    )
