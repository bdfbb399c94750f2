"""Sending mail without ever holding up a request.

Mail jobs run on a small thread pool and deliver over SMTP; a failure is logged, never
raised to the caller.  What is sent, and retried until it is, lives in ``app.outbox``.
"""

from __future__ import annotations

import logging
import os
import re
import smtplib
import ssl
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import Flask, current_app

log = logging.getLogger("relief.mail")
_LINE_BREAKS = re.compile(r"[\r\n\x00-\x1f\x7f]+")
EXTENSION_KEY = "relief.mail_pool"


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server."""

    server: str
    port: int
    use_tls: bool
    use_ssl: bool
    username: str
    password: str
    timeout: float

    @classmethod
    def from_config(cls, config) -> MailSettings:
        """Read the MAIL_* settings."""
        return cls(
            server=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            use_tls=config["MAIL_USE_TLS"],
            use_ssl=config["MAIL_USE_SSL"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            timeout=config["MAIL_TIMEOUT_SECONDS"],
        )


def header_safe(value: str, limit: int = 200) -> str:
    """Fold line breaks and control characters to spaces, so no header can be injected."""
    return _LINE_BREAKS.sub(" ", value).strip()[:limit]


# Headers a caller may add (``make_message(headers=...)``); the rest are the message's own.
EXTRA_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id"})


def make_message(
    to: str, subject: str, body: str, sender: str, headers: dict[str, str] | None = None
) -> EmailMessage:
    """Build a plain-text message; every header value is made single-line first.

    :param headers: extra headers, only those named in EXTRA_HEADERS (a List-Unsubscribe
        URL can be long: up to 1,000 characters are kept).
    :raise ValueError: for a header that is not in EXTRA_HEADERS.
    """
    message = EmailMessage()
    message["From"] = header_safe(sender)
    message["To"] = header_safe(to)
    message["Subject"] = header_safe(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="relief.local")
    message["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        if name not in EXTRA_HEADERS:
            raise ValueError(f"{name!r} is not a header a caller may set")
        message[name] = header_safe(value, limit=1000)
    message.set_content(body)
    return message


class MailPool:
    """The app's mail threads, made on first use in each process: a pool made before
    gunicorn forks has no threads after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pid: int | None = None
        self._closed = False

    def executor(self) -> ThreadPoolExecutor:
        """Return this process's pool, making it if needed.

        :raise RuntimeError: after :meth:`close`.
        """
        with self._lock:
            if self._closed:
                raise RuntimeError("the mail pool is closed")
            if self._executor is None or self._pid != os.getpid():
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="relief-mail")
                self._pid = os.getpid()
            return self._executor

    def close(self) -> None:
        """Wait for the running jobs and take no more (an app being thrown away)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None and self._pid == os.getpid():
            executor.shutdown(wait=True)


def init_app(app: Flask) -> None:
    """Give the app its mail pool."""
    app.extensions[EXTENSION_KEY] = MailPool()


def deliver(settings: MailSettings, messages: list[EmailMessage]) -> int:
    """Send ``messages`` over one SMTP connection; return how many were accepted.

    Never raises: failures are logged with the server's answer.
    """
    return sum(error is None for error in deliver_each(settings, messages))


def deliver_each(settings: MailSettings, messages: list[EmailMessage]) -> list[str | None]:
    """Send ``messages`` over one SMTP connection; return, for each, None when the
    server accepted it, else a short reason.

    Never raises: failures are logged with the server's answer.  When the connection
    fails, the messages not yet handed over fail with it; those accepted stay accepted.
    """
    results: list[str | None] = []
    try:
        if settings.use_ssl:
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.use_tls and not settings.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password)
            for message in messages:
                try:
                    smtp.send_message(message)
                    results.append(None)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    # Not the address: logs are kept and read more widely than the database.
                    log.exception("The mail server refused a message (%s)", message["Subject"])
                    results.append(_reason(exc))
        return results
    except (OSError, smtplib.SMTPException) as exc:
        log.exception("Could not reach the mail server %s:%s", settings.server, settings.port)
        return results + [_reason(exc)] * (len(messages) - len(results))


def _reason(exc: Exception) -> str:
    """A short reason to store: the error's kind and SMTP code, never the server's
    text, which often quotes the recipient's address."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = next((c for c, _ in exc.recipients.values()), None)
    if isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException):
        return header_safe(f"{type(exc).__name__}: {exc.strerror or exc}", 300)
    return f"{type(exc).__name__}" + (f" {code}" if code else "")


def in_background(job, *args) -> Future:
    """Run ``job(*args)`` on the mail thread, inside this app's context; log failures."""
    app = current_app._get_current_object()

    def run():
        with app.app_context():
            try:
                return job(*args)
            except Exception:
                log.exception("A background mail job failed")
                return None

    return app.extensions[EXTENSION_KEY].executor().submit(run)
