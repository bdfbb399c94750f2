"""Shared fixtures: an app on a real database, a client, a CLI runner, content builders.

The database is a fresh SQLite file per test, or the PostgreSQL database named by
``TEST_DATABASE_URL`` (emptied before each test).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app import create_app
from app.content.importer import ParsedArticle, ParsedItem, ParsedRemedy
from app.content.loading import upsert_article
from app.db import write_transaction
from app.extensions import db
from app.models import Article
from config import TestConfig

ROOT = Path(__file__).resolve().parent.parent
# A byte-for-byte copy of the client's original (../shared/seed/000_43ff664cd15a8edc.txt).
SEED_FILE = ROOT / "tests" / "fixtures" / "seed-article.txt"


def database_url(tmp_path: Path) -> str:
    """Return TEST_DATABASE_URL, or a new SQLite file under ``tmp_path``."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@contextmanager
def app_on_fresh_database(config_class=TestConfig, with_article: bool = False, **overrides):
    """Yield an app on an empty database with the full schema (and the small test
    article), dropping it all afterwards."""
    app = create_app(config_class, **overrides)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if with_article:
            upsert_article(make_article())
    yield app
    from app import outbox

    outbox.shutdown(app)  # no mail job may touch the database while it is dropped
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    """An app on an empty database with the full schema."""
    with app_on_fresh_database(SQLALCHEMY_DATABASE_URI=database_url(tmp_path)) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def make_article(
    slug: str = "back-spasms", remedies: int = 3, title: str = "Easing back spasms"
) -> ParsedArticle:
    """Return a small parsed article with ``remedies`` sections; the second has items."""
    sections = []
    for n in range(1, remedies + 1):
        items = [ParsedItem("Cat-cow", "Arch, then round your back.")] if n == 2 else []
        sections.append(
            ParsedRemedy(
                number=n,
                title=f"Remedy number {n}",
                slug=f"remedy-{n}",
                body=[f"Body of remedy {n}. More words."],
                items=items,
                closing=[f"After the list of remedy {n}."] if items else [],
            )
        )
    return ParsedArticle(
        title=title,
        slug=slug,
        summary=f"Summary of {title}.",
        intro=["First intro paragraph.", "Second intro paragraph."],
        remedies=sections,
        closing=["Closing words."],
        published_on=date(2026, 1, 2),
        updated_on=date(2026, 2, 3),
        reviewed_on=date(2026, 3, 4),
    )


@pytest.fixture
def article(app) -> ParsedArticle:
    """Store a three-remedy article at /back-spasms/ and return what was stored."""
    parsed = make_article()
    with app.app_context():
        upsert_article(parsed)
    return parsed


@pytest.fixture
def stamp(app):
    """Return a signed form stamp from ``seconds`` ago (a person takes a while to type)."""
    from app.comments.stamps import form_stamp

    def make(seconds: float = 60.0) -> str:
        with app.test_request_context():
            return form_stamp(time.time() - seconds)

    return make


@pytest.fixture
def steady_era(app):
    """Start the test at least 10 s before the shared page's stamp era ends
    (PAGE_STAMP_REFRESH_SECONDS, 600 s in TestConfig), waiting for the next era when
    it is about to: a test that compares two answers must not see the page rendered
    again, with a new stamp, between them."""
    period = app.config["PAGE_STAMP_REFRESH_SECONDS"]
    left = period - time.time() % period
    if left < 10:
        time.sleep(left + 0.01)


@pytest.fixture
def comment_form(stamp):
    """Return the form data a browser sends for a comment, with overrides."""

    def make(**fields) -> dict:
        data = {
            "comment": "Heat helped me a lot.",
            "name": "Ada Reader",
            "email": "ada@example.com",
            "website": "",
            "parent_id": "",
            "rendered_at": stamp(),
        }
        data.update(fields)
        return {key: value for key, value in data.items() if value is not None}

    return make


@pytest.fixture
def add_comment(app):
    """Store a comment directly, for tests about what readers see."""
    from datetime import UTC, datetime, timedelta

    from app.comments.services import build_comment, touch_pages
    from app.models import Comment, CommentStatus
    from app.shared.pages import PageKey

    counter = iter(range(1, 1_000_000))

    def make(
        article_slug: str = "back-spasms",
        remedy_slug: str | None = None,
        status: CommentStatus = CommentStatus.APPROVED,
        parent: int | None = None,
        name: str = "Reader",
        email: str = "reader@example.com",
        body: str | None = None,
        website: str | None = None,
        red_flags: str = "",
    ) -> int:
        n = next(counter)
        # One write transaction from the start, as the app's own writes: a deferred one
        # that reads first fails at once on SQLite if the mail thread writes meanwhile.
        with app.app_context(), write_transaction():
            article = db.session.scalar(select(Article).where(Article.slug == article_slug))
            remedy_id = None
            if remedy_slug:
                remedy_id = next(r.id for r in article.remedies if r.slug == remedy_slug)
            parent_row = db.session.get(Comment, parent) if parent else None
            created = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
            comment = build_comment(
                PageKey(article.id, remedy_id),
                parent=parent_row,
                status=status,
                reason="test",
                name=name,
                email=email,
                website=website,
                body=body or f"Comment body {n}",
                now=created,
            )
            comment.red_flags = red_flags  # as the red-flag check would have found
            db.session.add(comment)
            db.session.flush()
            comment_id = comment.id
            touch_pages([PageKey(article.id, remedy_id)])
        return comment_id

    return make


MODERATOR_PASSWORD = "correct horse battery staple"


def about_comments():
    """A WHERE clause for the log lines about comments: not those about the team or the
    settings (adding the test's moderator is itself a line in the log)."""
    from app.models import ModerationAction, ModerationEvent

    team = (
        ModerationAction.MODERATOR_ADD,
        ModerationAction.MODERATOR_ROLE,
        ModerationAction.MODERATOR_REMOVE,
        ModerationAction.SETTINGS,
    )
    return ModerationEvent.action.not_in(team)


class ModeratorHelper:
    """Log a test client in and out as a moderator."""

    def __init__(self, app, client, email: str):
        self.app, self.client, self.email = app, client, email

    def login(self, password: str = MODERATOR_PASSWORD, client=None):
        client = client or self.client
        return client.post("/auth/login", data={"email": self.email, "password": password})

    def logout(self, client=None):
        return (client or self.client).post("/auth/logout")

    @property
    def record(self):
        from app.models import Moderator

        with self.app.app_context():
            return db.session.scalar(select(Moderator).where(Moderator.email == self.email))


@pytest.fixture
def moderator(app, client):
    """A moderator account (not logged in): ``moderator.login()``."""
    from app.auth.services import add_moderator

    with app.app_context():
        add_moderator("mod@example.com", MODERATOR_PASSWORD, "Relief team")
    return ModeratorHelper(app, client, "mod@example.com")


@pytest.fixture
def mod(client, moderator, article):
    """The article loaded and the test client logged in as the moderator."""
    moderator.login()
    return moderator


class CollectingHandler:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-RcptTo"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted"

    def wait_for(self, count: int, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.messages) >= count, f"{len(self.messages)} of {count} messages arrived"
        return self.messages


@contextmanager
def serving(wsgi_app, host: str = "127.0.0.1"):
    """Serve ``wsgi_app`` with Werkzeug's threaded server on a free port of ``host``;
    yield its URL, and stop it afterwards."""
    import threading

    from werkzeug.serving import make_server

    server = make_server(host, 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def live_server(app):
    """Serve the test app (CSRF on, as in production) on a free port; yield its URL."""
    app.config["WTF_CSRF_ENABLED"] = True
    with serving(app) as url:
        yield url


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that the app is configured to use."""
    from aiosmtpd.controller import Controller

    handler = CollectingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield handler
    from app import outbox

    # Mail jobs still talking to the server would find it gone mid-conversation.
    outbox.shutdown(app)
    controller.stop()


# Hypothesis: random examples on a developer's machine (failures are replayed from
# .hypothesis/), the same examples on every CI run so that a landing is reproducible.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    _hypothesis_settings.load_profile("ci")
