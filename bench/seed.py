"""Fill a fresh database for the benchmark, through the app's own models and services.

The full run gives the article 1,050 approved top-level threads plus 150 replies (21
pages of 50 threads); the remedy pages and every status share the rest, 100,000
comments in all.  The smoke run asks for fewer (see ``seed``'s arguments).  Emails are
encrypted and hashed by the app's own column type and digest function; the pages' stored
counts are recounted by the app's own ``touch_pages``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from app.auth.services import add_moderator
from app.comments.services import touch_pages
from app.crypto import digest_of
from app.db import write_transaction
from app.extensions import db
from app.models import Article, Comment, CommentStatus
from app.shared.pages import PageKey

TOTAL = 100_000
ARTICLE_ROOTS = 1_050
ARTICLE_REPLIES = 150
BATCH = 5_000
STATUSES = [CommentStatus.APPROVED, CommentStatus.PENDING, CommentStatus.SPAM, CommentStatus.TRASH]
WEIGHTS = [40, 30, 20, 10]
WORDS = (
    "heat helped my back a lot after two days of rest and gentle stretching every morning "
    "the pelvic tilt and cat cow stretch eased the spasm while ice numbed the pain"
).split()


def _row(
    rng: random.Random,
    n: int,
    article_id: int,
    remedy_id: int | None,
    status: CommentStatus,
    when: datetime,
) -> dict:
    email = f"reader{n % 20_000}@example.com"
    return {
        "article_id": article_id,
        "remedy_id": remedy_id,
        "status": status,
        "author_name": f"Reader {n % 20_000}",
        "author_email": email,
        "email_digest": digest_of(email),
        "body": " ".join(rng.choices(WORDS, k=rng.randint(8, 60))).capitalize() + ".",
        "created_at": when,
        "approved_at": when if status is CommentStatus.APPROVED else None,
        "ip": f"198.51.{n % 250}.{n % 200 + 1}",
        "user_agent": "Mozilla/5.0 (benchmark)",
        "reason": "" if status is CommentStatus.APPROVED else "new commenter",
    }


def seed(
    moderator_email: str,
    moderator_password: str,
    total: int = TOTAL,
    article_roots: int = ARTICLE_ROOTS,
    article_replies: int = ARTICLE_REPLIES,
) -> dict:
    """Fill the database with ``total`` comments and add a moderator; return what was made.

    The article gets ``article_roots`` approved threads and ``article_replies`` replies;
    the remedy pages and every status share the rest.
    """
    rng = random.Random(20261125)
    article = db.session.scalar(select(Article).order_by(Article.id))
    remedy_ids = [remedy.id for remedy in article.remedies]
    start = datetime(2026, 1, 1, tzinfo=UTC)

    # The article's threads: roots first, then replies that nest up to five deep.
    roots = [
        _row(rng, n, article.id, None, CommentStatus.APPROVED, start + timedelta(minutes=n))
        for n in range(article_roots)
    ]
    db.session.execute(insert(Comment), roots)
    db.session.commit()
    root_ids = list(
        db.session.scalars(
            select(Comment.id).where(Comment.remedy_id.is_(None)).order_by(Comment.id)
        )
    )
    chain: dict[int, tuple[int, int]] = {}  # comment -> (root, depth)
    for root in root_ids:
        chain[root] = (root, 1)
    for n in range(article_replies):
        parent = rng.choice(root_ids[:200] + list(chain)[-50:])
        root, depth = chain[parent]
        row = _row(
            rng,
            article_roots + n,
            article.id,
            None,
            CommentStatus.APPROVED,
            start + timedelta(days=30, minutes=n),
        )
        comment = Comment(**row, parent_id=parent, root_id=root)
        db.session.add(comment)
        db.session.flush()
        chain[comment.id] = (root, depth + 1)
    db.session.commit()

    # Everything else, across the remedy pages and all statuses.
    made = article_roots + article_replies
    while made < total:
        batch = []
        for n in range(made, min(total, made + BATCH)):
            status = rng.choices(STATUSES, WEIGHTS)[0]
            batch.append(
                _row(
                    rng,
                    n,
                    article.id,
                    rng.choice(remedy_ids),
                    status,
                    start + timedelta(days=60, seconds=n * 7),
                )
            )
        db.session.execute(insert(Comment), batch)
        db.session.commit()
        made += len(batch)

    # The pages' stored counts, as the app keeps them (rows inserted here bypass it).
    with write_transaction():
        touch_pages([PageKey(article.id, None), *(PageKey(article.id, r) for r in remedy_ids)])

    add_moderator(moderator_email, moderator_password, "Bench moderator")
    return {"comments": made, "article_threads": article_roots, "article_replies": article_replies}
