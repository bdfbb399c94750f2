"""Database engine behaviour that every backend-specific detail hides behind.

SQLite gets foreign keys, WAL, ``synchronous`` as SQLITE_SYNCHRONOUS says (FULL unless
set to NORMAL) and a busy timeout on every connection.  Python's sqlite3 module would
otherwise open transactions lazily with a deferred ``BEGIN``; a transaction that reads
and then writes can then fail at once with "database is locked".  We take over
transaction control so that write transactions can start with ``BEGIN IMMEDIATE`` and
wait for the lock instead (see ``write_transaction``).  Each pooled SQLite connection
runs an approximate ``ANALYZE`` (a few milliseconds at 100,000 comments) when it is
first returned to the pool and then at most every SQLITE_ANALYZE_SECONDS (a minute
later when another writer held the lock): SQLite keeps no statistics by itself, and
without them its planner reads the queue's large index for a count that a small one
answers (30 ms instead of 0.1 at 100,000 comments).

``data_version`` tells a worker whether anything in the database changed since it last
asked, on either backend, so that it may reuse what it built from the same data.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.extensions import db
from config import sqlite_synchronous_of

_IMMEDIATE = "relief_begin_immediate"
COMMITS_KEY = "relief.db_commits"
log = logging.getLogger(__name__)


class Commits:
    """How many transactions this process's connections to one database committed.

    SQLite's ``PRAGMA data_version`` moves when *another* connection commits, never for
    the asking connection's own commits: this count covers those.  Each pooled
    connection also gets a serial number here (``data_version`` is per connection).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self._serials = itertools.count(1)

    def add(self) -> None:
        with self._lock:
            self.count += 1

    def serial(self) -> int:
        with self._lock:
            return next(self._serials)


def configure_engine(app: Flask) -> None:
    """Close the app's pooled connections when the process exits, and attach the SQLite
    connection and transaction hooks to its engine."""
    with app.app_context():
        engine = db.engine
    _close_at_exit(engine)
    if engine.dialect.name != "sqlite":
        return
    busy_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10_000))
    # Checked again here (Config.validate already did): it goes into a PRAGMA as is.
    synchronous = sqlite_synchronous_of(app.config.get("SQLITE_SYNCHRONOUS", "FULL"))
    analyze_every = float(app.config.get("SQLITE_ANALYZE_SECONDS", 3600))
    commits = app.extensions.setdefault(COMMITS_KEY, Commits())

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, record) -> None:
        record.info["relief_serial"] = commits.serial()
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL syncs only at checkpoints; FULL also at every commit.
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "commit")
    def _on_commit(_conn: Connection) -> None:
        commits.add()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: sqlite3.Connection | None, record) -> None:
        if dbapi_conn is None or analyze_every <= 0:
            return
        now = time.monotonic()
        if now < record.info.get("relief_analyze_at", 0.0):
            return
        done = _analyze(dbapi_conn, busy_ms)
        record.info["relief_analyze_at"] = now + (analyze_every if done else 60.0)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get(_IMMEDIATE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")
        # total_changes also counts rows a rollback undoes: data_version compares.
        pooled = conn.connection
        pooled.info["relief_changes_at_begin"] = pooled.dbapi_connection.total_changes


def _analyze(dbapi_conn: sqlite3.Connection, busy_ms: int) -> bool:
    """Refresh the planner's statistics (``sqlite_stat1``) from a sample of each index
    (``analysis_limit``: milliseconds at any size, close enough for choosing indexes).

    It takes the write lock for a moment and never waits for it (this runs as a
    request ends): if another writer holds it, it is put off (a debug line: routine
    under a write load) and the caller tries again a minute later; any other failure (a
    read-only file) is logged as a warning.  Return whether it ran.
    """
    try:
        # Never wait for another writer here: this runs in a request's teardown.
        dbapi_conn.execute("PRAGMA busy_timeout = 0")
        dbapi_conn.execute("PRAGMA analysis_limit = 400")
        dbapi_conn.execute("ANALYZE")
        return True
    except sqlite3.Error as error:
        if getattr(error, "sqlite_errorname", "") == "SQLITE_BUSY":
            log.debug("ANALYZE put off for a minute: another connection is writing")
        else:
            log.warning("ANALYZE skipped: %s", error)
        return False
    finally:
        with suppress(sqlite3.Error):
            dbapi_conn.execute(f"PRAGMA busy_timeout = {busy_ms}")


def data_version() -> tuple:
    """A value that differs whenever a change was committed to the database since the
    last call returned it, by any process; equal values mean the same data.

    PostgreSQL: the snapshot this request's reads see (``pg_current_snapshot()``: the
    oldest running transaction, the next transaction id, those in progress), which is
    only ever equal to an earlier one when no transaction has committed since.
    SQLite: ``PRAGMA data_version`` on this request's connection (other connections'
    commits), with this process's own commit count, the connection's serial and its
    ``total_changes`` (rows this connection wrote, committed or not).  A transaction
    that has written and not yet committed gets a value no other call returns.
    Runs one light statement on the session's connection; it may open a transaction.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        snapshot, writing = connection.exec_driver_sql(
            "SELECT pg_current_snapshot()::text, pg_current_xact_id_if_assigned()::text"
        ).one()
        return ("pg", snapshot) if writing is None else ("writing", time.monotonic_ns())
    if connection.dialect.name != "sqlite":
        return ("never", time.monotonic_ns())  # an unknown backend: never the same
    commits: Commits = current_app.extensions[COMMITS_KEY]
    version = connection.exec_driver_sql("PRAGMA data_version").scalar()
    pooled = connection.connection
    changes = pooled.dbapi_connection.total_changes
    if changes != pooled.info.get("relief_changes_at_begin", changes):
        return ("writing", time.monotonic_ns())  # uncommitted rows: never reusable
    return (
        "sqlite",
        pooled.info.get("relief_serial"),
        version,
        commits.count,
        changes,
    )


def _close_at_exit(engine: Engine) -> None:
    """Dispose of the pool when the process ends (a gunicorn worker stopping, a command
    finishing): connections left to the garbage collector are dropped without a word to
    the server, and PostgreSQL's driver warns about each one."""
    reference = weakref.ref(engine)

    def dispose() -> None:
        alive = reference()
        if alive is not None:
            alive.dispose()

    atexit.register(dispose)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Run the block in one transaction that holds the write lock from its start.

    On SQLite this is ``BEGIN IMMEDIATE`` (other writers wait up to the busy timeout
    instead of failing); on PostgreSQL an ordinary transaction.  Commits on success and
    rolls back on any exception, which is re-raised.
    """
    session = db.session()
    if session.in_transaction():
        # A read earlier in the request opened a deferred transaction; end it so that
        # the write transaction starts fresh and takes the lock up front.
        session.commit()
    session.connection(execution_options={_IMMEDIATE: True})
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def serialise_on(key: str) -> None:
    """Make writers that pass the same ``key`` take turns, until the transaction ends.

    SQLite's ``BEGIN IMMEDIATE`` already lets one writer in at a time.  PostgreSQL's
    transactions run side by side, so a check-then-insert rule (one comment per client
    per 15 seconds) could let two simultaneous requests both pass: an advisory lock on
    the key makes the second wait for the first to commit.
    """
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT pg_advisory_xact_lock(hashtext(%(key)s))", {"key": f"relief:{key}"}
        )


def ensure_sqlite_folder(app: Flask) -> None:
    """Create the folder of a file-backed SQLite database, so a fresh checkout just runs."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
