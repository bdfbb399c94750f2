"""How the moderator's workspace queries behave at 100,000 comments and log entries.

    DATABASE_URL=sqlite:///workspace-bench.db python -m bench.workspace_queries
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/NAME python -m bench.workspace_queries

Fills an empty database (schema from the models) with 100,000 comments in threads
(about a fifth of them with a question mark, a few hundred site replies) and 100,000 log
entries (a tenth of them bulk, naming five comments each), then prints each query's
plan and its median time over a few runs.  Numbers to read, not to assert.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select, text

from app import create_app
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    ModerationEventItem,
)
from app.moderation import audit, overview
from config import TestConfig
from tests.conftest import make_article

COMMENTS = 100_000
EVENTS = 100_000
START = datetime(2025, 1, 1, tzinfo=UTC)


def fill(rng: random.Random) -> None:
    from app.auth.services import add_moderator
    from app.content.loading import upsert_article

    add_moderator("a@example.com", "correct horse battery staple", "A")

    upsert_article(make_article())
    article = db.session.scalar(select(Article))
    statuses = [CommentStatus.APPROVED] * 6 + [CommentStatus.PENDING, CommentStatus.SPAM]
    rows, roots = [], []
    for n in range(1, COMMENTS + 1):
        parent = rng.choice(roots) if roots and rng.random() < 0.4 else None
        site = parent is not None and rng.random() < 0.01
        body = "Does heat help?" if rng.random() < 0.2 else "Heat helped my back."
        rows.append(
            dict(
                id=n,
                article_id=article.id,
                parent_id=parent,
                root_id=parent,
                status=CommentStatus.APPROVED if site else rng.choice(statuses),
                author_name="Reader",
                author_email="r@example.com",
                email_digest="d",
                body=body,
                created_at=START + timedelta(minutes=n),
                reason="",
                moderator_id=None,
                red_flags="numb" if rng.random() < 0.01 else "",
            )
        )
        if parent is None:
            roots.append(n)
    db.session.execute(insert(Comment), rows)
    events, items = [], []
    for n in range(1, EVENTS + 1):
        bulk = rng.random() < 0.1
        events.append(
            dict(
                id=n,
                moderator_email=rng.choice(["a@example.com", "b@example.com"]),
                action=rng.choice(list(ModerationAction)),
                comment_id=None if bulk else rng.randint(1, COMMENTS),
                detail="",
                created_at=START + timedelta(minutes=n),
            )
        )
        for _ in range(5 if bulk else 0):
            items.append(dict(event_id=n, comment_id=rng.randint(1, COMMENTS)))
    db.session.execute(insert(ModerationEvent), events)
    db.session.execute(insert(ModerationEventItem), items)
    db.session.commit()


def timed(label: str, run) -> None:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    print(f"{label:<40} {statistics.median(times) * 1000:8.1f} ms")


def plan(statement) -> str:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row[-1]) for row in db.session.execute(text(prefix + str(compiled))))


def main() -> None:
    url = os.environ["DATABASE_URL"]
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        fill(random.Random(13))
        print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
        sites = select(Comment.id).where(Comment.parent_id.is_not(None)).limit(400)
        ids = ",".join(str(i) for i in db.session.scalars(sites))
        db.session.execute(
            text(
                "UPDATE comments SET moderator_id = (SELECT min(id) FROM moderators),"
                f" status = 'approved' WHERE id IN ({ids})"
            )
        )
        db.session.commit()
        print("site replies set", flush=True)
        count = select(func.count()).select_from(Comment).where(*overview._unanswered())
        print(plan(count), "\n")
        by_comment = select(ModerationEvent.id).where(
            *audit._conditions(audit.LogFilter(comment_id=4242))
        )
        print(plan(by_comment), "\n")
        timed("overview (3 queries)", overview.overview)
        timed("questions page 1", lambda: overview.unanswered_questions(1, 50))
        timed("questions page 100", lambda: overview.unanswered_questions(100, 50))
        for label, filters in [
            ("log, no filter", audit.LogFilter()),
            ("log, by comment", audit.LogFilter(comment_id=4242)),
            ("log, by who", audit.LogFilter(who="a@example.com")),
            ("log, by action", audit.LogFilter(action=ModerationAction.EDIT)),
            (
                "log, combined + dates",
                audit.LogFilter(
                    who="a@example.com",
                    action=ModerationAction.EDIT,
                    since=START.date() + timedelta(days=10),
                    until=START.date() + timedelta(days=20),
                ),
            ),
        ]:
            timed(label, lambda f=filters: audit.events(f, 1, 50).items)
        print("unanswered questions:", overview.unanswered_count())
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
