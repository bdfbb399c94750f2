"""Comments remember where an import brought them from

``comments.source_site`` and ``comments.source_id``: for a comment imported from
WordPress (WXR) or Disqus, the site it came from and its id there, unique together, so
that importing the same file again adds nothing (``flask comments import-wxr``).  Both
empty for comments made on this site (a unique index allows any number of those).

Revision ID: 737a193a7b6b
Revises: ad4a51ebc7e8
Create Date: 2026-11-30 06:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '737a193a7b6b'
down_revision = 'ad4a51ebc7e8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_site', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('source_id', sa.String(length=64), nullable=True))
    op.create_index('ux_comments_source', 'comments', ['source_site', 'source_id'], unique=True)


def downgrade():
    op.drop_index('ux_comments_source', table_name='comments')
    # Dropping a column rebuilds the table on SQLite: keep its AUTOINCREMENT.
    with op.batch_alter_table(
        'comments', schema=None, table_kwargs={'sqlite_autoincrement': True}
    ) as batch_op:
        batch_op.drop_column('source_id')
        batch_op.drop_column('source_site')
