"""`make bench`: Relief against a Flask hello-world and Isso, on 127.0.0.1 only.

Starts each server under gunicorn with the same settings, drives it with wrk at each
concurrency for BENCH_ROUNDS rounds of BENCH_DURATION seconds, and reports the median
requests per second, p50 and p99.  Writes bench/results/<date>.json and prints a
Markdown table.  Bounded in time: about 8 scenarios x 2 concurrencies x 3 rounds x 10 s.

Then, with every server stopped, the import scenario (bench/import_wxr.py): a generated
WordPress export of 100,000 comments imported by ``flask comments import-wxr`` into a
fresh database, timed, its peak memory measured, checked, and imported again.

`make bench-smoke` (BENCH_SMOKE=1) is the same run made small enough for CI: 1,000
comments, one round of 2 s at one concurrency, an import of 2,000 comments, results
under bench/results/smoke/ (ignored by git).  Either mode exits non-zero when a scenario
fails to run or answers wrongly, when any server answers 5xx, when a comment answered
with a redirect is missing from the database, or when the import fails or stores what
the file does not say (its time and memory targets are reported, not enforced).

Isso is installed by this script into bench/.venv-isso (ignored by git), never into
the app's environment.  If it cannot be installed, the full run stops with the reason;
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # `python bench/run.py` from anywhere
BIN = Path(sys.executable).parent
SMOKE = os.environ.get("BENCH_SMOKE", "").strip().lower() in {"1", "true", "yes", "on"}
ISSO_VENV = BENCH / ".venv-isso"
ISSO_REQUIREMENTS = ("isso==0.14.0", "gunicorn")
DURATION = int(os.environ.get("BENCH_DURATION", 2 if SMOKE else 10))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 1 if SMOKE else 3))
CONCURRENCY = [
    int(c) for c in os.environ.get("BENCH_CONCURRENCY", "8" if SMOKE else "8,32").split(",")
]
# What bench/seed.py puts in Relief's database, and how many comments Isso's thread
# gets.  The smoke keeps 800 threads on the article, so that page 15 of its comments
# still exists.
SEED = (
    {"total": 1_000, "article_roots": 800, "article_replies": 50}
    if SMOKE
    else {"total": 100_000, "article_roots": 1_050, "article_replies": 150}
)
ISSO_SEED = 100 if SMOKE else 1_000
RESULTS = BENCH / "results" / "smoke" if SMOKE else BENCH / "results"
MODERATOR = ("bench@example.com", "bench moderator passphrase")
ARTICLE = "/relieve-back-spasms/"


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


class ServerFailed(Exception):
    """A server did not start or did not answer."""


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
        """Start the server and wait until ``probe`` answers below 500.

        :raise ServerFailed: when it has not answered within 60 seconds.
        """
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
    gunicorn.conf.py may ask for production before any app is loaded.
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


def relief_env(work: Path, port: int) -> dict:
    return {
        **os.environ,
        **production_env(port),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL")
        or f"sqlite:///{work / 'relief.sqlite3'}",
        # The flood limit (one comment per 15 s per IP) would refuse nearly every POST
        # from the benchmark's single address: turned off for this run only.
        "COMMENTS_FLOOD_SECONDS": "0",
        "MAIL_SERVER": "",
    }


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


def seed_isso(url: str, count: int) -> None:
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
        if response.status_code != 201:
            raise ServerFailed(f"seeding Isso: {response.status_code} {response.text[:200]}")


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


class ScenarioFailed(Exception):
    """wrk did not finish a scenario or printed no result."""


def run_wrk(
    wrk: str, url: str, scenario: Scenario, connections: int, run_id: str, ids_dir: Path
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
        "BENCH_IDS_DIR": str(ids_dir),
    }
    try:
        out = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=DURATION + 60
        )
    except subprocess.TimeoutExpired:
        raise ScenarioFailed(f"wrk did not finish within {DURATION + 60} s") from None
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
        "rounds": rounds,
    }


def wrong_answers(scenario: Scenario, result: dict) -> list[str]:
    """What is wrong with a scenario's answers; nothing when it measured what it says.

    Pages must answer 200 (a redirect on the moderation queue means the login was lost);
    POSTs must be accepted; no 4xx or 5xx anywhere.  Socket errors (timeouts under load)
    are measured, not failed.
    """
    problems = []
    if not result["requests"]:
        problems.append("no request completed")
    if result["server_errors"]:
        problems.append(f"{result['server_errors']} answers 5xx")
    if result["client_errors"]:
        problems.append(f"{result['client_errors']} answers 4xx")
    if scenario.kind == "POST" and not result["accepted"]:
        problems.append("no comment accepted")
    if scenario.kind == "GET" and result["accepted"]:
        problems.append(f"{result['accepted']} redirects instead of the page")
    return problems


def ratio(value: float, base: dict | None, digits: int) -> str:
    if not base or not base["rps"]:
        return "n/a"
    return f"{value / base['rps']:.{digits}f}"


def table(scenarios: list[Scenario], cpus: int) -> str:
    by_key = {s.key: s for s in scenarios}
    lines = [
        f"Relief benchmark: {cpus} CPUs, wrk, {ROUNDS} rounds x {DURATION} s, median shown"
        + (" (SMOKE run: a small seed, too short to quote)." if SMOKE else "."),
        "",
        "| scenario | conc. | req/s | p50 ms | p99 ms | x hello-world | x Isso | 5xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    hello = by_key["hello"]
    for scenario in scenarios:
        peer = by_key.get("isso_post" if scenario.kind == "POST" else "isso_get")
        for c, result in scenario.results.items():
            lines.append(
                f"| {scenario.title} | {c} | {result['rps']:,.0f} | {result['p50_ms']:.1f} | "
                f"{result['p99_ms']:.1f} | {ratio(result['rps'], hello.results.get(c), 2)} | "
                f"{ratio(result['rps'], peer.results.get(c) if peer else None, 1)} | "
                f"{result['server_errors']} |"
            )
    return "\n".join(lines)


def scenarios_for(seeded: dict, cookie: str, with_isso: bool) -> list[Scenario]:
    stored = f"{seeded['comments'] // 1000}k" if seeded["comments"] >= 1000 else "few"
    scenarios = [
        Scenario("article", "a. article page", "relief", ARTICLE),
        Scenario("remedy", "b. remedy page", "relief", ARTICLE + "cold-and-heat/"),
        Scenario("later_page", "c. comments page 15", "relief", ARTICLE + "?page=15"),
        Scenario("post", "d. POST a comment (held)", "relief", ARTICLE, "post_comment.lua", "POST"),
        Scenario(
            "moderation",
            f"e. moderation queue ({stored} stored)",
            "relief",
            "/moderation/",
            headers=[f"Cookie: {cookie}"],
        ),
        Scenario("hello", "f. Flask hello-world", "hello", "/"),
    ]
    if with_isso:
        scenarios += [
            Scenario("isso_get", f"f. Isso GET {ISSO_SEED:,} comments", "isso", "/?uri=%2Fthread"),
            Scenario(
                "isso_post",
                "f. Isso POST a comment",
                "isso",
                "/new?uri=%2Fthread",
                "post_isso.lua",
                "POST",
            ),
        ]
    return scenarios


def write_results(results: dict) -> Path:
    """Write the results JSON by way of a temporary file, so a crash leaves no half file."""
    suffix = "" if results["database"] == "sqlite" else f"-{results['database'].split('+')[0]}"
    out = RESULTS / f"{datetime.now():%Y-%m-%d}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".json.tmp")
    partial.write_text(json.dumps(results, indent=2))
    partial.replace(out)
    return out


def main() -> None:
    if SMOKE:
        say(
            f"SMOKE run: {SEED['total']:,} comments, {ROUNDS} round(s) of {DURATION} s at "
            f"concurrency {CONCURRENCY}; results go to {RESULTS.relative_to(ROOT)}/"
        )
    wrk = ensure_wrk()
    try:
        isso_bin: Path | None = ensure_isso()
    except IssoUnavailable as error:
        # CI must notice when Isso's install rots, as a checked service would.
        if not SMOKE or os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            sys.exit(
                f"Isso could not be installed into {ISSO_VENV}; the full benchmark (and "
                f"the smoke under CI) needs it: {error}"
            )
        say(f"WARNING: Isso could not be installed, its scenarios are SKIPPED: {error}")
        isso_bin = None
    cpus = os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="relief-bench-"))
    ids_dir = work / "ids"
    ids_dir.mkdir()
    relief_port = free_port()
    env = relief_env(work, relief_port)
    say(f"seeding a fresh database in {work} through the app's code")
    seeded = prepare_relief(env)
    say(f"seeded: {seeded}")
    say(
        "the flood limit is OFF for this run (COMMENTS_FLOOD_SECONDS=0), so that one "
        "address can post many comments"
    )

    relief = Server(
        "relief",
        gunicorn(BIN, "app:create_app()", relief_port),
        env,
        relief_port,
        work / "relief.log",
    )
    port = free_port()
    hello = Server(
        "hello",
        gunicorn(BIN, "bench.hello:app", port),
        {**os.environ, **production_env(port)},
        port,
        work / "hello.log",
    )
    servers = [relief, hello]
    isso = None
    if isso_bin:
        port = free_port()
        isso = Server(
            "isso",
            gunicorn(isso_bin, "isso.run", port),
            {
                **os.environ,
                **production_env(port),
                "ISSO_SETTINGS": str(isso_config(work, port)),
            },
            port,
            work / "isso.log",
        )
        servers.append(isso)
    scenarios: list[Scenario] = []
    failures: list[str] = []
    try:
        if isso:
            # Isso creates its database on first import; two workers doing it at once
            # collide.
            subprocess.run(
                [str(isso_bin / "python"), "-c", "import isso.run"],
                env=isso.env,
                check=True,
                capture_output=True,
                timeout=120,
            )
        for server in servers:
            server.start("/info" if server is isso else "/")
        if isso:
            say(f"seeding Isso with {ISSO_SEED:,} comments on one thread")
            seed_isso(isso.url, ISSO_SEED)
        cookie = moderator_cookie(relief.url)
        scenarios = scenarios_for(seeded, cookie, with_isso=isso is not None)
        urls = {server.name: server.url for server in servers}
        for scenario in scenarios:
            for c in CONCURRENCY:
                try:
                    rounds = [
                        run_wrk(
                            wrk,
                            urls[scenario.server],
                            scenario,
                            c,
                            f"{scenario.key}{c}r{r}",
                            ids_dir,
                        )
                        for r in range(ROUNDS)
                    ]
                except ScenarioFailed as error:
                    failures.append(f"{scenario.title} c={c}: {error}")
                    say(f"FAILED {failures[-1]}")
                    continue
                result = scenario.results[c] = median_of(rounds)
                problems = wrong_answers(scenario, result)
                failures += [f"{scenario.title} c={c}: {problem}" for problem in problems]
                say(
                    f"{scenario.title} c={c}: {result['rps']:,.0f} req/s, "
                    f"p99 {result['p99_ms']:.1f} ms"
                    + (f"  FAILED: {'; '.join(problems)}" if problems else "")
                )

        accepted = sum(res["accepted"] for res in by(scenarios, "post").results.values())
        ids = acknowledged_ids(ids_dir)
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
        if lost:
            failures.append(f"{lost} comments answered with a redirect are not in the database")
        if len(ids) < accepted:
            failures.append(f"{accepted - len(ids)} redirects carried no comment id to check")
    except (ServerFailed, subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        sys.exit(f"the benchmark could not run: {error}\n(its files are kept in {work})")
    finally:
        for server in servers:
            server.stop()

    # The import scenario runs once every server has stopped, so that it has the
    # machine to itself, as an import done before the site opens would.
    from bench import import_wxr  # not at the top: it imports this module's helpers

    (work / "import").mkdir()
    imported = import_wxr.run(work / "import")
    failures += imported["failures"]
    report = table(scenarios, cpus) + "\n\n" + import_wxr.table(imported)
    print()
    print(report)
    print()
    print(
        f"Zero lost: {lost == 0} ({len(ids) - lost} of {len(ids)} comments answered with "
        f"a redirect are in the database); 5xx from Relief: {five_xx}. "
        "The flood limit was off for the run (COMMENTS_FLOOD_SECONDS=0)."
    )
    if not isso:
        print("Isso: SKIPPED, it could not be installed (see the warning above).")
    results = {
        "date": datetime.now(UTC).isoformat(),
        "smoke": SMOKE,
        "cpus": cpus,
        "duration_s": DURATION,
        "rounds": ROUNDS,
        "concurrency": CONCURRENCY,
        "database": env["DATABASE_URL"].split(":", 1)[0],
        "flood_limit": "off for the run (COMMENTS_FLOOD_SECONDS=0)",
        "seeded": seeded,
        "isso": "installed" if isso else "skipped: could not be installed",
        "checks": check,
        "failures": failures,
        "scenarios": {s.key: {"title": s.title, "results": s.results} for s in scenarios},
        "wxr_import": imported,
        "table": report,
    }
    say(f"wrote {write_results(results).relative_to(ROOT)}")
    if failures:
        print(f"\nFAILED ({len(failures)}):", *failures, sep="\n- ")
        for server in servers:
            print(f"\n{server.log} ends with:\n{tail(server.log, 10)}")
        print(f"\nLogs and database kept in {work}")
        sys.exit(1)
    if not os.environ.get("BENCH_KEEP"):
        shutil.rmtree(work, ignore_errors=True)
    say("every scenario ran, no 5xx, no comment lost")


def by(scenarios: list[Scenario], key: str) -> Scenario:
    return next(s for s in scenarios if s.key == key)


if __name__ == "__main__":
    main()
