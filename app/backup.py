"""Consistent copies of a live SQLite database, and restoring one.

Copies use SQLite's online backup API, never a file copy: a live WAL database is more
than one file and a copy could catch a write half-done.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup or restore cannot be done; ``str()`` says why."""


def sqlite_path(database_url: str) -> Path:
    """Return the file of a SQLite database URL.

    :raise BackupError: for another database (use its own tools, e.g. pg_dump).
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise BackupError(
            f"`flask backup` copies SQLite files; for {url.get_backend_name()} use its own "
            "tools (for PostgreSQL: pg_dump and pg_restore)."
        )
    return Path(url.database)


def _copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=1024)  # in steps, letting the app write in between
    finally:
        dst.close()
        src.close()


def check(path: Path) -> None:
    """:raise BackupError: unless ``path`` is an intact Relief database."""
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database: {exc}") from None
    if result != "ok":
        raise BackupError(f"{path} failed its integrity check: {result}")
    if not {"comments", "articles"} <= tables:
        raise BackupError(f"{path} is not a Relief database (tables are missing).")


def backup(database_url: str, target: Path, overwrite: bool = False) -> Path:
    """Write a consistent copy of the live database to ``target`` and verify it."""
    source = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"There is no database at {source}.")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists; choose another name or pass --force.")
    if target.exists():
        target.unlink()
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, target)
    check(target)
    return target


def restore(database_url: str, source: Path) -> Path:
    """Replace the database's contents with the backup at ``source``, in place.

    Stop the app first: requests served during a restore may see either version.
    """
    target = sqlite_path(database_url)
    if not source.exists():
        raise BackupError(f"There is no backup at {source}.")
    check(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy(source, target)
    check(target)
    return target
