"""How much keeping the site settings fresh costs per request, on a SQLite file.

`python bench/settings_freshness.py`: times the three ways a worker could learn the
settings in force (see app/site_settings.py) with every setting saved:

- revision: ``SELECT max(revision)`` (what each request does; the table is re-read only
  when it moved);
- table: reading every row (what "read the table on each use" would do);
- table + decode: reading every row and decoding its JSON into values.

And the whole of ``site_settings.get`` for a fresh app context, as a request sees it.
Prints microseconds per call; nothing is asserted (speed is measured here, not tested).
"""

from __future__ import annotations

import json
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select

from app import create_app, site_settings
from app.auth.services import add_moderator
from app.extensions import db
from app.models import SiteSetting
from config import TestConfig

ROUNDS = 5_000


def per_call(stmt) -> float:
    return min(timeit.repeat(stmt, number=ROUNDS, repeat=3)) / ROUNDS * 1e6


def main() -> None:
    folder = tempfile.mkdtemp()
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.sqlite3")
    with app.app_context():
        db.create_all()
        admin = add_moderator("bench@example.com", "x" * 12, "Bench")
        site_settings.save(
            {
                "COMMENTS_MODERATION": "all",
                "COMMENTS_MAX_LINKS": "3",
                "COMMENTS_MODERATION_WORDS": "\n".join(f"word{n}" for n in range(50)),
                "COMMENTS_DISALLOWED_WORDS": "\n".join(f"bad{n}" for n in range(50)),
                "COMMENTS_RED_FLAGS": "\n".join(f"flag {n}" for n in range(100)),
                "COMMENTS_MIN_SECONDS": "2",
                "COMMENTS_FLOOD_SECONDS": "20",
                "COMMENTS_CLOSE_AFTER_DAYS": "30",
            },
            admin,
        )

        def revision():
            db.session.scalar(select(func.max(SiteSetting.revision)))
            db.session.rollback()

        def table():
            list(db.session.scalars(select(SiteSetting)))
            db.session.rollback()

        def table_and_decode():
            for row in db.session.scalars(select(SiteSetting)):
                json.loads(row.value)
            db.session.rollback()

        results = {
            "revision": per_call(revision),
            "table": per_call(table),
            "table + decode": per_call(table_and_decode),
        }

    def request_get():
        with app.app_context():
            site_settings.get("COMMENTS_MODERATION")
            site_settings.get("COMMENTS_RED_FLAGS")

    results["get() in a new app context"] = per_call(request_get)
    for name, micros in results.items():
        print(f"{name:>28}: {micros:7.1f} µs")


if __name__ == "__main__":
    main()
