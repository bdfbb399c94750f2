"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from app import create_app
from app.extensions import db
from config import TestConfig


@pytest.fixture
def empty_database_url(tmp_path):
    """A URL to an empty database: a new SQLite file, or a new PostgreSQL schema."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or make_url(url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    schema = f"migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in url else "?"
    yield f"{url}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_migrations_match_the_models(empty_database_url, runner_for):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"articles", "remedies", "alembic_version"} <= tables
    result = runner_for(app).invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def runner_for():
    return lambda app: app.test_cli_runner()


def test_upgrading_keeps_comment_threads_whole(tmp_path):
    """Rebuilding a SQLite table in a migration must not fire ON DELETE actions."""
    url = f"sqlite:///{tmp_path / 'upgrade.sqlite3'}"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="3a232d444262")  # comments exist, moderators do not yet
        db.session.execute(
            text(
                "INSERT INTO articles (id, slug, title, summary, intro, closing, published_on,"
                " updated_on, created_at, modified_at) VALUES (1, 'a', 'A', 'S', '', '',"
                " '2026-01-01', '2026-01-01', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        for cid, parent in ((1, None), (2, 1), (3, 2)):
            db.session.execute(
                text(
                    "INSERT INTO comments (id, article_id, parent_id, root_id, status,"
                    " author_name, author_email, email_digest, body, created_at, reason)"
                    " VALUES (:id, 1, :parent, :root, 'approved', 'n', 'e@example.com', 'd',"
                    " 'b', '2026-01-01 00:00:00', '')"
                ),
                {"id": cid, "parent": parent, "root": 1 if parent else None},
            )
        db.session.commit()
        upgrade()
        rows = db.session.execute(text("SELECT id, parent_id, root_id FROM comments ORDER BY id"))
        assert rows.all() == [(1, None, None), (2, 1, 1), (3, 2, 1)]
        # The encryption migration encrypted the stored addresses, readably.
        raw = db.session.execute(text("SELECT author_email FROM comments")).scalars().all()
        assert all(value.startswith("gAAAAA") for value in raw)
        from app.models import Comment

        assert {c.author_email for c in db.session.scalars(db.select(Comment))} == {"e@example.com"}
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        db.session.remove()
        db.engine.dispose()
