"""Queue and listing indexes that hold at 100,000 comments

Read with ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL at 100,000 comments: PostgreSQL
does not take ``col IS NULL`` as fixing a column, so an index on (status, deleted_at,
created_at) could find a tab's comments but not hand them over in created_at order, and
every queue page (and the oldest waiting comment) sorted the whole tab; likewise a
page's top-level comments (``parent_id IS NULL``, and ``remedy_id IS NULL`` on the
article page) were sorted in full for each page of the public listing.  The ``IS NULL``
conditions move into partial indexes' WHERE clauses, where both planners match them;
their columns still come last in each index, though always empty there, because SQLite
(3.40) reads a partial index alone only when it holds every column a query names.

``ix_comments_queue`` (status, created_at, id, deleted_at) over the comments not deleted: every
tab of the moderation queue in either order, its cursor pages, its tab counts from the
index alone, the oldest waiting comment, the site's feed.  Replaces
``ix_comments_status_deleted_created``.

``ix_comments_careful`` (status, created_at, id, deleted_at) over the pending comments with red flags:
the "needs a careful answer" tab, its count on every view, and the top of the pending
tab; a handful of entries.

``ix_comments_article_roots`` and ``ix_comments_remedy_roots``: top-level comments of
a page by status, oldest first, for the public listing, its counts and "on which page
is this thread".  ``ix_comments_page_threads`` (article_id, remedy_id, status, root_id)
replaces ``ix_comments_page_listing``: a page's comments by status (recounting its
approved ones), and which of its threads have public replies.

The indexes are built in the migration's transaction: writes to comments wait for it
(about a second at 100,000 comments).

Revision ID: d59e352bc177
Revises: 737a193a7b6b
Create Date: 2026-11-30 07:38:27.512397

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd59e352bc177'
down_revision = '737a193a7b6b'
branch_labels = None
depends_on = None

# As in app/models/comments.py on the day this ran.
LIVE_SQL = "deleted_at IS NULL"
CAREFUL_SQL = "status = 'pending' AND deleted_at IS NULL AND red_flags <> ''"
ROOT_SQL = "parent_id IS NULL"
ARTICLE_ROOT_SQL = "parent_id IS NULL AND remedy_id IS NULL"


def _where(sql: str) -> dict:
    return {"sqlite_where": sa.text(sql), "postgresql_where": sa.text(sql)}


def upgrade():
    op.create_index(
        'ix_comments_queue',
        'comments',
        ['status', 'created_at', 'id', 'deleted_at'],
        **_where(LIVE_SQL),
    )
    op.create_index(
        'ix_comments_careful',
        'comments',
        ['status', 'created_at', 'id', 'deleted_at'],
        **_where(CAREFUL_SQL),
    )
    op.create_index(
        'ix_comments_article_roots',
        'comments',
        ['article_id', 'status', 'created_at', 'id', 'remedy_id', 'parent_id'],
        **_where(ARTICLE_ROOT_SQL),
    )
    op.create_index(
        'ix_comments_remedy_roots',
        'comments',
        ['remedy_id', 'article_id', 'status', 'created_at', 'id', 'parent_id'],
        **_where(ROOT_SQL),
    )
    op.create_index(
        'ix_comments_page_threads', 'comments', ['article_id', 'remedy_id', 'status', 'root_id']
    )
    op.drop_index('ix_comments_status_deleted_created', table_name='comments')
    op.drop_index('ix_comments_page_listing', table_name='comments')


def downgrade():
    op.create_index(
        'ix_comments_page_listing',
        'comments',
        ['article_id', 'remedy_id', 'status', 'parent_id', 'created_at'],
    )
    op.create_index(
        'ix_comments_status_deleted_created', 'comments', ['status', 'deleted_at', 'created_at']
    )
    op.drop_index('ix_comments_page_threads', table_name='comments')
    op.drop_index('ix_comments_remedy_roots', table_name='comments')
    op.drop_index('ix_comments_article_roots', table_name='comments')
    op.drop_index('ix_comments_careful', table_name='comments')
    op.drop_index('ix_comments_queue', table_name='comments')
