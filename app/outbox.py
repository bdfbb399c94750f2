"""The outbox: every email is a row first, sent off the request path and retried.

``enqueue`` adds a row in the caller's transaction, so the email exists exactly when
what caused it does: a crash before the commit loses both, a crash after it loses
neither.  ``drain`` sends what is due over SMTP:

1. the *planners* the areas registered turn their own waiting work into emails (reply
   notices held back by the hourly cap, requests for a link to manage one's comments);
2. due rows are claimed one by one with a conditional UPDATE (``locked_until``), so
   several gunicorn workers or servers never send one row twice;
3. each is sent; a sent row loses its address and text at once, a failed one waits
   MAIL_RETRY_SECONDS, doubled after each failure up to an hour, and is given up on
   after MAIL_MAX_ATTEMPTS;
4. once an hour, rows older than MAIL_KEEP_DAYS are deleted.

A drain runs on the mail thread after every commit that enqueued something, every
MAIL_DRAIN_SECONDS in each serving process (a daemon thread started on the first
request, so mail left waiting by a crash or a restart goes out after it), and on
demand with ``flask mail send-pending``.  Delivery is at least once: a process that
dies between the server's "accepted" and its own record sends that email again after
the lock (``LOCK_SECONDS``) runs out.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask, current_app, has_app_context
from sqlalchemy import delete, event, func, or_, select, update
from sqlalchemy.orm import Session

from app import mail
from app.crypto import digest_of
from app.db import write_transaction
from app.extensions import db
from app.models import MailKind, OutgoingMail, utcnow

log = logging.getLogger("relief.mail")
EXTENSION_KEY = "relief.outbox"
# Set on the session by ``enqueue``: drain once this transaction commits.
_KICK = "relief.outbox_kick"
# How long a claimed row stays with the process that claimed it.
LOCK_SECONDS = 600
# Rows claimed and sent over one SMTP connection at a time.
BATCH = 50
MAX_RETRY_WAIT = 3600
PRUNE_EVERY = timedelta(hours=1)

Planner = Callable[[datetime], None]


@dataclass(frozen=True)
class DrainResult:
    """What one drain did: emails sent, failed (to retry or given up), still waiting."""

    sent: int = 0
    failed: int = 0
    waiting: int = 0


def enqueue(
    kind: MailKind,
    to: str,
    subject: str,
    body: str,
    headers: dict[str, str] | None = None,
    now: datetime | None = None,
) -> OutgoingMail:
    """Add an email to the outbox in the current transaction; it is sent after commit.

    :param headers: extra headers (see ``mail.EXTRA_HEADERS``), such as List-Unsubscribe.
    """
    now = now or utcnow()
    row = OutgoingMail(
        kind=kind,
        recipient=to,
        recipient_digest=digest_of(to),
        subject=mail.header_safe(subject, 300),
        body=body,
        headers=json.dumps(headers or {}, sort_keys=True),
        created_at=now,
        not_before=now,
        attempts=0,
        last_error="",
    )
    db.session.add(row)
    kick_after_commit()
    return row


def kick_after_commit() -> None:
    """Have this process drain the outbox as soon as the current transaction commits."""
    db.session.info[_KICK] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop(_KICK, False) or not has_app_context():
        return
    app = current_app._get_current_object()
    state = app.extensions.get(EXTENSION_KEY)
    if state is not None:
        state.request_drain(app)


def _after_rollback(session: Session) -> None:
    session.info.pop(_KICK, None)


# --- Draining ---------------------------------------------------------------------------


def drain(now: datetime | None = None) -> DrainResult:
    """Plan, send what is due, record the outcome; prune now and then.  Never raises
    for a mail server's failure (those are recorded on the rows and logged).

    :param now: the time to act at (tests pass a later one to skip waiting).
    """
    now = now or utcnow()
    state = _state()
    for planner in state.planners:
        try:
            planner(now)
        except Exception:
            db.session.rollback()
            log.exception("Planning emails failed (%s); the work stays queued", planner.__name__)
    if state.prune_due(now):
        prune(now)
    if not current_app.config["MAIL_SERVER"]:
        waiting = _count_waiting()
        if waiting:
            log.info("Mail not sent (no MAIL_SERVER): %s email(s) wait in the outbox", waiting)
        return DrainResult(waiting=waiting)
    settings = mail.MailSettings.from_config(current_app.config)
    sent = failed = 0
    while True:
        rows = _claim(now, BATCH)
        if not rows:
            break
        done, broken = _record(rows, _send(settings, rows), now)
        sent, failed = sent + done, failed + broken
        if len(rows) < BATCH or broken:
            break  # a failing server is tried again later, not once per row now
    return DrainResult(sent, failed, _count_waiting())


def _send(settings: mail.MailSettings, rows: list[OutgoingMail]) -> list[str | None]:
    """Send the rows over one connection; for each, None or why it failed."""
    messages = [_message_or_error(row) for row in rows]
    results: list[str | None] = [m if isinstance(m, str) else None for m in messages]
    sendable = [(i, m) for i, m in enumerate(messages) if not isinstance(m, str)]
    if not sendable:
        return results
    outcome = mail.deliver_each(settings, [m for _, m in sendable])
    for (i, _), error in zip(sendable, outcome, strict=True):
        results[i] = error
    return results


def _count_waiting() -> int:
    """Emails not sent yet and not given up on (due now or waiting to retry)."""
    count = db.session.scalar(
        select(func.count()).where(OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None))
    )
    db.session.rollback()  # end the read: a long-lived one holds SQLite's log back
    return count or 0


def _due(now: datetime) -> tuple:
    return (
        OutgoingMail.sent_at.is_(None),
        OutgoingMail.failed_at.is_(None),
        OutgoingMail.not_before <= now,
        or_(OutgoingMail.locked_until.is_(None), OutgoingMail.locked_until < now),
    )


def _claim(now: datetime, limit: int) -> list[OutgoingMail]:
    """Take up to ``limit`` due rows for this process.

    Each row is taken with an UPDATE that re-checks it is still free: of two processes
    that saw it, one changes it and the other changes nothing (on PostgreSQL the second
    waits for the first's row lock, then finds the lock set; SQLite has one writer).
    """
    ids = db.session.scalars(
        select(OutgoingMail.id)
        .where(*_due(now))
        .order_by(OutgoingMail.not_before, OutgoingMail.id)
        .limit(limit)
    ).all()
    if not ids:
        db.session.rollback()
        return []
    claimed = []
    with write_transaction():
        for mail_id in ids:
            taken = db.session.execute(
                update(OutgoingMail)
                .where(OutgoingMail.id == mail_id, *_due(now))
                .values(
                    locked_until=now + timedelta(seconds=LOCK_SECONDS),
                    attempts=OutgoingMail.attempts + 1,
                )
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount == 1:
                claimed.append(mail_id)
        rows = list(
            db.session.scalars(
                select(OutgoingMail)
                .where(OutgoingMail.id.in_(claimed))
                .order_by(OutgoingMail.id)
                .execution_options(populate_existing=True)
            )
        )
    return rows


def _message_or_error(row: OutgoingMail):
    """The row as a message, or (a stored row that no longer makes one) why not."""
    try:
        return mail.make_message(
            row.recipient,
            row.subject,
            row.body,
            current_app.config["MAIL_DEFAULT_SENDER"],
            headers=json.loads(row.headers or "{}"),
        )
    except Exception as exc:
        log.exception("Outgoing mail %s cannot be built", row.id)
        return f"cannot be built: {type(exc).__name__}"


def _record(rows: list[OutgoingMail], results: list[str | None], now: datetime) -> tuple[int, int]:
    """Mark each row sent (scrubbing its address and text) or failed; return counts."""
    config = current_app.config
    max_attempts = max(1, int(config["MAIL_MAX_ATTEMPTS"]))
    first_wait = max(1.0, float(config["MAIL_RETRY_SECONDS"]))
    sent = failed = 0
    with write_transaction():
        for row, error in zip(rows, results, strict=True):
            values: dict = {"locked_until": None}
            if error is None:
                sent += 1
                values.update(sent_at=now, last_error="", recipient="", body="", headers="{}")
            else:
                failed += 1
                values["last_error"] = error[:300]
                if row.attempts >= max_attempts:
                    log.error("Gave up on outgoing mail %s after %s attempts", row.id, row.attempts)
                    values.update(failed_at=now, recipient="", body="", headers="{}")
                else:
                    wait = min(first_wait * 2 ** (row.attempts - 1), MAX_RETRY_WAIT)
                    values["not_before"] = now + timedelta(seconds=wait)
            db.session.execute(
                update(OutgoingMail)
                .where(OutgoingMail.id == row.id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    return sent, failed


def counts() -> dict:
    """How many emails wait, were given up on and were sent, and the latest failure."""
    rows = db.session.execute(
        select(
            func.count().filter(OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None)),
            func.count().filter(OutgoingMail.failed_at.is_not(None)),
            func.count().filter(OutgoingMail.sent_at.is_not(None)),
        )
    ).one()
    last_error = db.session.scalar(
        select(OutgoingMail.last_error)
        .where(OutgoingMail.last_error != "", OutgoingMail.sent_at.is_(None))
        .order_by(OutgoingMail.id.desc())
        .limit(1)
    )
    return {"waiting": rows[0], "failed": rows[1], "sent": rows[2], "last_error": last_error or ""}


def prune(now: datetime | None = None) -> int:
    """Delete outbox rows older than MAIL_KEEP_DAYS (sent, given up on, or never sent),
    and run the areas' own clean-ups; return how many outbox rows went."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["MAIL_KEEP_DAYS"])
    with write_transaction():
        gone = db.session.execute(
            delete(OutgoingMail)
            .where(OutgoingMail.created_at < cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount
    for pruner in _state().pruners:
        try:
            pruner(now)
        except Exception:
            db.session.rollback()
            log.exception("A clean-up of mail-related rows failed (%s)", pruner.__name__)
    return gone


# --- This process's drains --------------------------------------------------------------


@dataclass
class Outbox:
    """One app's planners and clean-ups, and this process's background drains.

    At most one drain is queued or running per process: a request for another while
    one runs makes it go round once more.  Made anew in a forked child (the pid), like
    ``mail.MailPool``.
    """

    planners: list[Planner] = field(default_factory=list)
    pruners: list[Planner] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _pid: int | None = None
    _running: bool = False
    _again: bool = False
    _timer: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _last_prune: datetime | None = None

    def _this_process(self) -> None:
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._running = self._again = False
            self._timer = None
            self._stop = threading.Event()

    def request_drain(self, app: Flask) -> None:
        """Drain on the mail thread soon; never waits and never raises."""
        with self._lock:
            self._this_process()
            if self._running:
                self._again = True
                return
            self._running = True
        try:
            app.extensions[mail.EXTENSION_KEY].executor().submit(self._run, app)
        except RuntimeError:  # the pool is shutting down with the process
            with self._lock:
                self._running = False

    def _run(self, app: Flask) -> None:
        while True:
            with app.app_context():
                try:
                    drain()
                except Exception:
                    log.exception("Draining the outbox failed; it is tried again later")
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no drain runs on this process's mail thread; False on timeout.
        (Tests, and anything that must see the outbox settled.)"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._running:
                    return True
            time.sleep(0.02)
        return False

    def start_timer(self, app: Flask) -> None:
        """Drain now and every MAIL_DRAIN_SECONDS in this process (0: never)."""
        interval = float(app.config.get("MAIL_DRAIN_SECONDS") or 0)
        if interval <= 0 or (self._pid == os.getpid() and self._timer is not None):
            return  # the common case, without taking the lock
        with self._lock:
            self._this_process()
            if self._timer is not None:
                return
            stop = self._stop
            self._timer = threading.Thread(
                target=self._tick, args=(app, interval, stop), name="relief-outbox", daemon=True
            )
            self._timer.start()

    def _tick(self, app: Flask, interval: float, stop: threading.Event) -> None:
        while not stop.is_set():
            self.request_drain(app)
            stop.wait(interval)

    def stop_timer(self) -> None:
        """Stop this process's periodic drains (tests; a process exiting needs nothing)."""
        with self._lock:
            self._stop.set()
            self._stop = threading.Event()
            self._timer = None

    def prune_due(self, now: datetime) -> bool:
        """Whether an hour has passed since this process last pruned (and note it did)."""
        with self._lock:
            if self._last_prune is not None and now - self._last_prune < PRUNE_EVERY:
                return False
            self._last_prune = now
            return True


def _state() -> Outbox:
    return current_app.extensions[EXTENSION_KEY]


def add_planner(app: Flask, planner: Planner, pruner: Planner | None = None) -> None:
    """Have every drain call ``planner(now)`` first, and every prune ``pruner(now)``.

    A planner turns an area's waiting work into outbox rows in its own transaction; it
    must be quick when there is nothing to do (it runs every MAIL_DRAIN_SECONDS).
    """
    state: Outbox = app.extensions[EXTENSION_KEY]
    if planner not in state.planners:
        state.planners.append(planner)
    if pruner is not None and pruner not in state.pruners:
        state.pruners.append(pruner)


def shutdown(app: Flask) -> None:
    """Stop this app's periodic drains and wait for its mail jobs (tests, before they
    drop the database under it)."""
    app.extensions[EXTENSION_KEY].stop_timer()
    app.extensions[mail.EXTENSION_KEY].close()


def init_app(app: Flask) -> None:
    """Give the app its outbox; drain after commits that enqueued mail, and
    periodically once the process serves its first request."""
    state = Outbox()
    app.extensions[EXTENSION_KEY] = state
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _after_rollback)
    app.before_request(lambda: state.start_timer(app))
