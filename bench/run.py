"""`make bench`: Relief against a Flask hello-world, nginx and Isso, on 127.0.0.1 only.

Starts each server under gunicorn with the same settings, drives it with wrk at each
concurrency for BENCH_ROUNDS rounds of BENCH_DURATION seconds, and reports the median
requests per second, p50 and p99, each row beside what it is measured against (the
hello-world, nginx's static file, Isso), and issue 15's targets, met or missed.
Writes bench/results/<date>.json and prints the Markdown tables.

The servers (see README, Performance):

- Relief on a SQLite file seeded through the app's code (100,000 comments), with
  ``SQLITE_SYNCHRONOUS=FULL``, and a second Relief on the same file with ``NORMAL``:
  the comment POST runs against both, round for round, to price durability;
- nginx (Debian's), unprivileged, from a temporary folder (bench/nginx.conf.template):
  Relief behind its microcache, and the same page's bytes as a static file;
- Isso, with a thread of COMMENTS_PER_PAGE comments (the size of Relief's page) and
  one of 1,000;
- with BENCH_DATABASE_URL (a PostgreSQL server; a scratch database is made on it and
  dropped, the one the URL names is never touched), Relief on PostgreSQL with the same
  seed: its article page, POST and moderation queue.

Each gunicorn worker's resident size is read before the servers stop.  Then, with every
server stopped, the import scenario (bench/import_wxr.py): a generated WordPress export
of 100,000 comments imported by ``flask comments import-wxr``, timed and checked.

`make bench-smoke` (BENCH_SMOKE=1) is the same run made small enough for CI: 1,000
comments, one round of 2 s (CI: BENCH_DURATION=1) at one concurrency, an import of 2,000
comments, results under bench/results/smoke/ (ignored by git).  Either mode exits
non-zero when a scenario fails to run or answers wrongly, when any server answers 5xx,
when a comment answered with a redirect is missing from the database, or when the import
fails or stores what the file does not say.  Missed targets are reported, not failed.

Isso is installed by this script into bench/.venv-isso (ignored by git), never into
the app's environment.  If it (or nginx) is missing, the full run stops with the reason;
the smoke run says so and benchmarks the rest (except under CI=true, where it fails).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

import requests

if TYPE_CHECKING:
    from bench.nginx import Nginx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # `python bench/run.py` from anywhere
BIN = Path(sys.executable).parent
SMOKE = os.environ.get("BENCH_SMOKE", "").strip().lower() in {"1", "true", "yes", "on"}
CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
ISSO_VENV = BENCH / ".venv-isso"
ISSO_REQUIREMENTS = ("isso==0.14.0", "gunicorn")
DURATION = int(os.environ.get("BENCH_DURATION", 2 if SMOKE else 10))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 1 if SMOKE else 3))
CONCURRENCY = [
    int(c) for c in os.environ.get("BENCH_CONCURRENCY", "8" if SMOKE else "8,32").split(",")
]
# What bench/seed.py puts in Relief's database, and how many comments Isso's long
# thread gets.  The smoke keeps 800 threads on the article, so that page 15 of its
# comments still exists.
SEED = (
    {"total": 1_000, "article_roots": 800, "article_replies": 50}
    if SMOKE
    else {"total": 100_000, "article_roots": 1_050, "article_replies": 150}
)
ISSO_SEED = 100 if SMOKE else 1_000
RESULTS = BENCH / "results" / "smoke" if SMOKE else BENCH / "results"
MODERATOR = ("bench@example.com", "bench moderator passphrase")
ARTICLE = "/relieve-back-spasms/"
APP = "app:create_app()"  # what gunicorn serves for Relief
# Scenarios whose rounds alternate (one round of each, then again), so that a ratio
# between them is not skewed by whatever else the shared machine did meanwhile.
PAIRED = {"post": "post_normal", "nginx_cache": "nginx_static"}
SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
T = TypeVar("T")
# Seconds a page check waits: after a round at concurrency 32 a sync server may still be
# working through the requests wrk left queued (Isso's 1,000-comment thread: a minute
# on a busy machine) before it gets to the check.
CHECK_TIMEOUT = 180


def say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, to print when something did not start."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed: apt-get install wrk")
    say("installing wrk (Debian package)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "-o", "DPkg::Lock::Timeout=600", "wrk"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    return shutil.which("wrk") or sys.exit("wrk did not install")


class IssoUnavailable(Exception):
    """Isso's virtualenv could not be made (no network to PyPI, a broken build...)."""


def ensure_isso() -> Path:
    """Make Isso's own virtualenv in bench/.venv-isso, once; return its bin directory.

    A marker file records what was installed, so an interrupted or older install is
    made again from scratch.

    :raise IssoUnavailable: when the virtualenv or the install fails.
    """
    marker = ISSO_VENV / ".installed"
    wanted = " ".join(ISSO_REQUIREMENTS)
    if marker.is_file() and marker.read_text() == wanted:
        return ISSO_VENV / "bin"
    if ISSO_VENV.is_symlink():  # left by an old checkout, where it pointed elsewhere
        ISSO_VENV.unlink()
    say(f"installing {wanted} into {ISSO_VENV} (once; about 30 s)")
    python = ISSO_VENV / "bin" / "python"
    try:
        # sys.executable may be a virtualenv's Python; venv then builds on its base.
        subprocess.run(
            [sys.executable, "-m", "venv", "--clear", str(ISSO_VENV)],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", *ISSO_REQUIREMENTS],
            check=True,
            capture_output=True,
            text=True,
            timeout=600,
        )
    except subprocess.CalledProcessError as error:
        output = (error.stderr or error.stdout or "").strip().splitlines()[-5:]
        raise IssoUnavailable(
            f"{' '.join(error.cmd[:4])}... failed: {' / '.join(output)}"
        ) from None
    except subprocess.TimeoutExpired as error:
        raise IssoUnavailable(f"{' '.join(error.cmd[:4])}... took too long") from None
    marker.write_text(wanted)
    return ISSO_VENV / "bin"


def optional_peer(name: str, find: Callable[[], T], unavailable: type[Exception]) -> T | None:
    """Call ``find`` (which makes or finds a peer: Isso, nginx); None if it raises
    ``unavailable``.

    The full run, and the smoke under CI=true, stop instead: a comparison that quietly
    went missing would make the figures mean something else.
    """
    try:
        return find()
    except unavailable as error:
        if not SMOKE or CI:
            sys.exit(f"{name} is needed by the full benchmark (and the smoke under CI): {error}")
        say(f"WARNING: {name} is unavailable, its scenarios are SKIPPED: {error}")
        return None


class ServerFailed(Exception):
    """A server did not start or did not answer."""


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict
    port: int
    log: Path
    user: str | None = None  # the account to run as (nginx, when we are root)
    group: int | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, probe: str = "/") -> None:
        """Start the server and wait until ``probe`` answers below 500.

        :raise ServerFailed: when it has not answered within 60 seconds.
        """
        account = {"user": self.user, "group": self.group} if self.user else {}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **account,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if requests.get(self.url + probe, timeout=15).status_code < 500:
                    return
            except (requests.ConnectionError, requests.Timeout):
                pass
            time.sleep(0.2)
        raise ServerFailed(f"{self.name} did not start; {self.log} ends with:\n{tail(self.log)}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def worker_rss_mb(master: int) -> list[float]:
    """Resident size (VmRSS) of each child of process ``master``, in MB (10^6 bytes).

    A gunicorn master's children are its workers.
    """
    children = Path(f"/proc/{master}/task/{master}/children")
    if children.exists():
        pids = children.read_text().split()
    else:  # a kernel without CONFIG_PROC_CHILDREN: look for the parent in every stat
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                if stat.read_text().rsplit(")", 1)[1].split()[1] == str(master):
                    pids.append(stat.parent.name)
            except (OSError, IndexError):
                continue
    sizes = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue  # it ended meanwhile
        found = re.search(r"^VmRSS:\s+(\d+) kB", status, flags=re.MULTILINE)
        if found:
            sizes.append(round(int(found[1]) * 1024 / 1e6, 1))
    return sorted(sizes)


def gunicorn(bin_dir: Path, app: str, port: int) -> list[str]:
    return [
        str(bin_dir / "gunicorn"),
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        app,
    ]


def production_env(port: int) -> dict:
    """Relief's production settings with fresh secrets, for a server on ``port``.

    Every process started with gunicorn.conf.py gets them, Relief's own commands too:
    ProductionConfig refuses to start without a real SECRET_KEY and encryption keys, and
    gunicorn.conf.py may ask for production before any app is loaded.  SITE_URL is the
    server's own origin: the comment form refuses a POST whose Origin is not SITE_URL,
    and bench/lua/post_comment.lua sends that origin.
    """
    from app.crypto import generate_key

    return {
        "RELIEF_CONFIG": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "EMAIL_ENCRYPTION_KEYS": generate_key(),
        "SITE_URL": f"http://127.0.0.1:{port}",
        # wrk and requests speak plain HTTP to 127.0.0.1, and a Secure cookie is never
        # sent back over HTTP: the moderator's login (a session cookie and its CSRF
        # token) would fail.  Production's default stays True.
        "SESSION_COOKIE_SECURE": "false",
        "GUNICORN_LOGLEVEL": "warning",
    }


def relief_env(work: Path, port: int, database_url: str | None = None) -> dict:
    """The environment of a Relief server on ``port``: a SQLite file in ``work`` unless
    ``database_url`` names another database."""
    return {
        **os.environ,
        **production_env(port),
        "DATABASE_URL": database_url or f"sqlite:///{work / 'relief.sqlite3'}",
        # The flood limit (one comment per 15 s per IP) would refuse nearly every POST
        # from the benchmark's single address: turned off for this run only.
        "COMMENTS_FLOOD_SECONDS": "0",
        "MAIL_SERVER": "",
    }


def same_database(env: dict, port: int, **settings: str) -> dict:
    """A second server's environment on ``env``'s database: the same secrets (the
    emails are encrypted with its keys), its own SITE_URL, and ``settings``."""
    return {**env, "SITE_URL": f"http://127.0.0.1:{port}", **settings}


def prepare_database(env: dict) -> None:
    """Migrate ``env``'s database and load the content into it, as `make run` does."""
    flask = [str(BIN / "flask"), "--app", "app"]
    for command in (["db", "upgrade"], ["content", "load"]):
        out = subprocess.run([*flask, *command], cwd=ROOT, env=env, capture_output=True)
        if out.returncode:
            sys.exit(f"flask {' '.join(command)} failed:\n{out.stderr.decode(errors='replace')}")


def prepare_relief(env: dict) -> dict:
    prepare_database(env)
    script = (
        "import json; from app import create_app; from bench.seed import seed\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    print(json.dumps(seed({MODERATOR[0]!r}, {MODERATOR[1]!r}, **{SEED!r})))\n"
    )
    return json.loads(app_python(env, script))


def app_python(env: dict, script: str, stdin: str | None = None) -> str:
    """Run ``script`` with the app's Python and environment; return its last output line."""
    out = subprocess.run(
        [str(BIN / "python"), "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=stdin,
    )
    if out.returncode:
        sys.exit(f"the app's Python failed:\n{out.stderr}")
    return out.stdout.strip().splitlines()[-1]


def sqlite_synchronous(env: dict) -> str:
    """The ``synchronous`` mode the app gives its SQLite connections under ``env``.

    Asked through the app's own engine, whose connect hook sets it, as in a worker.
    """
    script = (
        "from sqlalchemy import text\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    print(db.session.execute(text('PRAGMA synchronous')).scalar())\n"
    )
    level = int(app_python(env, script))
    return SYNCHRONOUS.get(level, str(level))


def analyze_postgres(env: dict) -> str:
    """Run ANALYZE on ``env``'s PostgreSQL database; return the server's version.

    The seed is one bulk load just before the run; a live site's autovacuum would have
    analysed a table that grew so much within a minute.
    """
    script = (
        "from sqlalchemy import text\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    with db.engine.connect() as connection:\n"
        "        connection.execution_options(isolation_level='AUTOCOMMIT')\n"
        "        connection.exec_driver_sql('ANALYZE')\n"
        "        print(connection.exec_driver_sql('SHOW server_version').scalar())\n"
    )
    return app_python(env, script)


@contextmanager
def scratch_postgres(server_url: str, prefix: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url``, dropped afterwards.

    The database ``server_url`` names is never touched: the new one is made from the
    server's ``postgres`` database.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(server_url)
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def postgres_server() -> str | None:
    """BENCH_DATABASE_URL, when it names a PostgreSQL server; None when it is unset."""
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if url and not url.startswith("postgresql"):
        sys.exit(f"BENCH_DATABASE_URL must be a postgresql+psycopg:// URL, not {url[:20]}...")
    return url or None


def acknowledged_ids(ids_dir: Path) -> set[int]:
    """Ids of every comment that Relief answered with a redirect (written by the Lua)."""
    ids: set[int] = set()
    for path in ids_dir.iterdir():
        ids.update(int(line) for line in path.read_text().split() if line.isdigit())
    return ids


def missing_comments(env: dict, ids: set[int]) -> int:
    """How many acknowledged comment ids are not in the database."""
    script = (
        "import sys\n"
        "from sqlalchemy import text\n"
        "from app import create_app\n"
        "from app.extensions import db\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    stored = set(db.session.execute(text('SELECT id FROM comments')).scalars())\n"
        "    wanted = {int(x) for x in sys.stdin.read().split()}\n"
        "    print(len(wanted - stored))\n"
    )
    return int(app_python(env, script, stdin=" ".join(map(str, ids))))


def moderator_cookie(url: str) -> str:
    session = requests.Session()
    page = session.get(url + "/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    response = session.post(
        url + "/auth/login",
        timeout=30,
        allow_redirects=False,
        data={"email": MODERATOR[0], "password": MODERATOR[1], "csrf_token": token},
    )
    if response.status_code != 303:
        raise ServerFailed(f"the moderator's login answered {response.status_code}, not 303")
    return f"session={session.cookies['session']}"


def isso_config(work: Path, port: int) -> Path:
    config = work / "isso.cfg"
    config.write_text(
        f"[general]\ndbpath = {work / 'isso.db'}\nhost = http://127.0.0.1:{port}/\n"
        "max-age = 15m\nnotify = stdout\n"
        "[moderation]\nenabled = false\n"
        "[guard]\nenabled = false\n"
        "[server]\nlisten = http://127.0.0.1:0\n"
    )
    return config


def seed_isso(url: str, thread: str, count: int) -> None:
    """Post ``count`` top-level comments to Isso's ``thread``, and check they are all there.

    :raise ServerFailed: when Isso refuses one, or its thread then holds another number.
    """
    uri = quote(thread, safe="")
    for n in range(count):
        # No session: Isso sets a cookie per comment, which would pile up in the headers.
        response = requests.post(
            f"{url}/new?uri={uri}",
            timeout=10,
            json={
                "text": f"Seed comment number {n} about easing back spasms with heat and rest.",
                "author": f"Reader {n}",
                "email": f"reader{n}@example.com",
                "website": None,
                "parent": None,
                "title": "Back spasms",
            },
            headers={"Origin": url, "Referer": url + thread},
        )
        if response.status_code != 201:
            raise ServerFailed(f"seeding Isso: {response.status_code} {response.text[:200]}")
    shown = len(requests.get(f"{url}/?uri={uri}", timeout=60).json()["replies"])
    if shown != count:
        raise ServerFailed(f"Isso's thread {thread} shows {shown} comments, not {count}")


@dataclass
class Scenario:
    key: str
    title: str
    server: str
    path: str
    script: str = "get.lua"
    kind: str = "GET"
    headers: list[str] = field(default_factory=list)
    # Extra environment for wrk's script (BENCH_PAGES for get_pages.lua).
    env: dict[str, str] = field(default_factory=dict)
    # Whose database its POSTs write to, for the zero-loss check (None: not Relief's).
    database: str | None = None
    results: dict = field(default_factory=dict)


class ScenarioFailed(Exception):
    """wrk did not finish a scenario or printed no result."""


def run_wrk(
    wrk: str,
    url: str,
    scenario: Scenario,
    connections: int,
    run_id: str,
    ids_dir: Path,
    seconds: int = DURATION,
) -> dict:
    """One round of one scenario; return what bench/lua/report.lua printed.

    :raise ScenarioFailed: when wrk fails, hangs or prints no result.
    """
    threads = connections if scenario.kind == "POST" else min(2, connections)
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(BENCH / "lua" / scenario.script),
    ]
    for header in scenario.headers:
        command += ["-H", header]
    command.append(url + scenario.path)
    env = {
        **os.environ,
        "BENCH_LUA_DIR": str(BENCH / "lua"),
        "BENCH_PATH": scenario.path,
        "BENCH_ORIGIN": url,
        "BENCH_RUN": run_id,
        "BENCH_IDS_DIR": str(ids_dir),
        **scenario.env,
    }
    try:
        out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        raise ScenarioFailed(f"wrk did not finish within {seconds + 60} s") from None
    match = re.search(r"^RESULT (\{.*\})$", out.stdout, flags=re.MULTILINE)
    if not match:
        raise ScenarioFailed(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    return json.loads(match[1])


def median_of(rounds: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "requests": sum(r["requests"] for r in rounds),
        "server_errors": sum(r["server_errors"] for r in rounds),
        "client_errors": sum(r["client_errors"] for r in rounds),
        "socket_errors": sum(r["socket_errors"] for r in rounds),
        "accepted": sum(r["accepted"] for r in rounds),
        "status_errors": sum(r["status_errors"] for r in rounds),
        "rounds": rounds,
    }


def wrong_answers(scenario: Scenario, result: dict) -> list[str]:
    """What is wrong with a scenario's answers; nothing when it measured what it says.

    No 4xx or 5xx anywhere, and POSTs must be accepted.  (That a page answers 200, not
    a redirect, is checked before and after its rounds: see ``page_problem``.)  Socket
    errors (requests that took longer than wrk's 5-second timeout) are measured, not
    failed, and so is a round in which no request finished: that is a result, the
    slowest there is (wrk reports a connection it could not make as a socket error).
    """
    problems = []
    if scenario.kind == "POST":
        if result["server_errors"]:
            problems.append(f"{result['server_errors']} answers 5xx")
        if result["client_errors"]:
            problems.append(f"{result['client_errors']} answers 4xx")
        if result["requests"] and not result["accepted"]:
            problems.append("no comment accepted")
    elif result["status_errors"]:
        problems.append(f"{result['status_errors']} answers 4xx or 5xx")
    return problems


def page_problem(url: str, scenario: Scenario) -> str | None:
    """What is wrong with one GET of ``scenario``'s page, sent as wrk sends it; None when
    it answers 200 (a redirect on the moderation queue would mean the login was lost).

    Run before a page's rounds (which also warms every cache on the way, as a live
    site's are) and after them.
    """
    headers = dict(header.split(": ", 1) for header in scenario.headers)
    try:
        response = requests.get(
            url + scenario.path, headers=headers, allow_redirects=False, timeout=CHECK_TIMEOUT
        )
    except requests.RequestException as error:
        return f"did not answer: {error}"
    if response.status_code != 200:
        return f"answered {response.status_code}, not 200"
    return None


def scenarios_for(
    seeded: dict, cookies: dict, *, isso: bool, nginx_bytes: int | None, postgresql: bool
) -> list[Scenario]:
    """Every scenario of the run, in the table's order; ``cookies`` are the moderator's
    session on each Relief server."""
    from bench.nginx import STATIC_NAME

    stored = f"{seeded['comments'] // 1000}k" if seeded["comments"] >= 1000 else "few"
    per_page = page_size()
    post = ("post_comment.lua", "POST")
    scenarios = [
        Scenario("article", f"a. article page ({per_page} threads)", "relief", ARTICLE),
        Scenario("remedy", "b. remedy page", "relief", ARTICLE + "cold-and-heat/"),
        Scenario("later_page", "c. comments page 15", "relief", ARTICLE + "?page=15"),
        Scenario("post", "d. POST a comment (held), synchronous=FULL", "relief", ARTICLE, *post),
        Scenario(
            "post_normal", "d2. the same POST, synchronous=NORMAL", "relief_normal", ARTICLE, *post
        ),
        Scenario(
            "moderation",
            f"e. moderation queue ({stored} stored)",
            "relief",
            "/moderation/",
            headers=[f"Cookie: {cookies['relief']}"],
        ),
        fresh_queue_pages("moderation_fresh", "relief", cookies["relief"], stored),
        Scenario("hello", "f. Flask hello-world", "hello", "/"),
    ]
    for scenario in scenarios:
        if scenario.server.startswith("relief"):
            scenario.database = "sqlite"
    if nginx_bytes is not None:
        scenarios += [
            Scenario(
                "nginx_cache", "g. a. through nginx microcache", "nginx", ARTICLE, database="sqlite"
            ),
            Scenario(
                "nginx_static",
                f"h. nginx static file, same size ({nginx_bytes:,} bytes)",
                "nginx_static",
                f"/{STATIC_NAME}",
            ),
        ]
    if isso:
        scenarios += [
            Scenario("isso_get50", f"i. Isso GET {per_page} comments", "isso", "/?uri=%2Fthread50"),
            Scenario("isso_get", f"j. Isso GET {ISSO_SEED:,} comments", "isso", "/?uri=%2Fthread"),
            Scenario(
                "isso_post",
                "k. Isso POST a comment",
                "isso",
                "/new?uri=%2Fthread",
                "post_isso.lua",
                "POST",
            ),
        ]
    if postgresql:
        scenarios += [
            Scenario("pg_article", "a. article page, PostgreSQL", "relief_pg", ARTICLE),
            Scenario(
                "pg_post", "d. POST a comment (held), PostgreSQL", "relief_pg", ARTICLE, *post
            ),
            Scenario(
                "pg_moderation",
                f"e. moderation queue ({stored} stored), PostgreSQL",
                "relief_pg",
                "/moderation/",
                headers=[f"Cookie: {cookies['relief_pg']}"],
            ),
            fresh_queue_pages("pg_moderation_fresh", "relief_pg", cookies["relief_pg"], stored),
        ]
        for scenario in scenarios[-4:]:
            scenario.database = "postgresql"
    return scenarios


def fresh_queue_pages(key: str, server: str, cookie: str, stored: str) -> Scenario:
    """The queue a page never kept: each request another of its first pages (more than
    a worker keeps), so every one is rendered; what a moderator paging on waits for."""
    postgresql = ", PostgreSQL" if server.endswith("_pg") else ""
    return Scenario(
        key,
        f"e2. moderation queue, a page not kept ({stored} stored){postgresql}",
        server,
        "/moderation/",
        "get_pages.lua",
        headers=[f"Cookie: {cookie}"],
        env={"BENCH_PAGES": "5" if SMOKE else "100"},
    )


def page_size() -> int:
    """Top-level threads on a page of comments (COMMENTS_PER_PAGE), as the servers read it."""
    from config import Config

    return Config.COMMENTS_PER_PAGE


def steps(scenarios: list[Scenario]) -> list[tuple[Scenario, ...]]:
    """The scenarios in running order: each alone, or with its PAIRED partner."""
    by_key = {s.key: s for s in scenarios}
    partners = {second for first, second in PAIRED.items() if first in by_key}
    out = []
    for scenario in scenarios:
        if scenario.key in partners:
            continue  # runs with the scenario it is paired with
        partner = by_key.get(PAIRED.get(scenario.key, ""))
        out.append((scenario, partner) if partner else (scenario,))
    return out


def run_step(
    wrk: str, step: tuple[Scenario, ...], urls: dict, ids_dirs: dict, failures: list[str]
) -> None:
    """Run one step at every concurrency, its scenarios' rounds alternating; record each
    scenario's median in its ``results`` and what went wrong in ``failures``."""

    def check_pages(when: str) -> None:
        for scenario in step:
            problem = scenario.kind == "GET" and page_problem(urls[scenario.server], scenario)
            if problem:
                failures.append(f"{scenario.title}, {when} its rounds: {problem}")
                say(f"FAILED {failures[-1]}")

    check_pages("before")
    for c in CONCURRENCY:
        rounds: dict[str, list[dict]] = {s.key: [] for s in step}
        broken: set[str] = set()
        for r in range(ROUNDS):
            for scenario in step:
                if scenario.key in broken:
                    continue
                run = (
                    wrk,
                    urls[scenario.server],
                    scenario,
                    c,
                    f"{scenario.key}{c}r{r}",
                    ids_dirs.get(scenario.database, ids_dirs["sqlite"]),
                )
                try:
                    result = run_wrk(*run)
                    if not result["requests"]:
                        # On a busy machine a slow page may not finish even once in a
                        # 1-second smoke round: one longer round before reporting 0/s.
                        seconds = max(10, 3 * DURATION)  # past wrk's 5 s timeout
                        say(
                            f"{scenario.title} c={c}: no request finished in {DURATION} s; "
                            f"once more for {seconds} s"
                        )
                        result = run_wrk(*run[:4], run[4] + "x", run[5], seconds)
                    rounds[scenario.key].append(result)
                except ScenarioFailed as error:
                    broken.add(scenario.key)
                    failures.append(f"{scenario.title} c={c}: {error}")
                    say(f"FAILED {failures[-1]}")
        for scenario in step:
            if scenario.key in broken:
                continue
            result = scenario.results[c] = median_of(rounds[scenario.key])
            problems = wrong_answers(scenario, result)
            failures += [f"{scenario.title} c={c}: {problem}" for problem in problems]
            say(
                f"{scenario.title} c={c}: {result['rps']:,.0f} req/s, "
                f"p99 {result['p99_ms']:.1f} ms"
                + (f"  FAILED: {'; '.join(problems)}" if problems else "")
            )
    check_pages("after")


def zero_loss(scenarios: list[Scenario], database: str, env: dict, ids_dir: Path) -> dict:
    """Check that every comment acknowledged by ``database``'s servers is stored in it."""
    mine = [s for s in scenarios if s.database == database]
    accepted = sum(r["accepted"] for s in mine if s.kind == "POST" for r in s.results.values())
    ids = acknowledged_ids(ids_dir)
    return {
        "post_redirects": accepted,
        "ids_checked": len(ids),
        "lost": missing_comments(env, ids),
        # Every 4xx or 5xx answer from this database's servers (and nginx in front).
        "relief_errors": sum(r["status_errors"] for s in mine for r in s.results.values()),
    }


def write_results(results: dict) -> Path:
    """Write the results JSON by way of a temporary file, so a crash leaves no half file."""
    out = RESULTS / f"{datetime.now():%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".json.tmp")
    partial.write_text(json.dumps(results, indent=2))
    partial.replace(out)
    return out


@dataclass
class Bench:
    """What one run started and found: its servers, their databases, and the figures."""

    work: Path
    folders: list[Path]  # temporary folders, removed after a run without failures
    servers: list[Server] = field(default_factory=list)
    envs: dict[str, dict] = field(default_factory=dict)  # database -> its Relief's env
    ids_dirs: dict[str, Path] = field(default_factory=dict)  # database -> acknowledged ids
    seeded: dict = field(default_factory=dict)
    synchronous: dict = field(default_factory=dict)
    nginx: Nginx | None = None
    scenarios: list[Scenario] = field(default_factory=list)
    memory: dict[str, list[float]] = field(default_factory=dict)
    checks: dict[str, dict] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # what the results file says of the peers

    def server(self, name: str) -> Server | None:
        return next((s for s in self.servers if s.name == name), None)

    def add_relief_sqlite(self) -> None:
        """Seed the SQLite database; add Relief on it with synchronous=FULL, and a second
        Relief on the same file with NORMAL (same secrets: the emails are encrypted)."""
        port, normal_port = free_port(), free_port()
        env = {**relief_env(self.work, port), "SQLITE_SYNCHRONOUS": "FULL"}
        normal_env = same_database(env, normal_port, SQLITE_SYNCHRONOUS="NORMAL")
        say(f"seeding a fresh SQLite database in {self.work} through the app's code")
        self.seeded = prepare_relief(env)
        say(f"seeded: {self.seeded}")
        self.synchronous = {
            "post": sqlite_synchronous(env),
            "post_normal": sqlite_synchronous(normal_env),
        }
        say(
            f"SQLite synchronous, as the app sets it: d. {self.synchronous['post']}, "
            f"d2. {self.synchronous['post_normal']}"
        )
        say(
            "the flood limit is OFF for this run (COMMENTS_FLOOD_SECONDS=0), so that one "
            "address can post many comments"
        )
        self.envs["sqlite"] = env
        self.servers += [
            Server("relief", gunicorn(BIN, APP, port), env, port, self.work / "relief.log"),
            Server(
                "relief_normal",
                gunicorn(BIN, APP, normal_port),
                normal_env,
                normal_port,
                self.work / "relief-normal.log",
            ),
        ]

    def add_peers(self, isso_bin: Path | None) -> None:
        """Add the Flask hello-world and, when it is installed, Isso."""
        port = free_port()
        env = {**os.environ, **production_env(port)}
        self.servers.append(
            Server(
                "hello", gunicorn(BIN, "bench.hello:app", port), env, port, self.work / "hello.log"
            )
        )
        if isso_bin:
            port = free_port()
            env = {
                **os.environ,
                **production_env(port),
                "ISSO_SETTINGS": str(isso_config(self.work, port)),
            }
            self.servers.append(
                Server(
                    "isso", gunicorn(isso_bin, "isso.run", port), env, port, self.work / "isso.log"
                )
            )

    def add_nginx(self, binary: str) -> None:
        """Add nginx, from a temporary folder of its own, in front of Relief (SQLite)."""
        from bench.nginx import Nginx, version

        folder = Path(tempfile.mkdtemp(prefix="relief-bench-nginx-"))
        self.folders.append(folder)
        relief = self.server("relief")
        self.nginx = nginx = Nginx.prepare(binary, folder, relief.port, free_port(), free_port())
        self.servers.append(
            Server(
                "nginx",
                nginx.command,
                dict(os.environ),
                nginx.proxy_port,
                folder / "stderr.log",
                user=nginx.user,
                group=nginx.group,
            )
        )
        self.extra["nginx"] = {
            "version": version(binary),
            "config": "bench/nginx.conf.template",
            "runs_as": nginx.user or "the benchmark's user",
        }

    def add_relief_postgres(self, database_url: str) -> None:
        """Seed the scratch PostgreSQL database the same way, ANALYZE it, add Relief on it."""
        port = free_port()
        env = relief_env(self.work, port, database_url)
        say("seeding a scratch PostgreSQL database the same way")
        seeded = prepare_relief(env)
        version = analyze_postgres(env)
        say(f"seeded PostgreSQL {version}: {seeded}; ANALYZE done")
        self.extra["postgresql"] = {"version": version, "seeded": seeded, "analyzed": True}
        self.envs["postgresql"] = env
        self.servers.append(
            Server("relief_pg", gunicorn(BIN, APP, port), env, port, self.work / "relief-pg.log")
        )

    def start(self) -> None:
        """Start every server; seed Isso's threads; write nginx's static copy of the page.

        :raise ServerFailed: when a server does not start, or Isso's seed goes wrong.
        """
        isso = self.server("isso")
        if isso:
            # Isso creates its database on first import; two workers doing it at once
            # collide.
            subprocess.run(
                [str(Path(isso.command[0]).parent / "python"), "-c", "import isso.run"],
                env=isso.env,
                check=True,
                capture_output=True,
                timeout=120,
            )
        for server in self.servers:
            server.start("/info" if server is isso else "/")
        if isso:
            say(f"seeding Isso: {page_size()} comments on one thread, {ISSO_SEED:,} on another")
            seed_isso(isso.url, "/thread50", page_size())
            seed_isso(isso.url, "/thread", ISSO_SEED)
        if self.nginx:
            page = requests.get(self.server("relief").url + ARTICLE, timeout=30)
            page.raise_for_status()
            self.extra["nginx"]["page_bytes"] = self.nginx.write_static(page.content)

    def measure(self, wrk: str) -> None:
        """Run every scenario; then read the workers' memory and check for lost comments."""
        urls = {server.name: server.url for server in self.servers}
        if self.nginx:
            urls["nginx_static"] = f"http://127.0.0.1:{self.nginx.static_port}"
        cookies = {
            name: moderator_cookie(urls[name]) for name in ("relief", "relief_pg") if name in urls
        }
        self.scenarios = scenarios_for(
            self.seeded,
            cookies,
            isso="isso" in urls,
            nginx_bytes=self.extra.get("nginx", {}).get("page_bytes"),
            postgresql="relief_pg" in urls,
        )
        for step in steps(self.scenarios):
            run_step(wrk, step, urls, self.ids_dirs, self.failures)
        for server in self.servers:
            if server.name != "nginx":
                self.memory[server.name] = worker_rss_mb(server.process.pid)
        say(f"workers' resident MB after the run: {self.memory}")
        for database, env in self.envs.items():
            check = self.checks[database] = zero_loss(
                self.scenarios, database, env, self.ids_dirs[database]
            )
            say(f"zero-loss check ({database}): {check}")
            if check["lost"]:
                self.failures.append(
                    f"{check['lost']} comments answered with a redirect are not in the "
                    f"{database} database"
                )
            if check["ids_checked"] < check["post_redirects"]:
                self.failures.append(
                    f"{check['post_redirects'] - check['ids_checked']} redirects carried "
                    f"no comment id to check ({database})"
                )

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def figures(self) -> dict:
        """Each scenario's title and results, keyed as bench/report.py expects; with
        the share of the microcache's answers that came from nginx's cache, read from
        its access log (complete once nginx has stopped)."""
        by_key = {s.key: {"title": s.title, "results": s.results} for s in self.scenarios}
        if self.nginx and "nginx_cache" in by_key:
            answers = self.nginx.cache_answers(ARTICLE)
            cached = sum(answers[k] for k in ("HIT", "STALE", "UPDATING", "REVALIDATED"))
            by_key["nginx_cache"]["cache_hits"] = cached / max(sum(answers.values()), 1)
            self.extra["nginx"]["cache_answers"] = dict(answers)
            say(f"nginx's cache answered the page's GETs so: {dict(answers)}")
        return by_key


SERVER_TITLES = {
    "relief": "Relief (SQLite, synchronous=FULL)",
    "relief_normal": "Relief (SQLite, synchronous=NORMAL)",
    "relief_pg": "Relief (PostgreSQL)",
    "hello": "Flask hello-world",
    "isso": "Isso",
}


def main() -> None:
    from bench import import_wxr, report
    from bench.nginx import NginxUnavailable, find_nginx

    if SMOKE:
        say(
            f"SMOKE run: {SEED['total']:,} comments, {ROUNDS} round(s) of {DURATION} s at "
            f"concurrency {CONCURRENCY}; results go to {RESULTS.relative_to(ROOT)}/"
        )
    wrk = ensure_wrk()
    isso_bin = optional_peer("Isso", ensure_isso, IssoUnavailable)
    nginx_bin = optional_peer("nginx", find_nginx, NginxUnavailable)
    pg_server = postgres_server()
    work = Path(tempfile.mkdtemp(prefix="relief-bench-"))
    bench = Bench(work, [work])
    bench.ids_dirs = {"sqlite": work / "ids", "postgresql": work / "ids-postgresql"}
    for folder in bench.ids_dirs.values():
        folder.mkdir()
    with ExitStack() as cleanup:  # drops the scratch PostgreSQL database, whatever happens
        bench.add_relief_sqlite()
        bench.add_peers(isso_bin)
        if nginx_bin:
            bench.add_nginx(nginx_bin)
        if pg_server:
            bench.add_relief_postgres(
                cleanup.enter_context(scratch_postgres(pg_server, "relief_bench"))
            )
        try:
            bench.start()
            bench.measure(wrk)
        except (
            ServerFailed,
            subprocess.CalledProcessError,
            subprocess.TimeoutExpired,
            requests.RequestException,
        ) as error:
            kept = ", ".join(map(str, bench.folders))
            sys.exit(f"the benchmark could not run: {error}\n(its files are kept in {kept})")
        finally:
            bench.stop()

    # The import scenario runs once every server has stopped, so that it has the
    # machine to itself, as an import done before the site opens would.
    (work / "import").mkdir()
    imported = import_wxr.run(work / "import")
    bench.failures += imported["failures"]

    by_key = bench.figures()
    targets = report.targets(
        by_key,
        checks=bench.checks,
        memory=bench.memory,
        synchronous=bench.synchronous,
        top_c=max(CONCURRENCY),
        stored=bench.seeded["comments"],
        postgresql=pg_server is not None,
    )
    cpus = os.cpu_count() or 1
    heading = (
        f"Relief benchmark: {cpus} CPUs, wrk, {ROUNDS} rounds x {DURATION} s, median shown"
        + (" (SMOKE run: a small seed, too short to quote)." if SMOKE else ".")
    )
    markdown = "\n\n".join(
        (
            report.table(by_key, heading),
            report.targets_table(targets, SMOKE),
            report.memory_table(bench.memory, SERVER_TITLES),
            import_wxr.table(imported),
        )
    )
    print()
    print(markdown)
    print()
    for database, check in bench.checks.items():
        print(
            f"Zero lost ({database}): {check['lost'] == 0} ({check['ids_checked'] - check['lost']} "
            f"of {check['ids_checked']} comments answered with a redirect are in the "
            f"database); answers 4xx or 5xx from Relief: {check['relief_errors']}."
        )
    print("The flood limit was off for the run (COMMENTS_FLOOD_SECONDS=0).")
    if not isso_bin:
        print("Isso: SKIPPED, it could not be installed (see the warning above).")
    if not nginx_bin:
        print("nginx: SKIPPED, it is not installed (see the warning above).")
    results = {
        "date": datetime.now(UTC).isoformat(),
        "smoke": SMOKE,
        "cpus": cpus,
        "duration_s": DURATION,
        "rounds": ROUNDS,
        "concurrency": CONCURRENCY,
        "databases": list(bench.checks),
        "flood_limit": "off for the run (COMMENTS_FLOOD_SECONDS=0)",
        "seeded": bench.seeded,
        "isso": "installed" if isso_bin else "skipped: could not be installed",
        "isso_threads": {"/thread50": page_size(), "/thread": ISSO_SEED} if isso_bin else {},
        "sqlite_synchronous": bench.synchronous,
        **bench.extra,
        "checks": bench.checks,
        "memory_mb": bench.memory,
        "targets": targets,
        "ratios": report.row_ratios(by_key),
        "failures": bench.failures,
        "scenarios": {
            s.key: {**by_key[s.key], "server": s.server, "database": s.database}
            for s in bench.scenarios
        },
        "wxr_import": imported,
        "table": markdown,
    }
    say(f"wrote {write_results(results).relative_to(ROOT)}")
    if bench.failures:
        print(f"\nFAILED ({len(bench.failures)}):", *bench.failures, sep="\n- ")
        for server in bench.servers:
            print(f"\n{server.log} ends with:\n{tail(server.log, 10)}")
        print(f"\nLogs and databases kept in {', '.join(map(str, bench.folders))}")
        sys.exit(1)
    if not os.environ.get("BENCH_KEEP"):
        for folder in bench.folders:
            shutil.rmtree(folder, ignore_errors=True)
    say("every scenario ran, no 4xx or 5xx, no comment lost")


if __name__ == "__main__":
    main()
