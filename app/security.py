"""Security headers sent with every response."""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer

from app.shared import origin
from app.shared.signing import TimedSerializer

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def add_security_headers(response: Response, hsts: bool) -> Response:
    """Set the policy headers unless a view chose its own."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if hsts:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, never saved on a response that any cache may keep
    (``Cache-Control: public``, such as a comment feed): that response must carry
    nobody's cookie, nor a ``Vary: Cookie`` that would split the cache per visitor.
    A view that marks its response public must therefore not change the session."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer (its keys, salt and signer), compressing only a session
        big enough to gain (``app.shared.signing``): most sessions are a token and a
        notice, and every response that changes one would set zlib up for nothing."""
        serializer = super().get_signing_serializer(app)
        if serializer is None:
            return None
        return TimedSerializer(
            serializer.secret_keys,
            salt=serializer.salt,
            serializer=serializer.serializer,
            signer_kwargs=serializer.signer_kwargs,
        )

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if response.cache_control.public:
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Add the headers to every response; HSTS only where cookies are Secure; keep
    redirects on SITE_URL; keep cookies off responses that caches share."""
    app.session_interface = SessionInterface()
    hsts = bool(app.config.get("SESSION_COOKIE_SECURE"))
    app.after_request(lambda response: add_security_headers(response, hsts))
    origin.init_app(app)
