"""How the moderator's workspace and the public listing behave at 100,000 comments.

    DATABASE_URL=sqlite:///workspace-bench.db python -m bench.workspace_queries
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/NAME python -m bench.workspace_queries

Fills an empty database (schema from the models) with 100,000 comments in threads
(about a fifth of them with a question mark, one in a hundred with red flags, a few
hundred site replies, a few hundred reported) and 100,000 log entries (a tenth of them
bulk, naming five comments each).  On PostgreSQL it then runs VACUUM ANALYZE, as
autovacuum would on a live site (SQLite runs without statistics, as the app does).
Each scenario's median time over a few runs is printed, and each statement it runs
against the comments, as the app runs it (real parameters), is explained: EXPLAIN
(ANALYZE, BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite.  PLANS=0 prints the
times only.  Numbers to read, not to assert.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, func, insert, select, text

from app import create_app
from app.comments import listing
from app.extensions import db
from app.models import (
    Article,
    Comment,
    CommentReport,
    CommentStatus,
    ModerationAction,
    ModerationEvent,
    ModerationEventItem,
    QueueOrder,
    ReportReason,
)
from app.moderation import audit, overview, queue
from app.shared.pages import PageKey
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
    # Adding the moderator above logged an entry already.
    logged = db.session.scalar(select(func.max(ModerationEvent.id))) or 0
    for n in range(logged + 1, logged + EVENTS + 1):
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
    reported = rng.sample(range(1, COMMENTS + 1), 300)
    db.session.execute(
        insert(CommentReport),
        [
            dict(
                comment_id=cid,
                reason=ReportReason.UNSAFE_ADVICE,
                note="",
                reporter_digest=f"r{cid}",
                client_net=f"192.0.2.{cid % 250}",
                created_at=START,
            )
            for cid in reported
        ],
    )
    db.session.commit()


def timed(label: str, run) -> None:
    """Print the median time of ``run`` over five runs, then (unless PLANS=0) the plan of
    each statement it runs against the comments."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    print(f"{label:<44} {statistics.median(times) * 1000:8.1f} ms", flush=True)
    if os.environ.get("PLANS", "1") != "0":
        with captured() as statements:
            run()
        for statement, parameters in statements:
            if "comments" in statement:
                print(indent(explain(statement, parameters)), flush=True)


@contextmanager
def captured():
    """Collect every statement (and its parameters) the block runs."""
    statements: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)


def explain(statement: str, parameters) -> str:
    """The statement's first line and its plan, as the database runs it."""
    if db.engine.dialect.name == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) "
    rows = db.session.connection().exec_driver_sql(prefix + statement, parameters)
    head = " ".join(statement.split())[:160]
    return head + "\n" + "\n".join(str(row[-1]) for row in rows)


def indent(block: str) -> str:
    return "\n".join("    " + line for line in block.splitlines()) + "\n"


def plan(statement) -> str:
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    return "\n".join(str(row[-1]) for row in db.session.execute(text(prefix + str(compiled))))


def vacuum_analyze() -> None:
    """On PostgreSQL, what autovacuum does on a live site: statistics for the planner and
    a visibility map for index-only scans."""
    if db.engine.dialect.name != "postgresql":
        return
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    print("VACUUM ANALYZE done", flush=True)


def queue_scenarios() -> None:
    """The moderation queue: tab counts, overview, tabs, cursor and numbered pages."""
    pending = queue.QueueFilter()
    newest = queue.QueueFilter(order=QueueOrder.NEWEST)
    first = queue.queue_page(pending, 1, 20)
    deep = first
    for _ in range(200):  # "Next" 200 times: page 201
        deep = queue.queue_page(pending, deep.page + 1, 20, after=deep.next_cursor)
    timed("queue: tab counts (kept 5 s per worker)", lambda: fresh(queue.status_counts))
    timed("queue: careful and reported counts", queue.badge_counts)
    timed("queue: pending, page 1", lambda: queue.queue_page(pending, 1, 20))
    timed("queue: pending, newest first", lambda: queue.queue_page(newest, 1, 20))
    timed(
        f"queue: pending, Next to page {deep.page + 1}",
        lambda: queue.queue_page(pending, deep.page + 1, 20, after=deep.next_cursor),
    )
    timed(
        f"queue: pending, Previous to page {deep.page - 1}",
        lambda: queue.queue_page(pending, deep.page - 1, 20, before=deep.previous_cursor),
    )
    timed(
        f"queue: pending, ?page={first.pages} (offset)",
        lambda: queue.queue_page(pending, first.pages, 20),
    )
    for label, filters in [
        ("approved", queue.QueueFilter(status=CommentStatus.APPROVED)),
        ("careful", queue.QueueFilter(careful=True)),
        ("reported", queue.QueueFilter(reported=True)),
        ("search", queue.QueueFilter(search="heat")),
    ]:
        timed(f"queue: {label}, page 1", lambda f=filters: queue.queue_page(f, 1, 20))


def fresh(count):
    """Count afresh, not from this worker's copy."""
    queue.forget_counts()
    return count()


def listing_scenarios() -> None:
    """The public listing of a page with thousands of threads."""
    article = db.session.scalar(select(Article))
    page = PageKey(article.id)
    roots = listing._count_roots(page, frozenset())
    last = max(1, -(-roots // 50))
    print(f"the article page has {roots:,} top-level comments ({last} pages of 50)")
    timed("listing: page 1 of 50 threads", lambda: listing.list_comments(page, 1, 50))
    timed(f"listing: page {last}", lambda: listing.list_comments(page, last, 50))
    newest = db.session.scalar(
        select(Comment).where(Comment.parent_id.is_not(None)).order_by(Comment.id.desc())
    )
    timed(
        "listing: the page of a reply's thread",
        lambda: listing.thread_page_of(newest, 50, frozenset()),
    )


def main() -> None:
    url = os.environ["DATABASE_URL"]
    # The tab counts and the overview are kept per worker, as in production: the queue
    # scenarios time a view with them kept; their own rows time counting them afresh.
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, MODERATION_COUNTS_SECONDS=3600.0)
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        fill(random.Random(13))
        print(f"filled in {time.perf_counter() - started:.0f} s", flush=True)
        vacuum_analyze()
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
        timed("overview, counted afresh (kept 5 s per worker)", overview._count)
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
        queue_scenarios()
        listing_scenarios()
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
