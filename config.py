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


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def _env_words(name: str) -> tuple[str, ...]:
    """A comma- or newline-separated list of words or phrases."""
    raw = os.environ.get(name, "")
    return tuple(word.strip() for word in raw.replace("\n", ",").split(",") if word.strip())


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

    # How many reverse proxies (nginx, a load balancer) stand in front of the app.  Their
    # X-Forwarded-For / -Proto / -Host headers are trusted only when this is set; with 0,
    # a client cannot fake its address to dodge the rate limits.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    # Rendered pages each worker keeps for anonymous readers (0 turns the cache off).
    PAGE_CACHE_SIZE = _env_int("PAGE_CACHE_SIZE", 256)
    # Requests larger than this are refused with a friendly 413.
    MAX_CONTENT_LENGTH = 64 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = _env_int("WTF_CSRF_TIME_LIMIT", 6 * 3600)

    # --- Comments (defaults after WordPress) ---
    # Which new comments wait for a moderator: "first" (until a commenter has one
    # approved comment under the same name and email), "all" or "none".
    COMMENTS_MODERATION = os.environ.get("COMMENTS_MODERATION", "first")
    # With "first": publish a returning commenter at once only when they have confirmed
    # their email address.  Names and emails are typed, not proven: anyone can use a
    # regular's.  Until address confirmation exists, on means every comment is held.
    COMMENTS_APPROVE_VERIFIED_ONLY = _env_bool("COMMENTS_APPROVE_VERIFIED_ONLY", False)
    # A comment with this many links or more is held (0 turns the check off).
    COMMENTS_MAX_LINKS = _env_int("COMMENTS_MAX_LINKS", 2)
    # Words or phrases that hold a comment for moderation (name, email, website, text).
    COMMENTS_MODERATION_WORDS = _env_words("COMMENTS_MODERATION_WORDS")
    # Words or phrases that send a comment straight to spam.
    COMMENTS_DISALLOWED_WORDS = _env_words("COMMENTS_DISALLOWED_WORDS")
    # A comment sent sooner than this after the form was shown is held (bots are fast).
    COMMENTS_MIN_SECONDS = _env_float("COMMENTS_MIN_SECONDS", 3.0)
    # A form shown longer ago than this is refused (text kept, a fresh form given), so an
    # old stamp cannot be replayed for ever to pass the minimum-time check.
    COMMENTS_FORM_MAX_AGE_SECONDS = _env_float("COMMENTS_FORM_MAX_AGE_SECONDS", 3600.0)
    # One comment per this many seconds per IP address and per email (0: no limit).
    COMMENTS_FLOOD_SECONDS = _env_float("COMMENTS_FLOOD_SECONDS", 15.0)
    # Replies nest this deep; deeper replies show "in reply to <name>" at the last level.
    COMMENTS_THREAD_DEPTH = _env_int("COMMENTS_THREAD_DEPTH", 5)
    # Top-level threads per page of comments.
    COMMENTS_PER_PAGE = _env_int("COMMENTS_PER_PAGE", 50)
    # Ask DNS whether an email's domain accepts mail (off: syntax only).
    COMMENTS_CHECK_DELIVERABILITY = _env_bool("COMMENTS_CHECK_DELIVERABILITY", False)
    # How long the "save my name, email and website" cookie lasts.
    COMMENTS_REMEMBER_DAYS = _env_int("COMMENTS_REMEMBER_DAYS", 365)
    # --- Moderation ---
    # Comments per page of the moderation queue.
    MODERATION_PER_PAGE = _env_int("MODERATION_PER_PAGE", 20)
    # Seconds each worker may reuse the queue's tab counts (counting 100,000 comments
    # takes milliseconds); a moderator's own actions refresh them at once.
    MODERATION_COUNTS_SECONDS = _env_float("MODERATION_COUNTS_SECONDS", 5.0)
    # Failed logins allowed within the window below: per known device (a browser with a
    # device cookie for the account), and for unknown devices per account and per client
    # network (an IPv4 address, an IPv6 /64).
    LOGIN_MAX_FAILURES = _env_int("LOGIN_MAX_FAILURES", 5)
    # Seconds a failed login counts against those limits.
    LOGIN_FAILURE_WINDOW_SECONDS = _env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
    # How long a browser stays a known device for an account after logging in to it.
    LOGIN_DEVICE_COOKIE_DAYS = _env_int("LOGIN_DEVICE_COOKIE_DAYS", 365)
    # How long the approve / spam / trash links in a moderation email stay valid.
    EMAIL_ACTION_DAYS = _env_int("EMAIL_ACTION_DAYS", 7)

    # --- Mail (moderation notifications); no MAIL_SERVER: notifications are logged ---
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)  # STARTTLS after connecting
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)  # TLS from the start (port 465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Relief <relief@localhost>")
    MAIL_TIMEOUT_SECONDS = _env_float("MAIL_TIMEOUT_SECONDS", 10.0)

    # Key for the keyed email hash (lookups, avatars); derived from SECRET_KEY when unset.
    EMAIL_HASH_KEY = os.environ.get("EMAIL_HASH_KEY", "")
    # Fernet keys that encrypt commenter emails at rest, comma-separated, newest first
    # (`flask keys generate`).  Keep them out of the database and its backups.  Unset in
    # development: a key derived from SECRET_KEY.  Required in production.
    EMAIL_ENCRYPTION_KEYS = os.environ.get("EMAIL_ENCRYPTION_KEYS", "")
    # Days after which `flask comments purge-ips` anonymises a comment's IP address.
    IP_RETENTION_DAYS = _env_int("IP_RETENTION_DAYS", 30)


class DevelopmentConfig(Config):
    """Local development: templates reload; run `flask --debug run` for the debugger."""

    TEMPLATES_AUTO_RELOAD = True


class TestConfig(Config):
    """The test suite: a database URL from TEST_DATABASE_URL or a per-run SQLite file."""

    TESTING = True
    SECRET_KEY = "relief-test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    # Tests post many comments from one address in a row; the flood tests turn it on.
    COMMENTS_FLOOD_SECONDS = 0.0
    # Tests look at the counts right after changing comments directly.
    MODERATION_COUNTS_SECONDS = 0.0
    # email-validator accepts test-only domains such as example.test.
    EMAIL_TEST_ENVIRONMENT = True


class ProductionConfig(Config):
    """Production: secure cookies, and no start without a real secret key."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)

    @classmethod
    def validate(cls, settings: dict) -> None:
        """Refuse to run with the public development secret or without encryption keys.

        :raise RuntimeError: when SECRET_KEY is missing, short, or the development key, or
            when EMAIL_ENCRYPTION_KEYS is not set.
        """
        secret = settings.get("SECRET_KEY") or ""
        if secret == DEV_SECRET_KEY or len(secret) < 32:
            raise RuntimeError(
                "ProductionConfig needs SECRET_KEY set in the environment to a random value "
                "of at least 32 characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
        if not settings.get("EMAIL_ENCRYPTION_KEYS"):
            raise RuntimeError(
                "ProductionConfig needs EMAIL_ENCRYPTION_KEYS (commenter emails are encrypted "
                "at rest); make one with `flask --app app keys generate`."
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
