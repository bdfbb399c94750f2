"""Database engine behaviour that every backend-specific detail hides behind.

SQLite gets foreign keys, WAL, ``synchronous`` as SQLITE_SYNCHRONOUS says (FULL unless
set to NORMAL) and a busy timeout on every connection.  Python's sqlite3 module would
otherwise open transactions lazily with a deferred ``BEGIN``; a transaction that reads
and then writes can then fail at once with "database is locked".  We take over
transaction control so that write transactions can start with ``BEGIN IMMEDIATE`` and
wait for the lock instead (see ``write_transaction``).
"""

from __future__ import annotations

import atexit
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from app.extensions import db
from config import sqlite_synchronous_of

_IMMEDIATE = "relief_begin_immediate"


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

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
            cursor.execute("PRAGMA journal_mode = WAL")
        # In WAL mode NORMAL syncs only at checkpoints; FULL also at every commit.
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get(_IMMEDIATE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


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
