"""`make bench`: Relief against a Flask hello-world and Isso, on 127.0.0.1 only.

Starts each server under gunicorn with the same settings, drives it with wrk at each
concurrency for BENCH_ROUNDS rounds of BENCH_DURATION seconds, and reports the median
requests per second, p50 and p99.  Writes bench/results/<date>.json and prints a
Markdown table.  Bounded in time: about 8 scenarios x 2 concurrencies x 3 rounds x 10 s.
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # `python bench/run.py` from anywhere
BIN = Path(sys.executable).parent
ISSO_VENV = BENCH / ".venv-isso"
ISSO_VERSION = "0.14.0"
DURATION = int(os.environ.get("BENCH_DURATION", 10))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
CONCURRENCY = [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "8,32").split(",")]
MODERATOR = ("bench@example.com", "bench moderator passphrase")
IDS_DIR = Path(tempfile.mkdtemp(prefix="relief-bench-ids-"))
ARTICLE = "/relieve-back-spasms/"


def say(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def ensure_isso() -> Path:
    """Isso lives in the benchmark's own virtualenv, never in the app's."""
    python = ISSO_VENV / "bin" / "python"
    if not (ISSO_VENV / "bin" / "isso").exists():
        say(f"installing isso {ISSO_VERSION} into {ISSO_VENV}")
        subprocess.run(["python3", "-m", "venv", str(ISSO_VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"isso=={ISSO_VERSION}", "gunicorn"],
            check=True,
        )
    return ISSO_VENV / "bin"


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, probe: str = "/") -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + probe, timeout=15).status_code < 500:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start; see {self.log}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def gunicorn(bin_dir: Path, app: str, port: int, extra: list[str] | None = None) -> list[str]:
    return [
        str(bin_dir / "gunicorn"),
        "-c",
        str(ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        *(extra or []),
        app,
    ]


def relief_env(work: Path) -> dict:
    from app.crypto import generate_key

    return {
        **os.environ,
        "RELIEF_CONFIG": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "EMAIL_ENCRYPTION_KEYS": generate_key(),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{work / 'relief.sqlite3'}",
        "SESSION_COOKIE_SECURE": "false",
        # The flood limit (one comment per 15 s per IP) would refuse nearly every POST
        # from the benchmark's single address: turned off for this run only.
        "COMMENTS_FLOOD_SECONDS": "0",
        "MAIL_SERVER": "",
        "GUNICORN_LOGLEVEL": "warning",
    }


def prepare_relief(env: dict) -> dict:
    flask = [str(BIN / "flask"), "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "content", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = (
        "import json; from app import create_app; from bench.seed import seed\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    print(json.dumps(seed({MODERATOR[0]!r}, {MODERATOR[1]!r})))\n"
    )
    return json.loads(app_python(env, script))


def app_python(env: dict, script: str, stdin: str | None = None) -> str:
    """Run ``script`` with the app's Python and environment; return its last output line."""
    out = subprocess.run(
        [str(BIN / "python"), "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        input=stdin,
    )
    return out.stdout.strip().splitlines()[-1]


def acknowledged_ids() -> set[int]:
    """Ids of every comment that Relief answered with a redirect (written by the Lua)."""
    ids: set[int] = set()
    for path in IDS_DIR.iterdir():
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
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = session.post(
        url + "/auth/login",
        timeout=30,
        allow_redirects=False,
        data={"email": MODERATOR[0], "password": MODERATOR[1], "csrf_token": token},
    )
    assert response.status_code == 303, response.status_code
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


def seed_isso(url: str, count: int = 1000) -> None:
    for n in range(count):
        # No session: Isso sets a cookie per comment, which would pile up in the headers.
        response = requests.post(
            f"{url}/new?uri=%2Fthread",
            timeout=10,
            json={
                "text": f"Seed comment number {n} about easing back spasms with heat and rest.",
                "author": f"Reader {n}",
                "email": f"reader{n}@example.com",
                "website": None,
                "parent": None,
                "title": "Back spasms",
            },
            headers={"Origin": url, "Referer": url + "/thread"},
        )
        assert response.status_code == 201, (response.status_code, response.text[:200])


@dataclass
class Scenario:
    key: str
    title: str
    server: str
    path: str
    script: str = "get.lua"
    kind: str = "GET"
    headers: list[str] = field(default_factory=list)
    results: dict = field(default_factory=dict)


def run_wrk(wrk: str, url: str, scenario: Scenario, connections: int, run_id: str) -> dict:
    threads = connections if scenario.kind == "POST" else min(2, connections)
    command = [
        wrk,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{DURATION}s",
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
        "BENCH_RUN": run_id,
        "BENCH_IDS_DIR": str(IDS_DIR),
    }
    out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=DURATION + 60)
    match = re.search(r"^RESULT (\{.*\})$", out.stdout, flags=re.MULTILINE)
    if not match:
        raise SystemExit(f"wrk gave no result for {scenario.key}:\n{out.stdout}\n{out.stderr}")
    return json.loads(match[1])


def median_of(rounds: list[dict]) -> dict:
    return {
        "rps": statistics.median(r["rps"] for r in rounds),
        "p50_ms": statistics.median(r["p50_ms"] for r in rounds),
        "p99_ms": statistics.median(r["p99_ms"] for r in rounds),
        "server_errors": sum(r["server_errors"] for r in rounds),
        "client_errors": sum(r["client_errors"] for r in rounds),
        "socket_errors": sum(r["socket_errors"] for r in rounds),
        "accepted": sum(r["accepted"] for r in rounds),
        "rounds": rounds,
    }


def table(scenarios: list[Scenario], cpus: int) -> str:
    by_key = {s.key: s for s in scenarios}
    lines = [
        f"Relief benchmark: {cpus} CPUs, wrk, {ROUNDS} rounds x {DURATION} s, median shown.",
        "",
        "| scenario | conc. | req/s | p50 ms | p99 ms | x hello-world | x Isso | 5xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for scenario in scenarios:
        peer = by_key["isso_post" if scenario.kind == "POST" else "isso_get"]
        for c, result in scenario.results.items():
            hello = by_key["hello"].results[c]["rps"]
            isso = peer.results[c]["rps"] or float("nan")
            lines.append(
                f"| {scenario.title} | {c} | {result['rps']:,.0f} | {result['p50_ms']:.1f} | "
                f"{result['p99_ms']:.1f} | {result['rps'] / hello:.2f} | "
                f"{result['rps'] / isso:.1f} | {result['server_errors']} |"
            )
    return "\n".join(lines)


def main() -> None:
    wrk = ensure_wrk()
    isso_bin = ensure_isso()
    cpus = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="relief-bench-"))
    env = relief_env(work)
    say(f"seeding a fresh database in {work} through the app's code")
    seeded = prepare_relief(env)
    say(f"seeded: {seeded}")
    say(
        "the flood limit is OFF for this run (COMMENTS_FLOOD_SECONDS=0), so that one "
        "address can post many comments"
    )

    relief = Server(
        "relief",
        gunicorn(BIN, "app:create_app()", port := free_port()),
        env,
        port,
        work / "relief.log",
    )
    hello = Server(
        "hello",
        gunicorn(BIN, "bench.hello:app", port := free_port()),
        {**os.environ, "GUNICORN_LOGLEVEL": "warning"},
        port,
        work / "hello.log",
    )
    isso_port = free_port()
    isso = Server(
        "isso",
        gunicorn(isso_bin, "isso.run", isso_port),
        {
            **os.environ,
            "ISSO_SETTINGS": str(isso_config(work, isso_port)),
            "GUNICORN_LOGLEVEL": "warning",
        },
        isso_port,
        work / "isso.log",
    )
    servers = [relief, hello, isso]
    try:
        # Isso creates its database on first import; two workers doing it at once collide.
        subprocess.run(
            [str(isso_bin / "python"), "-c", "import isso.run"],
            env=isso.env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        for server in servers:
            server.start("/" if server is not isso else "/info")
        say("seeding Isso with 1,000 comments on one thread")
        seed_isso(isso.url)
        cookie = moderator_cookie(relief.url)
        scenarios = [
            Scenario("article", "a. article page", "relief", ARTICLE),
            Scenario("remedy", "b. remedy page", "relief", ARTICLE + "cold-and-heat/"),
            Scenario("later_page", "c. comments page 15", "relief", ARTICLE + "?page=15"),
            Scenario(
                "post", "d. POST a comment (held)", "relief", ARTICLE, "post_comment.lua", "POST"
            ),
            Scenario(
                "moderation",
                "e. moderation queue (100k stored)",
                "relief",
                "/moderation/",
                headers=[f"Cookie: {cookie}"],
            ),
            Scenario("hello", "f. Flask hello-world", "hello", "/"),
            Scenario("isso_get", "f. Isso GET 1,000 comments", "isso", "/?uri=%2Fthread"),
            Scenario(
                "isso_post",
                "f. Isso POST a comment",
                "isso",
                "/new?uri=%2Fthread",
                "post_isso.lua",
                "POST",
            ),
        ]
        urls = {"relief": relief.url, "hello": hello.url, "isso": isso.url}
        for scenario in scenarios:
            for c in CONCURRENCY:
                rounds = []
                for r in range(ROUNDS):
                    rounds.append(
                        run_wrk(wrk, urls[scenario.server], scenario, c, f"{scenario.key}{c}r{r}")
                    )
                scenario.results[c] = median_of(rounds)
                say(
                    f"{scenario.title} c={c}: {scenario.results[c]['rps']:,.0f} req/s, "
                    f"p99 {scenario.results[c]['p99_ms']:.1f} ms"
                )

        accepted = sum(res["accepted"] for res in by(scenarios, "post").results.values())
        ids = acknowledged_ids()
        lost = missing_comments(env, ids)
        five_xx = sum(
            res["server_errors"]
            for s in scenarios
            for res in s.results.values()
            if s.server == "relief"
        )
        check = {
            "post_redirects": accepted,
            "ids_checked": len(ids),
            "lost": lost,
            "relief_5xx": five_xx,
        }
        say(f"zero-loss check: {check}")
    finally:
        for server in servers:
            server.stop()

    report = table(scenarios, cpus)
    print()
    print(report)
    print()
    print(
        f"Zero lost: {lost == 0} ({len(ids) - lost} of {len(ids)} comments answered with "
        f"a redirect are in the database); 5xx from Relief: {five_xx}. "
        "The flood limit was off for the run (COMMENTS_FLOOD_SECONDS=0)."
    )
    results = {
        "date": datetime.now(UTC).isoformat(),
        "cpus": cpus,
        "duration_s": DURATION,
        "rounds": ROUNDS,
        "concurrency": CONCURRENCY,
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "flood_limit": "off for the run (COMMENTS_FLOOD_SECONDS=0)",
        "seeded": seeded,
        "checks": check,
        "scenarios": {s.key: {"title": s.title, "results": s.results} for s in scenarios},
        "table": report,
    }
    suffix = "" if results["database"] == "sqlite" else f"-{results['database'].split('+')[0]}"
    out = BENCH / "results" / f"{datetime.now():%Y-%m-%d}{suffix}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    say(f"wrote {out}")
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(IDS_DIR, ignore_errors=True)
    if check["lost"] or five_xx:
        sys.exit(1)


def by(scenarios: list[Scenario], key: str) -> Scenario:
    return next(s for s in scenarios if s.key == key)


if __name__ == "__main__":
    main()
