"""Where the time of a comment POST goes: per stage, per SQL statement, and under wrk.

    .venv/bin/python bench/profile_post.py                 # in-process profile, then wrk
    .venv/bin/python bench/profile_post.py --no-wrk --posts 500 --cprofile 25
    .venv/bin/python bench/profile_post.py --no-profile --synchronous NORMAL,FULL --isso
    .venv/bin/python bench/profile_post.py --no-profile --synchronous FULL --isso --floor

A fresh database is made as ``make bench`` makes it (migrations, content, bench/seed.py:
100,000 comments by default; ``--database PATH`` keeps the seeded file for the next
run).  Then, on copies of it:

1. **In process**: the production app behind Werkzeug's test client, one browser that
   loads the article once (CSRF token, form stamp, session cookie) and sends new
   comments from new commenters with that cookie, as bench/lua/post_comment.lua does.
   It reports the wall time per POST; the time spent in each stage (timers wrapped
   around the functions named in STAGES, inclusive: a stage's time contains the stages
   indented under it); and the SQL statements per POST, counted on the engine, with the
   time spent in the driver by kind (a BEGIN IMMEDIATE's is the wait for the write
   lock).  ``--approved`` sends comments that are published at once (moderation off)
   instead of held ones; ``--cprofile N`` prints the N costliest functions.
2. **Under wrk**: gunicorn as ``make bench`` starts it (gunicorn.conf.py, production
   settings, the flood limit off), wrk with bench/lua/post_comment.lua for ``--duration``
   seconds at each ``--concurrency``, for each SQLite ``--synchronous`` mode, each
   ``--mail`` (off, or on: moderators emailed through an SMTP sink) and each
   ``--variant`` (environment variables: ``one:GUNICORN_WORKERS=1``); every server takes
   its turn in each of ``--rounds`` rounds, so that a busy moment on this shared machine
   hits them alike, and the table shows medians with the CPU time the workers used per
   POST (steadier than the rate when other work shares the machine).  Then every
   comment answered with a redirect is looked up in the database (zero lost).
   ``--isso`` runs Isso's POST beside it (installed by bench/run.py into
   bench/.venv-isso); ``--floor`` serves bench/floor_app.py beside it (gunicorn, Flask
   and one durable INSERT: the floor under any Flask app that takes comments, in the
   first ``--synchronous`` mode); ``--baseline PATH`` serves another checkout beside
   this one (``git worktree add ../before <commit>``, with this file copied into it).

Nothing here changes the app: the stage timers wrap functions in this process only;
the synchronous mode is set with the app's SQLITE_SYNCHRONOUS setting or, where the app
has none yet, by a connect hook in ``create_app`` below, which also serves
BENCH_SQLITE_PRAGMAS, BENCH_STAGES (the stage table from inside gunicorn's workers) and
BENCH_CPROFILE (their cProfile statistics).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import io
import itertools
import os
import pstats
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench import run  # noqa: E402  (after the path: `python bench/profile_post.py`)

ARTICLE = run.ARTICLE
# (label, "module:attribute.path"): inclusive timers; indentation shows what holds what.
# Targets missing from the code being measured are skipped (the list names the stages
# of the code before and after issue 15).
STAGES = (
    ("request, all of it (WSGI)", "app.request_size:BoundedChunkedBody.__call__"),
    ("  find the page (views.address)", "app.content.views:address"),
    ("  build the form from the POST", "app.comments.forms:CommentForm.__init__"),
    ("  validate the form (CSRF, email...)", "app.comments.forms:CommentForm.validate"),
    ("  closed? (closing.key_closed)", "app.comments.closing:key_closed"),
    ("  owned comments (session)", "app.content.comment_views:owned_comments"),
    ("  submit_comment", "app.comments.services:submit_comment"),
    ("    settings in force", "app.comments.services:policy_settings"),
    ("    facts about the sender", "app.comments.services:sender_facts"),
    ("    flood check", "app.comments.services:_last_comment_at"),
    ("    duplicate check", "app.comments.services:_is_duplicate"),
    ("    returning commenter?", "app.comments.services:_has_approved"),
    ("    address confirmed?", "app.comments.subscriptions:is_confirmed"),
    ("    commenter rules", "app.comments.rules:matching"),
    ("    policy.decide", "app.comments.policy:decide"),
    ("    build the row (digests, encryption)", "app.comments.services:build_comment"),
    ("    flush (ORM unit of work)", "sqlalchemy.orm:Session.flush"),
    ("    INSERT on the connection", "app.comments.services:_insert"),
    ("    page counts (touch_pages)", "app.comments.services:touch_pages"),
    ("    notices (comment_published)", "app.comments.subscriptions:comment_published"),
    ("    commit", "sqlalchemy.orm:Session.commit"),
    ("    comment_held signal", "app.comments.signals:comment_held.send"),
    ("  after: notice, redirect, cookies", "app.content.comment_views:_after_comment"),
    ("    page of the thread", "app.comments.listing:thread_page_of"),
    ("  save the session cookie", "flask.sessions:SecureCookieSessionInterface.save_session"),
)


def say(message: str) -> None:
    print(f"[profile {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- The database ------------------------------------------------------------------------


def seeded_database(env: dict, comments: int, keep: Path | None) -> Path:
    """Return a seeded SQLite file: ``keep`` if it exists, else a new one (saved there)."""
    if keep is not None and keep.is_file():
        say(f"reusing the seeded database {keep}")
        return keep
    path = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    say(f"seeding {comments:,} comments into {path} (bench/seed.py)")
    run.prepare_database(env)
    roots = min(1_050, comments)
    replies = min(150, comments - roots)
    script = (
        "import json; from app import create_app; from bench.seed import seed\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    print(json.dumps(seed({run.MODERATOR[0]!r}, {run.MODERATOR[1]!r}, "
        f"total={comments}, article_roots={roots}, article_replies={replies})))\n"
    )
    say(f"seeded: {run.app_python(env, script)}")
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, keep)
        return keep
    return path


def fresh_copy(seeded: Path, work: Path, name: str) -> str:
    """Copy the seeded file (a WAL database checkpointed by its last close) for one run."""
    target = work / f"{name}.sqlite3"
    shutil.copyfile(seeded, target)
    return f"sqlite:///{target}"


def create_app():
    """The app as gunicorn serves it, for ``bench.profile_post:create_app()``.

    SQLite's ``synchronous`` comes from BENCH_SQLITE_SYNCHRONOUS when the app has no
    SQLITE_SYNCHRONOUS setting of its own yet; BENCH_SQLITE_PRAGMAS ("mmap_size=
    268435456;cache_size=-20000") tries other connection settings.  Both run after
    app.db's own connection hook.
    """
    from sqlalchemy import event

    from app import create_app as make_app
    from app.extensions import db

    app = make_app()
    pragmas = []
    mode = os.environ.get("BENCH_SQLITE_SYNCHRONOUS", "").strip().upper()
    if mode and "SQLITE_SYNCHRONOUS" not in app.config:
        if mode not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"BENCH_SQLITE_SYNCHRONOUS={mode!r}")
        pragmas.append(f"synchronous = {mode}")
    for pragma in os.environ.get("BENCH_SQLITE_PRAGMAS", "").split(";"):
        if pragma.strip():
            if not re.fullmatch(r"[a-z_]+ *= *-?[0-9A-Za-z_]+", pragma.strip()):
                raise ValueError(f"BENCH_SQLITE_PRAGMAS: {pragma!r}")
            pragmas.append(pragma.strip())
    if pragmas:
        with app.app_context():
            engine = db.engine

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            for pragma in pragmas:
                dbapi_conn.execute(f"PRAGMA {pragma}")

    if os.environ.get("BENCH_CPROFILE"):
        profile_worker(app, Path(os.environ["BENCH_CPROFILE"]))
    if os.environ.get("BENCH_STAGES"):
        time_stages(app, Path(os.environ["BENCH_STAGES"]))
    return app


def profile_worker(app, folder: Path) -> None:
    """Profile every request this worker serves (cProfile); every 200 requests, write
    the statistics to ``folder/<pid>.prof`` (read them with pstats)."""
    profiler = cProfile.Profile()
    inner = app.wsgi_app
    served = [0]

    def profiled(environ, start_response):
        profiler.enable()
        try:
            return inner(environ, start_response)
        finally:
            profiler.disable()
            served[0] += 1
            if served[0] % 200 == 0:
                profiler.dump_stats(folder / f"{os.getpid()}.prof")

    app.wsgi_app = profiled


def synchronous_in_force(app) -> str:
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        value = db.session.execute(text("PRAGMA synchronous")).scalar()
    return {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}.get(value, str(value))


# --- In process ----------------------------------------------------------------------------


class Stages:
    """Inclusive timers around named functions, and the SQL statements on an engine
    (how many of each kind, and the time in the driver), in this thread only (the
    outbox's and mail's threads run their own).  ``paused``: count nothing."""

    def __init__(self) -> None:
        self.nanos: Counter = Counter()
        self.calls: Counter = Counter()
        self.statements: Counter = Counter()
        self.sql_nanos: Counter = Counter()
        self.paused = False
        self._undo: list = []
        self._thread = threading.get_ident()
        self._started: dict = {}

    def wrap(self, label: str, target: str) -> bool:
        module_name, _, path = target.partition(":")
        try:
            owner = importlib.import_module(module_name)
            *parents, attribute = path.split(".")
            for part in parents:
                owner = getattr(owner, part)
            original = getattr(owner, attribute)
        except (ImportError, AttributeError):
            return False
        had_own = attribute in vars(owner) if hasattr(owner, "__dict__") else True

        @functools.wraps(original)
        def timed(*args, **kwargs):
            start = time.perf_counter_ns()
            try:
                return original(*args, **kwargs)
            finally:
                if not self.paused and threading.get_ident() == self._thread:
                    self.nanos[label] += time.perf_counter_ns() - start
                    self.calls[label] += 1

        setattr(owner, attribute, timed)
        self._undo.append((owner, attribute, original, had_own))
        return True

    def listen(self, engine) -> None:
        from sqlalchemy import event

        def before(conn, cursor, statement, *args):
            if not self.paused and threading.get_ident() == self._thread:
                words = statement.split(None, 2)
                kind = " ".join(words[:2]) if words[0] == "BEGIN" else words[0].upper()
                self._started[id(cursor)] = (kind, time.perf_counter_ns())
                self.statements[kind] += 1

        def after(conn, cursor, statement, *args):
            started = self._started.pop(id(cursor), None)
            if started is not None:
                kind, start = started
                self.sql_nanos[kind] += time.perf_counter_ns() - start

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        self._undo.append((engine, None, (before, after), None))

    def undo(self) -> None:
        from sqlalchemy import event

        for owner, attribute, original, had_own in reversed(self._undo):
            if attribute is None:
                before, after = original
                event.remove(owner, "before_cursor_execute", before)
                event.remove(owner, "after_cursor_execute", after)
            elif had_own:
                setattr(owner, attribute, original)
            else:
                delattr(owner, attribute)
        self._undo.clear()

    def table(self, posts: int) -> str:
        """The stages and statements per POST, as Markdown."""
        lines = ["| stage (inclusive) | ms per POST | calls per POST |", "| --- | ---: | ---: |"]
        for label, _ in STAGES:
            if self.calls[label]:
                shown = label.replace("  ", "\u00a0\u00a0")
                ms = self.nanos[label] / posts / 1e6
                lines.append(f"| {shown} | {ms:.3f} | {self.calls[label] / posts:g} |")
        for kind in sorted(self.statements):
            ms = self.sql_nanos[kind] / posts / 1e6
            count = self.statements[kind] / posts
            lines.append(f"| SQL in the driver: {kind} | {ms:.3f} | {count:g} |")
        total = sum(self.statements.values()) / posts
        queries = sum(n for k, n in self.statements.items() if not k.startswith("BEGIN")) / posts
        lines.append("")
        lines.append(
            f"SQL statements per POST: {total:g}, {queries:g} besides BEGIN "
            "(COMMIT is the driver's call, not a statement)"
        )
        return "\n".join(lines)


def time_stages(app, folder: Path) -> None:
    """Time the STAGES of every POST this worker serves; every 200 POSTs, write the
    table to ``folder/<pid>.md`` (BENCH_STAGES=folder)."""
    from app.extensions import db

    stages = Stages()
    for label, target in STAGES:
        stages.wrap(label, target)
    with app.app_context():
        stages.listen(db.engine)
    inner = app.wsgi_app
    posts = [0]

    def timed(environ, start_response):
        stages.paused = environ.get("REQUEST_METHOD") != "POST"
        try:
            return inner(environ, start_response)
        finally:
            if not stages.paused:
                posts[0] += 1
                if posts[0] % 200 == 0:
                    (folder / f"{os.getpid()}.md").write_text(
                        f"{posts[0]} POSTs in worker {os.getpid()}\n\n{stages.table(posts[0])}\n"
                    )

    app.wsgi_app = timed


def env_origin() -> str:
    """The origin a browser would send: the app's SITE_URL (the form refuses others)."""
    return os.environ.get("SITE_URL", "http://localhost").rstrip("/")


class Browser:
    """One browser as post_comment.lua is: one page load, then POSTs with that cookie."""

    def __init__(self, app, run_id: str) -> None:
        self.app = app
        self.client = app.test_client(use_cookies=False)
        page = self.client.get(ARTICLE)
        if page.status_code != 200:
            raise SystemExit(f"GET {ARTICLE} answered {page.status_code}")
        html = page.get_data(as_text=True)
        # The shared article page carries no CSRF token and sets no cookie (the comment
        # form checks Origin instead); an older checkout's page (--baseline) has both.
        token = re.search(r'name="csrf_token" value="([^"]+)"', html)
        self.token = token[1] if token else None
        self.stamp = re.search(r'name="rendered_at" value="([^"]+)"', html)[1]
        cookie = re.search(r"(session=[^;]+)", page.headers.get("Set-Cookie", ""))
        self.headers = {"Origin": env_origin()}
        if cookie:
            self.headers["Cookie"] = cookie[1]
        self.run_id = run_id
        self.sent = 0

    def post(self) -> int:
        """Send one new comment; return its id (the redirect's anchor).

        :raise SystemExit: on any answer but a redirect to the new comment.
        """
        self.sent += 1
        who = f"{self.run_id}-{self.sent}"
        response = self.client.post(
            ARTICLE,
            data={
                "comment": f"Benchmark comment {who}",
                "name": "Bench Reader",
                "email": f"bench-{who}@example.com",
                **({"csrf_token": self.token} if self.token else {}),
                "rendered_at": self.stamp,
            },
            headers=self.headers,
        )
        anchor = re.search(r"#comment-(\d+)$", response.headers.get("Location", ""))
        if response.status_code != 303 or not anchor:
            raise SystemExit(f"POST answered {response.status_code}: {response.data[:300]!r}")
        return int(anchor[1])


def profile_in_process(env: dict, args) -> None:
    """Time POSTs through the real WSGI app and print where the time went."""
    os.environ.update(env)
    if args.approved:  # published at once: moderation off, and no "sent too fast"
        os.environ.update(COMMENTS_MODERATION="none", COMMENTS_MIN_SECONDS="0")
    # config.py reads the environment when imported (bench.run imported it already).
    importlib.reload(importlib.import_module("config"))
    app = create_app()
    from app.extensions import db
    from app.models import Comment, CommentStatus

    with app.app_context():
        engine = db.engine
    browser = Browser(app, "inproc")
    for _ in range(args.warmup):
        browser.post()

    start = time.perf_counter()
    ids = [browser.post() for _ in range(args.posts)]
    wall_ms = (time.perf_counter() - start) * 1000 / args.posts

    stages = Stages()
    for label, target in STAGES:
        stages.wrap(label, target)
    stages.listen(engine)
    try:
        for _ in range(args.posts):
            ids.append(browser.post())
    finally:
        stages.undo()
    with app.app_context():
        statuses = Counter(db.session.scalars(db.select(Comment.status).where(Comment.id.in_(ids))))
    expected = CommentStatus.APPROVED if args.approved else CommentStatus.PENDING
    if statuses != Counter({expected: len(ids)}):
        raise SystemExit(f"expected every comment {expected.value}, found {dict(statuses)}")
    print()
    print(
        f"In process: {args.posts} {'approved' if args.approved else 'held'} POSTs, "
        f"synchronous={synchronous_in_force(app)}, {wall_ms:.2f} ms each without timers "
        f"({1000 / wall_ms:,.0f} a second on one core)"
    )
    print()
    print(stages.table(args.posts))

    if args.cprofile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.posts):
            browser.post()
        profiler.disable()
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.cprofile)
            print(f"\ncProfile, {args.posts} POSTs, by {order}:")
            print("\n".join(out.getvalue().splitlines()[6:]))


# --- Under wrk -------------------------------------------------------------------------------


def worker_cpu_seconds(master_pid: int) -> float:
    """User and system CPU seconds used so far by a gunicorn master's worker processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == master_pid:  # fields[1]: the parent's pid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def post_round(
    wrk: str, server: run.Server, scenario: run.Scenario, c: int, run_id: str, ids_dir: Path
) -> dict:
    """One wrk run against ``server``; its result, with the workers' CPU ms per POST.

    ``run_id`` goes into every comment's text and email (no two runs send the same).
    """
    before = worker_cpu_seconds(server.process.pid)
    result = run.run_wrk(wrk, server.url, scenario, c, run_id, ids_dir)
    used = worker_cpu_seconds(server.process.pid) - before
    result.update(
        server=server.name,
        concurrency=c,
        cpu_ms_per_post=used * 1000 / max(1, result["requests"]),
    )
    say(report_line(result))
    return result


def wrk_runs(seeded: Path, work: Path, args) -> list[dict]:
    """Serve copies of the seeded database with gunicorn (and Isso) and POST with wrk,
    taking turns, so that a busy moment on a shared machine hits every server alike."""
    wrk = run.ensure_wrk()
    run.DURATION = args.duration
    servers: list[tuple[run.Server, run.Scenario, dict | None]] = []
    mail = start_mail_sink() if "on" in args.mail else None
    trees = [(ROOT, "")]
    trees += [(tree.resolve(), f" ({tree.name})") for tree in args.baseline]
    try:
        combinations = itertools.product(args.synchronous, args.mail, trees, args.variants)
        for mode, mail_on, (tree, label), (variant, overrides) in combinations:
            port = run.free_port()
            env = {
                **run.relief_env(work, port),
                "DATABASE_URL": fresh_copy(seeded, work, f"wrk-{port}"),
                "SQLITE_SYNCHRONOUS": mode,
                "BENCH_SQLITE_SYNCHRONOUS": mode,
                **overrides,
            }
            if mail_on == "on":
                env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(mail.port))
            name = (
                f"Relief{label}, synchronous={mode}"
                + (", mail on" if mail_on == "on" else "")
                + (f", {variant}" if variant else "")
            )
            app_spec = "bench.profile_post:create_app()"
            server = run.Server(
                name,
                [*run.gunicorn(run.BIN, app_spec, port)[:-1], "--chdir", str(tree), app_spec],
                env,
                port,
                work / f"relief-{port}.log",
            )
            scenario = run.Scenario("post", "POST", "relief", ARTICLE, "post_comment.lua", "POST")
            servers.append((server, scenario, env))
            server.start()
        if args.floor:
            servers.append(start_floor(seeded, work, args.synchronous[0]))
        if args.isso:
            servers.append(
                (
                    start_isso(work),
                    run.Scenario(
                        "isso_post", "Isso", "isso", "/new?uri=%2Fthread", "post_isso.lua", "POST"
                    ),
                    None,
                )
            )
        results = []
        for n in range(args.rounds):
            for c in args.concurrency:
                for server, scenario, _env in servers:
                    ids_dir = work / f"ids-{server.port}"
                    ids_dir.mkdir(exist_ok=True)
                    run_id = f"p{server.port}c{c}r{n}"
                    results.append(post_round(wrk, server, scenario, c, run_id, ids_dir))
    finally:
        for server, _, _ in servers:
            server.stop()
        if mail is not None:
            mail.stop()
    for server, _, env in servers:
        if env is None:
            continue
        ids = run.acknowledged_ids(work / f"ids-{server.port}")
        if FLOOR_TABLE in env:
            lost = floor_missing(env[FLOOR_TABLE], ids)
        else:
            lost = run.missing_comments(env, ids)
        for result in results:
            if result["server"] == server.name:
                result.update(acknowledged_ids=len(ids), lost=lost)
        say(f"{server.name}: {len(ids):,} comments acknowledged, {lost} of them lost")
    return results


class MailSink:
    """An SMTP server on 127.0.0.1 that keeps nothing (aiosmtpd, a test dependency)."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Sink

        self.port = run.free_port()
        self.controller = Controller(Sink(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def start_mail_sink() -> MailSink:
    say("moderators' emails ON: an SMTP sink on 127.0.0.1 takes them")
    return MailSink()


FLOOR_TABLE = "BENCH_FLOOR_DATABASE"  # in the floor server's env: where its rows are


def start_floor(seeded: Path, work: Path, mode: str) -> tuple:
    """Serve bench/floor_app.py, the least a Flask comment POST can do, on a copy of the
    seeded file, with the same gunicorn settings (server, scenario, env)."""
    port = run.free_port()
    url = fresh_copy(seeded, work, f"floor-{port}")
    env = {**run.relief_env(work, port), "DATABASE_URL": url, "SQLITE_SYNCHRONOUS": mode}
    env[FLOOR_TABLE] = url.removeprefix("sqlite:///")
    app_spec = "bench.floor_app:create_app()"
    server = run.Server(
        f"Flask floor (one INSERT), synchronous={mode}",
        [*run.gunicorn(run.BIN, app_spec, port)[:-1], "--chdir", str(ROOT), app_spec],
        env,
        port,
        work / f"floor-{port}.log",
    )
    server.start()
    scenario = run.Scenario("floor_post", "POST", "floor", ARTICLE, "post_comment.lua", "POST")
    return server, scenario, env


def floor_missing(path: str, ids: set[int]) -> int:
    """How many ids the floor app acknowledged are not in its table."""
    import sqlite3

    from bench.floor_app import TABLE

    with closing(sqlite3.connect(path)) as connection:
        stored = {row[0] for row in connection.execute(f"SELECT id FROM {TABLE}")}
    return len(ids - stored)


def start_isso(work: Path) -> run.Server:
    bin_dir = run.ensure_isso()
    port = run.free_port()
    server = run.Server(
        "Isso 0.14",
        run.gunicorn(bin_dir, "isso.run", port),
        {
            **os.environ,
            **run.production_env(port),
            "ISSO_SETTINGS": str(run.isso_config(work, port)),
        },
        port,
        work / "isso.log",
    )
    run.subprocess.run(
        [str(bin_dir / "python"), "-c", "import isso.run"],
        env=server.env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    server.start("/info")
    run.seed_isso(server.url, "/thread", 50)
    return server


def report_line(result: dict) -> str:
    return (
        f"{result['server']} c={result['concurrency']}: {result['rps']:,.0f} POST/s, "
        f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
        f"{result['cpu_ms_per_post']:.2f} CPU ms per POST in the workers, "
        f"{result['accepted']:,} accepted, {result['server_errors']} 5xx, "
        f"{result['client_errors']} 4xx, {result['socket_errors']} socket errors"
    )


def wrk_table(results: list[dict]) -> str:
    """Medians over the rounds, per server and concurrency."""
    groups: dict[tuple[str, int], list[dict]] = {}
    for r in results:
        groups.setdefault((r["server"], r["concurrency"]), []).append(r)

    def median(rows: list[dict], key: str) -> float:
        return statistics.median(row[key] for row in rows)

    isso = {c: median(rows, "rps") for (name, c), rows in groups.items() if name.startswith("Isso")}
    lines = [
        "| server | conc. | POST/s | p50 ms | p99 ms | CPU ms/POST | x Isso | acknowledged "
        "| lost | 5xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for (name, c), rows in groups.items():
        rps, peer = median(rows, "rps"), isso.get(c)
        ratio = f"{rps / peer:.2f}" if peer else "n/a"
        acknowledged = rows[0].get("acknowledged_ids")
        lines.append(
            f"| {name} | {c} | {rps:,.0f} | {median(rows, 'p50_ms'):.1f} | "
            f"{median(rows, 'p99_ms'):.1f} | {median(rows, 'cpu_ms_per_post'):.2f} | {ratio} | "
            f"{'' if acknowledged is None else f'{acknowledged:,}'} | "
            f"{rows[0].get('lost', '')} | {sum(row['server_errors'] for row in rows)} |"
        )
    return "\n".join(lines)


# --- Main --------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000, help="comments to seed")
    parser.add_argument("--database", type=Path, help="keep (or reuse) the seeded file here")
    parser.add_argument("--posts", type=int, default=300, help="POSTs timed in process")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--approved", action="store_true", help="published at once, not held")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    parser.add_argument("--no-profile", dest="profile", action="store_false")
    parser.add_argument("--no-wrk", dest="wrk", action="store_false")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--concurrency", default="8,32")
    parser.add_argument("--synchronous", default="NORMAL,FULL", help="SQLite modes for wrk")
    parser.add_argument("--isso", action="store_true", help="run Isso's POST beside it")
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also serve bench/floor_app.py: Flask and one durable INSERT, nothing else",
    )
    parser.add_argument("--rounds", type=int, default=1, help="wrk rounds (median shown)")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:VAR=VALUE,...",
        help="also serve with these environment variables (repeatable), e.g. "
        "one:GUNICORN_WORKERS=1 or mmap:BENCH_SQLITE_PRAGMAS=mmap_size=268435456",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        action="append",
        default=[],
        help="a checkout of other code (git worktree add) to serve beside this one; "
        "repeatable; it needs this file as bench/profile_post.py",
    )
    parser.add_argument(
        "--mail", default="off", help="off, on or off,on: email moderators (an SMTP sink)"
    )
    args = parser.parse_args()
    args.concurrency = [int(c) for c in args.concurrency.split(",")]
    args.synchronous = [m.strip().upper() for m in args.synchronous.split(",") if m.strip()]
    args.mail = [m.strip().lower() for m in args.mail.split(",") if m.strip()]
    args.variants = [("", {})]
    for spec in args.variant:
        name, _, assignments = spec.partition(":")
        pairs = (pair.split("=", 1) for pair in assignments.split(",") if pair)
        args.variants.append((name, dict(pairs)))
    return args


def main() -> None:
    args = arguments()
    work = Path(tempfile.mkdtemp(prefix="relief-profile-"))
    seed_env = run.relief_env(work, run.free_port())
    try:
        seeded = seeded_database(seed_env, args.comments, args.database)
        if args.profile:
            env = {
                **run.relief_env(work, 80),
                "DATABASE_URL": fresh_copy(seeded, work, "inproc"),
                "MAIL_DRAIN_SECONDS": "3600",
            }
            env["SITE_URL"] = "http://localhost"  # the test client's origin
            profile_in_process(env, args)
        if args.wrk:
            results = wrk_runs(seeded, work, args)
            print()
            print(wrk_table(results))
            bad = [r for r in results if r["server_errors"] or r.get("lost")]
            if bad:
                sys.exit(f"FAILED: 5xx or lost comments in {len(bad)} run(s); logs in {work}")
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
