"""Sending mail without ever holding up a request.

Mail jobs run on a small thread pool and deliver over SMTP; a failure is logged, never
raised to the caller.
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


def make_message(to: str, subject: str, body: str, sender: str) -> EmailMessage:
    """Build a plain-text message; every header value is made single-line first."""
    message = EmailMessage()
    message["From"] = header_safe(sender)
    message["To"] = header_safe(to)
    message["Subject"] = header_safe(subject)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="relief.local")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


class MailPool:
    """The app's mail threads, made on first use in each process: a pool made before
    gunicorn forks has no threads after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pid: int | None = None

    def executor(self) -> ThreadPoolExecutor:
        """Return this process's pool, making it if needed."""
        with self._lock:
            if self._executor is None or self._pid != os.getpid():
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="relief-mail")
                self._pid = os.getpid()
            return self._executor


def init_app(app: Flask) -> None:
    """Give the app its mail pool."""
    app.extensions[EXTENSION_KEY] = MailPool()


def deliver(settings: MailSettings, messages: list[EmailMessage]) -> int:
    """Send ``messages`` over one SMTP connection; return how many were accepted.

    Never raises: failures are logged with the server's answer.
    """
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
            sent = 0
            for message in messages:
                try:
                    smtp.send_message(message)
                    sent += 1
                except smtplib.SMTPException:
                    log.exception("Could not send mail to %s", message["To"])
            return sent
    except (OSError, smtplib.SMTPException):
        log.exception("Could not reach the mail server %s:%s", settings.server, settings.port)
        return 0


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
