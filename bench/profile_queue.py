"""Where the CPU time of one moderation queue view goes (GET /moderation/, Pending tab).

    .venv/bin/python bench/profile_queue.py                      # median ms per view
    .venv/bin/python bench/profile_queue.py --cprofile 30        # and the costliest calls
    .venv/bin/python bench/profile_queue.py --database q.db --views 300

The app runs in this process behind Werkzeug's test client, on a SQLite file seeded by
bench/seed.py (100,000 comments, emails encrypted with a Fernet key), with CSRF on as
in production.  A moderator logs in through the login form, then the client GETs the
queue ``--views`` times (after a few warm-up views); the median wall and CPU time per
view are printed, with the SQL statements one view runs.  ``--cprofile N`` profiles the views
and prints the N costliest functions by cumulative and by own time.  ``--database``
keeps the seeded file for the next run (it is reused when it exists).  Numbers to read,
not to assert.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, select  # noqa: E402  (after the path)

from app import create_app  # noqa: E402
from app.content.loading import upsert_article  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import Article  # noqa: E402
from bench.seed import seed  # noqa: E402
from config import TestConfig  # noqa: E402
from tests.conftest import make_article  # noqa: E402

MODERATOR = ("queue-bench@example.com", "correct horse battery staple")
# A fixed key, so that a kept database can be read by the next run.
FERNET_KEY = "dGhpcy1pcy1hLWJlbmNoLWtleS1ub3QtYS1zZWNyZXQ="


def make_app(path: Path):
    """The app on the SQLite file ``path``, seeded with 100,000 comments if it is new."""
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        WTF_CSRF_ENABLED=True,
        EMAIL_ENCRYPTION_KEYS=FERNET_KEY,
        MODERATION_COUNTS_SECONDS=5.0,
    )
    with app.app_context():
        db.create_all()  # nothing on a seeded file
        if db.session.scalar(select(Article)) is None:
            upsert_article(make_article())
            started = time.perf_counter()
            print("seeded", seed(*MODERATOR), f"in {time.perf_counter() - started:.0f} s")
    return app


def logged_in_client(app):
    """A test client logged in as the benchmark's moderator through the login form."""
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    email, password = MODERATOR
    answer = client.post(
        "/auth/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert answer.status_code in (302, 303), answer.status_code
    return client


def view(client, url: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 200, answer.status_code
    answer.get_data()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", type=Path, help="seeded SQLite file to keep/reuse")
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--url", default="/moderation/")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    path = args.database or Path(tempfile.mkdtemp()) / "queue-bench.sqlite3"
    app = make_app(path)
    client = logged_in_client(app)

    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for _ in range(10):
        view(client, args.url)
    statements.clear()
    view(client, args.url)
    print(f"{len(statements)} SQL statements per view")

    times, cpu = [], []
    for _ in range(args.views):
        started, started_cpu = time.perf_counter(), time.process_time()
        view(client, args.url)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    print(
        f"{args.url}: median {statistics.median(times):.2f} ms "
        f"(CPU {statistics.median(cpu):.2f} ms), "
        f"min {min(times):.2f} ms (CPU {min(cpu):.2f} ms), "
        f"p90 {statistics.quantiles(times, n=10)[-1]:.2f} ms over {args.views} views"
    )

    if args.cprofile:
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.views):
            view(client, args.url)
        profile.disable()
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.cprofile)
            print(out.getvalue())


if __name__ == "__main__":
    main()
