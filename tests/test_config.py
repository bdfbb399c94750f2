"""Configuration safety and the database settings every connection gets."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import create_app
from app.crypto import generate_key
from app.extensions import db
from config import DEV_SECRET_KEY, ProductionConfig, TestConfig


@pytest.mark.parametrize("secret", [DEV_SECRET_KEY, "", "short"])
def test_production_refuses_an_unsafe_secret(secret, tmp_path):
    class Prod(ProductionConfig):
        SECRET_KEY = secret
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite3'}"

    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Prod)


def test_production_refuses_to_start_without_encryption_keys(tmp_path):
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 48
        EMAIL_ENCRYPTION_KEYS = ""
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite3'}"

    with pytest.raises(RuntimeError, match="EMAIL_ENCRYPTION_KEYS"):
        create_app(Prod)


def test_production_starts_with_a_real_secret(tmp_path):
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 48
        EMAIL_ENCRYPTION_KEYS = generate_key()
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite3'}"

    app = create_app(Prod)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_sqlite_file_runs_with_foreign_keys_and_wal(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with app.app_context():
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10_000
        db.session.remove()
        db.engine.dispose()


def test_sqlite_folder_is_created_for_a_fresh_checkout(tmp_path):
    target = tmp_path / "instance" / "nested" / "relief.sqlite3"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}")
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert target.exists()
