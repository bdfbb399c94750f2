"""Configuration safety and the database settings every connection gets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from app import create_app
from app.crypto import generate_key
from app.extensions import db
from config import DEV_SECRET_KEY, ProductionConfig, TestConfig
from tests.conftest import ROOT, free_port


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
        SITE_URL = "https://relief.example.org"
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


# --- SQLITE_SYNCHRONOUS: what an acknowledged comment survives ---------------------------

# PRAGMA synchronous reads back as a number: 1 NORMAL, 2 FULL.
SYNCHRONOUS_LEVELS = {"NORMAL": 1, "FULL": 2}


@pytest.mark.parametrize(
    ("setting", "level"), [("FULL", 2), ("NORMAL", 1), ("normal", 1), (" Full ", 2)]
)
def test_sqlite_synchronous_is_in_force_on_every_connection(tmp_path, setting, level):
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SQLITE_SYNCHRONOUS=setting,
    )
    assert app.config["SQLITE_SYNCHRONOUS"] == setting.strip().upper()
    with app.app_context():
        # Two connections open at once: each was set up on its own.
        with db.engine.connect() as first, db.engine.connect() as second:
            for connection in (first, second):
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == level
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        db.engine.dispose()


def test_sqlite_synchronous_is_full_unless_set(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "SQLITE_SYNCHRONOUS"}
    out = subprocess.run(
        [sys.executable, "-c", "from config import Config; print(Config.SQLITE_SYNCHRONOUS)"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "FULL"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with app.app_context():
        level = db.session.execute(text("PRAGMA synchronous")).scalar()
        db.session.remove()
        db.engine.dispose()
    assert level == SYNCHRONOUS_LEVELS[TestConfig.SQLITE_SYNCHRONOUS.strip().upper()]


@pytest.mark.parametrize(
    "setting", ["OFF", "EXTRA", "", "2", "FULL; PRAGMA foreign_keys = OFF", "FULLY", None]
)
def test_an_unknown_sqlite_synchronous_refuses_to_start(tmp_path, setting):
    with pytest.raises(RuntimeError, match=r"SQLITE_SYNCHRONOUS must be FULL .* or NORMAL"):
        create_app(
            TestConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            SQLITE_SYNCHRONOUS=setting,
        )


def test_the_app_refuses_to_start_with_sqlite_synchronous_off(tmp_path):
    """From the environment, as an operator sets it: the command stops with the reason."""
    out = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "app", "routes"],
        cwd=ROOT,
        env={
            **os.environ,
            "RELIEF_CONFIG": "development",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "SQLITE_SYNCHRONOUS": "OFF",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "SQLITE_SYNCHRONOUS must be FULL" in out.stderr
    assert not (tmp_path / "db.sqlite3").exists()  # refused before touching the database


def test_sqlite_folder_is_created_for_a_fresh_checkout(tmp_path):
    target = tmp_path / "instance" / "nested" / "relief.sqlite3"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}")
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.remove()
        db.engine.dispose()
    assert target.exists()


# --- SITE_URL: the one origin of every absolute address ---------------------------------


def production(tmp_path, site_url: str) -> type[ProductionConfig]:
    class Prod(ProductionConfig):
        SECRET_KEY = "x" * 48
        EMAIL_ENCRYPTION_KEYS = generate_key()
        SITE_URL = site_url
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'p.sqlite3'}"

    return Prod


BAD_SITE_URLS = [
    "",
    "   ",
    "relief.example.org",
    "//relief.example.org",
    "ftp://relief.example.org",
    "javascript://relief.example.org",
    "https://",
    "https:///path",
    "https://relief.example.org/blog",
    "https://relief.example.org/?utm=1",
    "https://relief.example.org?",
    "https://relief.example.org/#top",
    "https://user:pass@relief.example.org",
    "https://@relief.example.org",
    "https://relief.example.org:99999",
    "https://relief.example.org:port",
    "https://relief example.org",
    "https://relief.example.org;x",
    "https://<b>relief.example.org",
    "https://[::1",
    "https://relief.example.org:0",
    "https://relief.example.org:",
    "https://relief.example.org\\@attacker.example",
    "https://relief.example.org\nX-Injected: 1",
]


@pytest.mark.parametrize("site_url", BAD_SITE_URLS)
def test_production_refuses_a_missing_or_invalid_site_url(tmp_path, site_url):
    with pytest.raises(RuntimeError, match="SITE_URL"):
        create_app(production(tmp_path, site_url))


@pytest.mark.parametrize("site_url", BAD_SITE_URLS[2:])
def test_every_config_refuses_an_invalid_site_url(tmp_path, site_url):
    with pytest.raises(RuntimeError, match="SITE_URL"):
        create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", SITE_URL=site_url)


@pytest.mark.parametrize(
    ("given", "origin"),
    [
        ("https://relief.example.org", "https://relief.example.org"),
        ("https://relief.example.org/", "https://relief.example.org"),
        (" HTTPS://Relief.Example.ORG/ ", "https://relief.example.org"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
    ],
)
def test_site_url_is_kept_as_a_bare_origin(tmp_path, given, origin):
    app = create_app(production(tmp_path, given))
    assert app.config["SITE_URL"] == origin
    robots = app.test_client().get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {origin}/sitemap.xml" in robots


def clean_env(**settings: str) -> dict:
    """This process's environment without any Relief setting, plus ``settings``."""
    relief = {"RELIEF_CONFIG", "SECRET_KEY", "EMAIL_ENCRYPTION_KEYS", "SITE_URL", "DATABASE_URL"}
    env = {k: v for k, v in os.environ.items() if k not in relief and not k.startswith("GUNICORN_")}
    return {**env, **settings}


def test_development_links_point_at_the_local_server_never_the_request(tmp_path):
    """Without SITE_URL, development uses http://127.0.0.1:5000 whatever Host says."""
    script = (
        "from app import create_app\n"
        "app = create_app()\n"
        "print(app.config['SITE_URL'])\n"
        "client = app.test_client()\n"
        "print(client.get('/robots.txt', headers={'Host': 'attacker.example'}).text)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'dev.sqlite3'}"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "http://127.0.0.1:5000"
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in result.stdout
    assert "attacker" not in result.stdout


# --- gunicorn.conf.py serves production unless told otherwise ---------------------------


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py "app:create_app()"``, as `make serve` runs it."""

    def __init__(self, tmp_path: Path, **settings: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / "gunicorn.log"
        env = clean_env(
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS="1",
            DATABASE_URL=f"sqlite:///{tmp_path / 'served.sqlite3'}",
            **settings,
        )
        command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*command, "app:create_app()"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text()

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                requests.get(self.url + "/healthz", timeout=5)
                return
            except requests.RequestException:  # not listening yet, or the worker booting
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start:\n" + self.output())

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=20)


@pytest.fixture
def gunicorn(tmp_path):
    started: list[Gunicorn] = []

    def start(**settings: str) -> Gunicorn:
        server = Gunicorn(tmp_path, **settings)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def test_gunicorn_without_relief_config_refuses_the_development_secret(gunicorn):
    server = gunicorn()
    assert server.process.wait(timeout=30) != 0
    assert "ProductionConfig needs SECRET_KEY" in server.output()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/healthz", timeout=2)


def test_gunicorn_without_relief_config_serves_production(gunicorn):
    server = gunicorn(
        SECRET_KEY="served-" + "s" * 40,
        EMAIL_ENCRYPTION_KEYS=generate_key(),
        SITE_URL="https://relief.example.org",
    )
    server.wait_until_ready()
    response = requests.get(server.url + "/robots.txt", timeout=10)
    assert "Sitemap: https://relief.example.org/sitemap.xml" in response.text
    assert "Strict-Transport-Security" in response.headers  # production's HSTS
    # Found by an attack review: a SCRIPT_NAME header moved the site under a prefix.
    moved = requests.get(server.url + "/x/robots.txt", headers={"SCRIPT_NAME": "/x"}, timeout=10)
    assert moved.status_code == 404


def test_gunicorn_runs_development_only_when_asked(gunicorn):
    server = gunicorn(RELIEF_CONFIG="development")
    server.wait_until_ready()
    response = requests.get(server.url + "/robots.txt", timeout=10)
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in response.text
    assert "Strict-Transport-Security" not in response.headers
