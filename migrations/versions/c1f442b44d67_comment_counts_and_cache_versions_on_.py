"""Comment counts and cache versions on pages

Each article and remedy keeps its number of approved comments (so that a page never
counts its comments again) and a version that every change bumps (the key of the
rendered-page cache).  Existing counts are computed here.

Revision ID: c1f442b44d67
Revises: 7f148d4c4eb5
Create Date: 2026-11-25 23:37:52.712902

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c1f442b44d67'
down_revision = '7f148d4c4eb5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cache_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False))

    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cache_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('changed_at', sa.DateTime(timezone=True), server_default=sa.text('CURRENT_TIMESTAMP'), nullable=False))

    op.execute(
        "UPDATE articles SET comment_count = (SELECT count(*) FROM comments"
        " WHERE comments.article_id = articles.id AND comments.remedy_id IS NULL"
        " AND comments.status = 'approved')"
    )
    op.execute(
        "UPDATE remedies SET comment_count = (SELECT count(*) FROM comments"
        " WHERE comments.remedy_id = remedies.id AND comments.status = 'approved')"
    )


def downgrade():
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('cache_version')
        batch_op.drop_column('comment_count')

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('changed_at')
        batch_op.drop_column('cache_version')
        batch_op.drop_column('comment_count')

