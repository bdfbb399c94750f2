"""How `flask comments export-wxr` behaves with 10,000 and 100,000 comments on one page.

    DATABASE_URL=sqlite:///export-bench.db python -m bench.export_wxr
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/NAME python -m bench.export_wxr

Fills an empty database (schema from the models) with comments on the article page (the
worst case: one page holds them all), in threads, every email encrypted as stored, then
exports them all and prints the time, the file's size and the peak memory Python
allocated during the export (tracemalloc, measured in a second run as it slows things
down).  Numbers to read, not to assert: the peak should barely grow with the count.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select

from app import create_app
from app.extensions import db
from app.models import Article, Comment, CommentStatus
from app.transfer.export import export_wxr
from config import TestConfig
from tests.conftest import make_article

START = datetime(2025, 1, 1, tzinfo=UTC)
STATUSES = [CommentStatus.APPROVED] * 6 + [CommentStatus.PENDING, CommentStatus.TRASH]


def fill(count: int, rng: random.Random) -> None:
    db.session.execute(delete(Comment))
    article = db.session.scalar(select(Article))
    rows, roots = [], []
    for n in range(1, count + 1):
        parent = rng.choice(roots) if roots and rng.random() < 0.4 else None
        rows.append(
            dict(
                id=n,
                article_id=article.id,
                parent_id=parent,
                root_id=parent,
                status=rng.choice(STATUSES),
                author_name=f"Reader {n}",
                author_email=f"reader{n}@example.com",
                email_digest="d",
                author_website="https://example.com/" if n % 3 == 0 else None,
                body="Heat helped my back.\n\nDoes ice help too? https://example.com/?a=1&b=2",
                created_at=START + timedelta(minutes=n),
                ip="198.51.100.7",
                reason="",
                red_flags="",
            )
        )
        if parent is None:
            roots.append(n)
        if len(rows) == 5000:
            db.session.execute(insert(Comment), rows)
            rows.clear()
    if rows:
        db.session.execute(insert(Comment), rows)
    db.session.commit()


def run(app, path: Path, traced: bool) -> tuple[float, int, int]:
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    with app.test_request_context(base_url=app.config["SITE_URL"]):
        report = export_wxr(path, list(CommentStatus))
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if traced else 0
    if traced:
        tracemalloc.stop()
    return elapsed, peak, report.total


def main() -> None:
    url = os.environ["DATABASE_URL"]
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    folder = Path(tempfile.mkdtemp(prefix="export-bench-"))
    path = folder / "export.xml"
    with app.app_context():
        db.drop_all()
        db.create_all()
        from app.content.loading import upsert_article

        upsert_article(make_article())
        for count in (10_000, 100_000):
            started = time.perf_counter()
            fill(count, random.Random(14))
            print(
                f"{count:>7} comments filled in {time.perf_counter() - started:.0f} s", flush=True
            )
            elapsed, _, total = run(app, path, traced=False)
            size = path.stat().st_size / 1e6
            print(f"{'':>7} exported {total} in {elapsed:.2f} s, {size:.1f} MB", flush=True)
            _, peak, _ = run(app, path, traced=True)
            print(f"{'':>7} peak Python memory during the export: {peak / 1e6:.1f} MB")
        path.unlink()
        folder.rmdir()
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


if __name__ == "__main__":
    main()
