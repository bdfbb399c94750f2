"""The least a Flask comment POST can do: a yardstick for ``bench/profile_post.py --floor``.

A GET of any path answers a one-line form that carries a ``rendered_at`` field (so that
bench/lua/post_comment.lua, written for Relief's page, drives it unchanged); a POST reads
the form with Flask, stores comment, name and email with one INSERT into its own table
in the benchmark's SQLite file (WAL, ``synchronous`` as SQLITE_SYNCHRONOUS says, the
same durable commit as Relief's) and answers 303 to ``/#comment-<id>``.  No validation,
no CSRF or Origin check, no policy, no session, no SQLAlchemy, no templates: what is
left is gunicorn, Flask and one durable write, the floor under any Flask app that takes
comments.  It is not Relief and ships in no server: only the benchmark imports it.
"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, redirect, request

FORM = '<form method="post"><input name="rendered_at" value="floor"></form>'
TABLE = "bench_floor_comments"


def create_app() -> Flask:
    """The floor app, on DATABASE_URL's SQLite file."""
    app = Flask(__name__)
    app.extensions["floor_db"] = _Database(
        os.environ["DATABASE_URL"].removeprefix("sqlite:///"),
        os.environ.get("SQLITE_SYNCHRONOUS", "FULL"),
    )

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def page(path: str):
        if request.method == "GET":
            return FORM
        form = request.form
        comment_id = app.extensions["floor_db"].insert(
            form.get("comment", ""), form.get("name", ""), form.get("email", "")
        )
        return redirect(f"/#comment-{comment_id}", code=303)  # never the request's path

    return app


class _Database:
    """One connection per worker process, opened on first use (after gunicorn forks)."""

    def __init__(self, path: str, synchronous: str) -> None:
        if synchronous not in {"FULL", "NORMAL"}:
            raise ValueError(f"SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {synchronous!r}")
        self.path, self.synchronous = path, synchronous
        self.connection: sqlite3.Connection | None = None

    def insert(self, body: str, name: str, email: str) -> int:
        connection = self.connection or self._open()
        connection.execute("BEGIN IMMEDIATE")
        try:
            cursor = connection.execute(
                f"INSERT INTO {TABLE} (body, name, email) VALUES (?, ?, ?)", (body, name, email)
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return cursor.lastrowid

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(f"PRAGMA synchronous={self.synchronous}")
        connection.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(id INTEGER PRIMARY KEY, body TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL)"
        )
        self.connection = connection
        return connection
