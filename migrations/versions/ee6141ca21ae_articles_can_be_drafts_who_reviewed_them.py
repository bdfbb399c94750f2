"""Articles can be drafts; who reviewed them

``published``: only a published article is public.  New rows are drafts unless they say
otherwise; every article that exists now was public, so it stays published.
``reviewed_by``: "NAME, ROLE" of the reviewer recorded by ``flask content publish``.

Revision ID: ee6141ca21ae
Revises: 5d2e8a7c41b9
Create Date: 2026-11-29 22:56:02.964613

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ee6141ca21ae'
down_revision = '5d2e8a7c41b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reviewed_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('published', sa.Boolean(), server_default=sa.false(), nullable=False))

    articles = sa.table('articles', sa.column('published', sa.Boolean()))
    op.execute(articles.update().values(published=True))


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('published')
        batch_op.drop_column('reviewed_by')
