"""Configuration classes, read from the environment with safe development defaults.

Pick one with ``RELIEF_CONFIG`` (``development``, ``production``, ``testing``).  The
``flask`` command (and so `make run`) defaults to development; the server started with
gunicorn.conf.py (`make serve`) defaults to production.  Every setting that an operator
may want to change is read from an environment variable of the same name.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"

# The development secret is public (it is in this file): ProductionConfig refuses it.
DEV_SECRET_KEY = "relief-development-secret-do-not-use-in-production"
# Where `make run` serves: development's links point here, never at the request's Host.
DEV_SITE_URL = "http://127.0.0.1:5000"
# The contact address development and tests show: the .example domain never receives mail.
DEV_CONTACT_EMAIL = "contact@relief.example"
# An address for a mailto: link: nothing a mail client could read as more headers.
CONTACT_EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


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


def site_origin_of(value: str) -> str:
    """Return SITE_URL as a bare origin: ``scheme://host[:port]``, lower case, no slash.

    :raise ValueError: saying what is wrong, unless ``value`` is an http(s) URL with a
        host name (or IP address) and nothing after it but an optional ``/``.
    """
    value = value.strip()
    if not value:
        raise ValueError("it is not set")
    if not value.isascii() or not value.isprintable() or " " in value or "\\" in value:
        raise ValueError("it contains spaces, backslashes, control or non-ASCII characters")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValueError("its host or port is malformed") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError("it must start with https:// (or http://)")
    host = parts.hostname or ""
    if not re.fullmatch(r"[a-z0-9.-]+|[0-9a-f:.]*:[0-9a-f:.]*", host) or "@" in parts.netloc:
        raise ValueError("it needs a host name, and no user name or password")
    if port == 0 or parts.netloc.endswith(":"):
        raise ValueError("its port is not a number from 1 to 65535")
    if parts.path not in ("", "/") or "?" in value or "#" in value:
        raise ValueError("it must be an origin only, with no path, query or fragment")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


SQLITE_SYNCHRONOUS_MODES = ("FULL", "NORMAL")


def sqlite_synchronous_of(value: object) -> str:
    """Return SQLITE_SYNCHRONOUS as SQLite spells it (FULL or NORMAL, any case).

    :raise RuntimeError: for anything else (OFF, EXTRA, a number, a typo), saying what
        each allowed value promises.
    """
    mode = value.strip().upper() if isinstance(value, str) else ""
    if mode not in SQLITE_SYNCHRONOUS_MODES:
        raise RuntimeError(
            f"SQLITE_SYNCHRONOUS must be FULL (an acknowledged comment survives a power "
            f"cut; the default) or NORMAL (it survives a crash of the app, but an OS crash "
            f"or power cut may lose the last ones), not {value!r}."
        )
    return mode


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
    # What an acknowledged write survives on SQLite (README, "Durability"): FULL syncs
    # the log at every commit, so a comment answered with "awaiting moderation" survives
    # a power cut; NORMAL syncs only at checkpoints, so a crash of the process loses
    # nothing, but an OS crash or power cut may roll back the last commits.  FULL or
    # NORMAL; anything else refuses to start.
    SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "FULL")
    # Each pooled SQLite connection refreshes the planner's statistics (an approximate
    # ANALYZE) when first returned to the pool and then at most this often; 0: never.
    SQLITE_ANALYZE_SECONDS = _env_float("SQLITE_ANALYZE_SECONDS", 3600.0)

    # Folder of Markdown articles that `flask content load` reads.
    CONTENT_DIR = Path(os.environ.get("CONTENT_DIR", BASE_DIR / "content"))
    # Folder of the plain pages (about.md, editorial-policy.md, privacy.md, contact.md),
    # read while serving: an edited page shows at once.
    PAGES_DIR = Path(os.environ.get("PAGES_DIR") or CONTENT_DIR / "pages")
    # "When to get help": the one threshold every article and remedy page shows, as a
    # short box near the top and in full on the remedy the article names. Read while
    # serving, like the plain pages.
    GET_HELP_FILE = Path(os.environ.get("GET_HELP_FILE") or CONTENT_DIR / "get-help.yml")
    # The address the Contact page shows, for questions, corrections and requests for a
    # copy or the erasure of one's comments.  Empty: the page says there is none yet.
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "").strip()
    SITE_NAME = os.environ.get("SITE_NAME", "Relief")
    # The public origin, e.g. https://relief.example.org: every absolute URL (moderators'
    # email links, canonical links, og:url, JSON-LD, the sitemap, robots.txt) is built
    # from it, never from the request's Host, which any client can set.  Required in
    # production; development defaults to DEV_SITE_URL.
    SITE_URL = os.environ.get("SITE_URL", "")

    # How many reverse proxies (nginx, a load balancer) stand in front of the app.  Their
    # X-Forwarded-For / -Proto headers are trusted only when this is set; with 0, a client
    # cannot fake its address to dodge the rate limits.
    TRUSTED_PROXY_COUNT = _env_int("TRUSTED_PROXY_COUNT", 0)
    # Also take the Host from those proxies' X-Forwarded-Host.  Off: no URL is built from
    # the Host (they come from SITE_URL), so the only use left is Flask-WTF's HTTPS
    # Referer check, and the documented nginx setup passes the Host on unchanged.  Turn
    # it on only behind a proxy that rewrites Host and sets X-Forwarded-Host itself.
    TRUSTED_PROXY_HOST = _env_bool("TRUSTED_PROXY_HOST", False)
    # Rendered pages each worker keeps for anonymous readers (0 turns the cache off).
    PAGE_CACHE_SIZE = _env_int("PAGE_CACHE_SIZE", 256)
    # Seconds a shared cache (nginx's proxy_cache, a CDN) may answer with an anonymous
    # reader's page before asking again (its s-maxage; browsers always ask again, and
    # get a 304 while the page is unchanged).  0: caches revalidate every time.
    PAGE_SHARED_MAX_AGE_SECONDS = _env_int("PAGE_SHARED_MAX_AGE_SECONDS", 10)
    # The shared page's comment form carries one stamp per this many seconds: each
    # worker renders a page again when its stamp is this old, so a reader's form is at
    # most this (plus PAGE_SHARED_MAX_AGE_SECONDS) older than when it was shown.
    PAGE_STAMP_REFRESH_SECONDS = _env_int("PAGE_STAMP_REFRESH_SECONDS", 60)
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
    # With "first": publish a returning commenter at once only when their address has
    # confirmed reply notifications (the one proof of an address the site has).  Names
    # and emails are typed, not proven: anyone can still type a confirmed regular's.
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
    # One comment per this many seconds per browser and per client network (an IPv4
    # address or an IPv6 /64); not per email, which would tell strangers (0: no limit).
    COMMENTS_FLOOD_SECONDS = _env_float("COMMENTS_FLOOD_SECONDS", 15.0)
    # Replies nest this deep; deeper replies show "in reply to <name>" at the last level.
    COMMENTS_THREAD_DEPTH = _env_int("COMMENTS_THREAD_DEPTH", 5)
    # Top-level threads per page of comments.
    COMMENTS_PER_PAGE = _env_int("COMMENTS_PER_PAGE", 50)
    # Ask DNS whether an email's domain accepts mail (off: syntax only).
    COMMENTS_CHECK_DELIVERABILITY = _env_bool("COMMENTS_CHECK_DELIVERABILITY", False)
    # How long the "save my name, email and website" cookie lasts.
    COMMENTS_REMEMBER_DAYS = _env_int("COMMENTS_REMEMBER_DAYS", 365)
    # Days within which a person usually checks a held comment (told to its author).
    COMMENTS_REVIEW_DAYS = _env_int("COMMENTS_REVIEW_DAYS", 2)
    # Minutes after sending during which the browser that sent a comment may edit or
    # delete it (0: never).
    COMMENTS_EDIT_MINUTES = _env_int("COMMENTS_EDIT_MINUTES", 15)
    # Reports from this many readers, each from a different client network, hold a
    # published comment back for a moderator at once (0: reports never hold a comment).
    COMMENTS_REPORTS_TO_HOLD = _env_int("COMMENTS_REPORTS_TO_HOLD", 3)
    # Reports one client network may send in an hour, over all comments (0: no limit).
    COMMENTS_REPORTS_PER_HOUR = _env_int("COMMENTS_REPORTS_PER_HOUR", 10)
    # Approved comments in each Atom feed (a page's, and the whole site's), newest first.
    COMMENTS_FEED_SIZE = _env_int("COMMENTS_FEED_SIZE", 50)
    # --- Red flags and closing pages (admins may change these, and the mode, link,
    # word, timing and flood settings above, on /moderation/settings: what they save
    # wins; these values are the defaults, and "reset to default" returns to them) ---
    # Phrases that may mean an emergency or a reader at risk (the symptoms of
    # content/get-help.yml's "When to get help", pregnancy, overdose, self-harm): a
    # comment with any of them is always held for a careful answer, whoever wrote it.
    # Matched as whole words, ignoring case; ' and ’ are the same apostrophe.
    COMMENTS_RED_FLAGS = _env_words("COMMENTS_RED_FLAGS") or (
        # Emergency (cauda equina and more): numbness, bladder or bowels, both legs...
        "numb",
        "numbness",
        "bladder",
        "bowel",
        "bowels",
        "incontinence",
        "incontinent",
        "wet myself",
        "can't pee",
        "cannot pee",
        "cant pee",
        "unable to pee",
        "can't urinate",
        "cannot urinate",
        "both legs",
        "legs gave way",
        "legs give way",
        "chest pain",
        "chest pains",
        "fell",
        "fallen",
        "a fall",
        "accident",
        "car crash",
        # Urgent: infection, weight loss, a lump, cancer, weak bones.
        "high temperature",
        "fever",
        "feverish",
        "hot and shivery",
        "weight loss",
        "lost weight",
        "losing weight",
        "lump",
        "swelling",
        "swollen",
        "cancer",
        "tumour",
        "tumor",
        "osteoporosis",
        "weak bones",
        "brittle bones",
        # Pregnancy: what is safe changes.
        "pregnant",
        "pregnancy",
        "weeks pregnant",
        # Overdose.
        "overdose",
        "overdosed",
        "took too many",
        "taken too many",
        "too many tablets",
        "too many pills",
        "too many painkillers",
        # Self-harm and suicide.
        "suicide",
        "suicidal",
        "kill myself",
        "killing myself",
        "end my life",
        "end it all",
        "self-harm",
        "self harm",
        "hurt myself",
        "harm myself",
        "want to die",
        "wanna die",
    )
    # Pages stop taking new comments this many days after their article's publication
    # date (its comments stay visible); a moderator can still reopen one (0: never).
    COMMENTS_CLOSE_AFTER_DAYS = _env_int("COMMENTS_CLOSE_AFTER_DAYS", 0)
    # --- Moderation ---
    # Comments per page of the moderation queue.
    MODERATION_PER_PAGE = _env_int("MODERATION_PER_PAGE", 20)
    # Seconds each worker may reuse the queue's tab counts (counting 100,000 comments
    # takes milliseconds); a moderator's own actions refresh them at once.
    MODERATION_COUNTS_SECONDS = _env_float("MODERATION_COUNTS_SECONDS", 5.0)
    # Queue pages each worker keeps while the database is unchanged (a page is about
    # 75 kB; app.moderation.page_memo says what a kept page is keyed on); 0: none.
    MODERATION_PAGE_MEMO = _env_int("MODERATION_PAGE_MEMO", 32)
    # Minutes during which a moderator's status change (one comment or a bulk action)
    # can be undone from the queue.
    MODERATION_UNDO_MINUTES = _env_int("MODERATION_UNDO_MINUTES", 10)
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
    # The hour (0-23, UTC) from which each day's daily digest for moderators goes out.
    MODERATION_DIGEST_HOUR = _env_int("MODERATION_DIGEST_HOUR", 8)
    # Held comments listed in one digest, each with its own action links; the rest are
    # counted, with a link to the queue.
    MODERATION_DIGEST_MAX = _env_int("MODERATION_DIGEST_MAX", 50)

    # --- Mail (moderators' and commenters' emails); no MAIL_SERVER: emails wait, logged ---
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)  # STARTTLS after connecting
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)  # TLS from the start (port 465)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Relief <relief@localhost>")
    MAIL_TIMEOUT_SECONDS = _env_float("MAIL_TIMEOUT_SECONDS", 10.0)
    # Every email waits in the outbox table until sent.  Each serving process looks for
    # due mail this often (0: only after a change that queues mail, and with
    # `flask mail send-pending`), so mail queued before a crash or restart goes out.
    MAIL_DRAIN_SECONDS = _env_float("MAIL_DRAIN_SECONDS", 60.0)
    # A failed email is tried again after this many seconds, then twice as long each
    # time (at most an hour), and given up on after MAIL_MAX_ATTEMPTS tries (~8 hours).
    MAIL_RETRY_SECONDS = _env_float("MAIL_RETRY_SECONDS", 60.0)
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 14)
    # Days the outbox keeps a row (a sent one holds only the address's keyed hash, its
    # subject and times, for the hourly cap and the operator; never its text).
    MAIL_KEEP_DAYS = _env_int("MAIL_KEEP_DAYS", 7)

    # --- Reply notifications (double opt-in) and "Manage your comments" ---
    # Notification emails to one address in any hour; the rest wait for the next hour
    # and go together in one email (0: no limit).
    NOTIFY_MAX_PER_HOUR = _env_int("NOTIFY_MAX_PER_HOUR", 5)
    # How long the link in a "please confirm" email works.
    NOTIFY_CONFIRM_DAYS = _env_int("NOTIFY_CONFIRM_DAYS", 7)
    # At most one "please confirm" email per address in this many hours, however often
    # someone ticks the box with it (an unsubscribed address may get one fresh request).
    NOTIFY_CONFIRM_RESEND_HOURS = _env_int("NOTIFY_CONFIRM_RESEND_HOURS", 24)
    # How long a "manage your comments" link works, and how long the visit it opens
    # lasts once used (it works once).
    MANAGE_LINK_MINUTES = _env_int("MANAGE_LINK_MINUTES", 60)
    # Requests for such a link in an hour: per client network (then refused, 429) and
    # per address (then quietly not sent: an answer must never tell whose address it is).
    MANAGE_MAX_PER_NETWORK = _env_int("MANAGE_MAX_PER_NETWORK", 5)
    MANAGE_MAX_PER_ADDRESS = _env_int("MANAGE_MAX_PER_ADDRESS", 3)

    # Key for the keyed email hash (lookups, avatars); derived from SECRET_KEY when unset.
    EMAIL_HASH_KEY = os.environ.get("EMAIL_HASH_KEY", "")
    # Fernet keys that encrypt commenter emails at rest, comma-separated, newest first
    # (`flask keys generate`).  Keep them out of the database and its backups.  Unset in
    # development: a key derived from SECRET_KEY.  Required in production.
    EMAIL_ENCRYPTION_KEYS = os.environ.get("EMAIL_ENCRYPTION_KEYS", "")
    # Days after which `flask comments purge-ips` anonymises a comment's IP address.
    IP_RETENTION_DAYS = _env_int("IP_RETENTION_DAYS", 30)

    @classmethod
    def validate(cls, settings: dict) -> None:
        """Check what every environment needs, and keep SITE_URL as a bare origin.

        :raise RuntimeError: when SITE_URL is missing or not an http(s) origin, or when
            CONTACT_EMAIL is set to something that is not a plain email address, when
            the shared page's stamp or lifetime would leave a reader's form too little
            of COMMENTS_FORM_MAX_AGE_SECONDS, when MODERATION_DIGEST_HOUR is not an
            hour of the day, or when SQLITE_SYNCHRONOUS is neither FULL nor NORMAL.
        """
        contact = settings.get("CONTACT_EMAIL") or ""
        if contact and not CONTACT_EMAIL_PATTERN.fullmatch(contact):
            raise RuntimeError(
                f"CONTACT_EMAIL must be a plain email address such as team@example.org "
                f"(the Contact page links to it), not {contact!r}."
            )
        try:
            settings["SITE_URL"] = site_origin_of(settings.get("SITE_URL") or "")
        except ValueError as exc:
            raise RuntimeError(
                f"SITE_URL must be the site's public origin, such as "
                f"https://relief.example.org, but {exc}: every link in moderators' emails, "
                f"canonical links and the sitemap is built from it."
            ) from None
        refresh = settings.get("PAGE_STAMP_REFRESH_SECONDS", 60)
        shared = settings.get("PAGE_SHARED_MAX_AGE_SECONDS", 10)
        form_age = settings.get("COMMENTS_FORM_MAX_AGE_SECONDS", 3600.0)
        if refresh < 1 or shared < 0 or refresh + shared > form_age / 4:
            raise RuntimeError(
                f"PAGE_STAMP_REFRESH_SECONDS ({refresh}) must be at least 1 and, with "
                f"PAGE_SHARED_MAX_AGE_SECONDS ({shared}, not negative), at most a quarter of "
                f"COMMENTS_FORM_MAX_AGE_SECONDS ({form_age}): a shared page's form must "
                f"leave its reader most of the time the form may take."
            )
        hour = settings.get("MODERATION_DIGEST_HOUR", 8)
        if not 0 <= hour <= 23:
            raise RuntimeError(
                f"MODERATION_DIGEST_HOUR must be an hour from 0 to 23 (UTC), not {hour}."
            )
        settings["SQLITE_SYNCHRONOUS"] = sqlite_synchronous_of(
            settings.get("SQLITE_SYNCHRONOUS", "FULL")
        )


class DevelopmentConfig(Config):
    """Local development: templates reload; run `flask --debug run` for the debugger."""

    TEMPLATES_AUTO_RELOAD = True
    SITE_URL = os.environ.get("SITE_URL") or DEV_SITE_URL
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "").strip() or DEV_CONTACT_EMAIL


class TestConfig(Config):
    """The test suite: a database URL from TEST_DATABASE_URL or a per-run SQLite file."""

    TESTING = True
    SECRET_KEY = "relief-test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # The origin of Werkzeug's test client, whatever the environment says.
    SITE_URL = "http://localhost"
    CONTACT_EMAIL = DEV_CONTACT_EMAIL
    WTF_CSRF_ENABLED = False
    # Tests post many comments from one address in a row; the flood tests turn it on.
    COMMENTS_FLOOD_SECONDS = 0.0
    # No periodic outbox thread per test app; the restart test turns it on.
    MAIL_DRAIN_SECONDS = 0.0
    # Tests look at the counts right after changing comments directly.
    MODERATION_COUNTS_SECONDS = 0.0
    # Long stamp eras: the requests of one test share one (tests/conftest.py's
    # steady_era makes sure of it where a test compares pages).
    PAGE_STAMP_REFRESH_SECONDS = 600
    # email-validator accepts test-only domains such as example.test.
    EMAIL_TEST_ENVIRONMENT = True


class ProductionConfig(Config):
    """Production: secure cookies, and no start without a real secret key and SITE_URL."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)

    @classmethod
    def validate(cls, settings: dict) -> None:
        """Refuse to run with the public development secret, without encryption keys or
        without the site's public origin.

        :raise RuntimeError: when SECRET_KEY is missing, short, or the development key,
            when EMAIL_ENCRYPTION_KEYS is not set, or when SITE_URL is missing or invalid.
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
        if not (settings.get("SITE_URL") or "").strip():
            raise RuntimeError(
                "ProductionConfig needs SITE_URL, the site's public origin such as "
                "https://relief.example.org: links in moderators' emails, canonical links "
                "and the sitemap are built from it, never from the request's Host."
            )
        super().validate(settings)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestConfig,
}


def config_from_env() -> type[Config]:
    """Return the config class named by RELIEF_CONFIG (default: development; the
    gunicorn.conf.py server sets production when RELIEF_CONFIG is unset)."""
    name = os.environ.get("RELIEF_CONFIG", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"RELIEF_CONFIG={name!r} is not one of {', '.join(sorted(CONFIGS))}"
        ) from None
