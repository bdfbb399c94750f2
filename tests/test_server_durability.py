"""Nothing lost under a real server: gunicorn (2 workers x 4 threads) on a SQLite file.

These start real processes on 127.0.0.1, bounded in count and time.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from app.crypto import generate_key
from tests.conftest import MODERATOR_PASSWORD, ROOT, free_port

BIN = Path(sys.executable).parent
ARTICLE = "/relieve-back-spasms/"


WARNING_LINE = re.compile(r"^.*\b[A-Za-z]*Warning: .*$", re.MULTILINE)


class Server:
    """gunicorn serving the production config on a fresh SQLite file (or ``database_url``)."""

    def __init__(self, tmp_path: Path, database_url: str | None = None, name: str = "gunicorn"):
        self.db = tmp_path / "relief.sqlite3"
        self.log = tmp_path / f"{name}.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "RELIEF_CONFIG": "production",
            "SECRET_KEY": "durability-" + "s" * 40,
            "EMAIL_ENCRYPTION_KEYS": generate_key(),
            "SITE_URL": self.url,
            "DATABASE_URL": database_url or f"sqlite:///{self.db}",
            "SESSION_COOKIE_SECURE": "false",
            "COMMENTS_FLOOD_SECONDS": "0",
            "SQLITE_SYNCHRONOUS": "FULL",
            "MAIL_SERVER": "",
            # Every warning is printed (once per place), so that the log check below
            # sees what the in-process tests turn into errors.
            "PYTHONWARNINGS": "default",
        }
        self.process: subprocess.Popen | None = None

    def flask(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [str(BIN / "flask"), "--app", "app", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def setup(self) -> None:
        self.flask("db", "upgrade")
        self.flask("content", "load")

    def start(self) -> None:
        with self.log.open("ab") as log:
            self._spawn(log)
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()  # never leave a server running behind a failed test
            raise

    def _spawn(self, log) -> None:
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--workers",
                "2",
                "--threads",
                "4",
                "--worker-class",
                "gthread",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "60",
                "app:create_app()",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/", timeout=10).status_code == 200:
                    return
            except requests.RequestException:  # not listening yet, or a worker booting
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start:\n" + self.log.read_text())

    def kill(self) -> None:
        """kill -9 the master and its workers at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def warnings(self) -> list[str]:
        """The warnings the server logged (SQLAlchemy's, deprecations, ...)."""
        return WARNING_LINE.findall(self.log.read_text(errors="replace"))

    def stop_and_check(self) -> None:
        """Stop the server, then fail if it logged a warning: as in-process tests do."""
        self.stop()
        assert not self.warnings(), "the server logged warnings:\n" + "\n".join(self.warnings())

    def rows(self, query: str) -> list[tuple]:
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return con.execute(query).fetchall()
        finally:
            con.close()


@pytest.fixture
def server(tmp_path):
    server = Server(tmp_path)
    server.setup()
    server.start()
    yield server
    server.stop_and_check()


class Commenter:
    """One browser: its own cookies, and the form stamp of the shared page it viewed
    (the page carries no token and sets no cookie)."""

    def __init__(self, url: str):
        self.url = url
        self.session = requests.Session()
        page = self.session.get(url + ARTICLE, timeout=10).text
        self.stamp = re.search(r'name="rendered_at" value="([^"]+)"', page)[1]

    def post(self, text: str, email: str) -> requests.Response:
        return self.session.post(
            self.url + ARTICLE,
            data={
                "comment": text,
                "name": "Load Tester",
                "email": email,
                "rendered_at": self.stamp,
            },
            headers={"Origin": self.url, "Sec-Fetch-Site": "same-origin"},
            allow_redirects=False,
            timeout=30,
        )


def test_2000_comments_from_32_clients_are_all_kept(server):
    clients, per_client = 32, 63  # 2,016 comments
    acknowledged: list[tuple[int, str]] = []
    statuses: list[int] = []
    lock = threading.Lock()

    def run(n: int) -> None:
        commenter = Commenter(server.url)
        for i in range(per_client):
            text = f"load test comment {n}-{i}"
            response = commenter.post(text, f"c{n}-{i}@example.com")
            with lock:
                statuses.append(response.status_code)
                if response.status_code == 303:
                    cid = int(response.headers["Location"].rsplit("#comment-", 1)[1])
                    acknowledged.append((cid, text))

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(run, range(clients)))

    assert len(statuses) == clients * per_client
    assert set(statuses) == {303}, {s: statuses.count(s) for s in set(statuses)}
    stored = dict(server.rows("SELECT id, body FROM comments"))
    assert len(acknowledged) == clients * per_client
    assert all(stored.get(cid) == text for cid, text in acknowledged)
    log = server.log.read_text()
    assert "database is locked" not in log
    assert "Traceback" not in log


def test_two_moderators_at_once_one_wins_the_other_is_told(server):
    server.flask(
        "moderators", "add", "one@example.com", "--password-stdin", stdin=MODERATOR_PASSWORD + "\n"
    )
    Commenter(server.url).post("please moderate me", "held@example.com")
    [(cid,)] = server.rows("SELECT id FROM comments")

    def moderator_session() -> tuple[requests.Session, str]:
        session = requests.Session()
        page = session.get(server.url + "/auth/login", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
        session.post(
            server.url + "/auth/login",
            data={"email": "one@example.com", "password": MODERATOR_PASSWORD, "csrf_token": token},
            timeout=30,
        )
        queue = session.get(server.url + "/moderation/", timeout=10).text
        return session, re.search(r'name="csrf_token" value="([^"]+)"', queue)[1]

    sessions = [moderator_session() for _ in range(8)]
    barrier = threading.Barrier(len(sessions))

    def act(index: int) -> str:
        session, token = sessions[index]
        action = "approve" if index % 2 else "spam"
        barrier.wait()
        session.post(
            f"{server.url}/moderation/comments/{cid}/{action}",
            data={"expected": "pending", "csrf_token": token, "next": "/moderation/"},
            allow_redirects=False,
            timeout=30,
        )
        return session.get(server.url + "/moderation/", timeout=10).text

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        pages = list(pool.map(act, range(len(sessions))))

    told = sum("Someone changed this comment meanwhile" in page for page in pages)
    won = sum(f"Comment {cid} " in page for page in pages)
    assert (won, told) == (1, len(sessions) - 1)
    events = server.rows("SELECT action FROM moderation_events WHERE action <> 'moderator_add'")
    assert len(events) == 1
    [(status,)] = server.rows("SELECT status FROM comments")
    assert status == {"approve": "approved", "spam": "spam"}[events[0][0]]


@pytest.mark.parametrize("synchronous", ["FULL", "NORMAL"])
def test_kill_9_during_a_write_storm_loses_no_acknowledged_comment(server, synchronous):
    """Both SQLITE_SYNCHRONOUS settings promise this much (NORMAL gives up only what an
    OS crash or power cut takes, which a test cannot cause)."""
    if server.env["SQLITE_SYNCHRONOUS"] != synchronous:
        server.stop()
        server.env["SQLITE_SYNCHRONOUS"] = synchronous
        server.start()
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def storm(n: int) -> None:
        try:
            commenter = Commenter(server.url)
        except requests.RequestException:
            return  # killed before this browser had its page
        i = 0
        while not stop.is_set():
            text = f"storm {n}-{i}"
            try:
                response = commenter.post(text, f"s{n}-{i}@example.com")
            except requests.RequestException:
                return  # the server is gone
            if response.status_code == 303:
                with lock:
                    acknowledged.append(text)
            i += 1

    threads = [threading.Thread(target=storm, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    # Kill it mid-storm, once plenty are acknowledged (however fast this machine syncs
    # each commit to disk).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) > 60:
                break
        time.sleep(0.05)
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert len(acknowledged) > 50
    assert server.rows("PRAGMA integrity_check") == [("ok",)]
    stored = {body for (body,) in server.rows("SELECT body FROM comments")}
    missing = [text for text in acknowledged if text not in stored]
    assert missing == []

    server.start()  # and it comes back
    assert requests.get(server.url + ARTICLE, timeout=10).status_code == 200


@pytest.fixture
def shared_database_url(tmp_path):
    """PostgreSQL (a schema of its own) when TEST_DATABASE_URL names it, else a SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import uuid

    from sqlalchemy import create_engine, text

    schema = f"two_processes_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_the_flood_limit_holds_across_two_app_processes(tmp_path, shared_database_url):
    """Two separate servers on one database: a comment to one counts at the other."""
    first = Server(tmp_path, shared_database_url, "first")
    second = Server(tmp_path, shared_database_url, "second")
    second.env["SECRET_KEY"] = first.env["SECRET_KEY"]
    second.env["EMAIL_ENCRYPTION_KEYS"] = first.env["EMAIL_ENCRYPTION_KEYS"]
    for server in (first, second):
        server.env["COMMENTS_FLOOD_SECONDS"] = "15"
    first.setup()
    first.start()
    second.start()
    try:
        accepted = Commenter(first.url).post("first words", "one@example.com")
        refused = Commenter(second.url).post("second words", "two@example.com")
        same_email = Commenter(second.url).post("third words", "one@example.com")
        assert accepted.status_code == 303
        assert refused.status_code == 429
        assert "posting comments too quickly" in refused.text
        assert "second words" in refused.text  # the form keeps the text
        assert same_email.status_code == 429
    finally:
        first.stop()
        second.stop()
    for server in (first, second):
        server.stop_and_check()
