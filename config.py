"""Configuration classes, read from the environment with safe development defaults.

Pick one with ``RELIEF_CONFIG`` (``development``, ``production``, ``testing``); the
default is development.  Every setting that an operator may want to change is read
from an environment variable of the same name.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# The development secret is public (it is in this file): ProductionConfig refuses it.
DEV_SECRET_KEY = "relief-development-secret-do-not-use-in-production"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
    # Any SQLAlchemy URL; SQLite file under instance/ unless DATABASE_URL says otherwise.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
        f"sqlite:///{INSTANCE_DIR / 'relief.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    # Milliseconds a SQLite writer waits for the lock before giving up.
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 10_000)

    # Folder of Markdown articles that `flask content load` reads.
    CONTENT_DIR = Path(os.environ.get("CONTENT_DIR", BASE_DIR / "content"))
    SITE_NAME = os.environ.get("SITE_NAME", "Relief")
    # Absolute origin for canonical links and the sitemap, e.g. https://relief.example.org;
    # empty means "the host the request came to".
    SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

    # Requests larger than this are refused with a friendly 413.
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = _env_int("WTF_CSRF_TIME_LIMIT", 6 * 3600)


class DevelopmentConfig(Config):
    """Local development: templates reload; run `flask --debug run` for the debugger."""

    TEMPLATES_AUTO_RELOAD = True


class TestConfig(Config):
    """The test suite: a database URL from TEST_DATABASE_URL or a per-run SQLite file."""

    TESTING = True
    SECRET_KEY = "relief-test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False


class ProductionConfig(Config):
    """Production: secure cookies, and no start without a real secret key."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)

    @classmethod
    def validate(cls, settings: dict) -> None:
        """Refuse to run with the public development secret or an empty one.

        :raise RuntimeError: when SECRET_KEY is missing, short, or the development key.
        """
        secret = settings.get("SECRET_KEY") or ""
        if secret == DEV_SECRET_KEY or len(secret) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY set in the environment to a random value "
                "of at least 32 characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def config_from_env() -> type[Config]:
    """Return the config class named by RELIEF_CONFIG (default: development)."""
    name = os.environ.get("RELIEF_CONFIG", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"RELIEF_CONFIG={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None
