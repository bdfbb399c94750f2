"""What an import left in the database, read the same way by the WordPress and Disqus
import tests (tests/test_import_wxr.py, tests/test_import_disqus.py)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from app.extensions import db
from app.models import Comment


def comments_by_source(app) -> dict[str, Comment]:
    """Every stored comment by its id on the old site, detached, email loaded."""
    with app.app_context():
        rows = db.session.scalars(
            select(Comment).options(undefer(Comment.author_email)).order_by(Comment.id)
        ).all()
        db.session.expunge_all()
    return {row.source_id: row for row in rows}


def comment_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))
