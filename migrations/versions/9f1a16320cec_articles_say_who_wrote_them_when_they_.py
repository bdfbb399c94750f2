"""Articles say who wrote them, when they are next due for review, and their sources

``author`` and ``author_organization``: who wrote the article, a person or an
organisation (the editorial team).  ``next_review_on``: past it, the pages say they may
be out of date.  ``sources``: the pages it follows, a JSON list of title, url and
publisher.  Existing articles name none of these until their front matter is loaded.

Revision ID: 9f1a16320cec
Revises: ee6141ca21ae
Create Date: 2026-11-29 23:13:56.077315

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f1a16320cec'
down_revision = 'ee6141ca21ae'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('author_organization', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('next_review_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('sources', sa.JSON(), server_default='[]', nullable=False))


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('sources')
        batch_op.drop_column('next_review_on')
        batch_op.drop_column('author_organization')
        batch_op.drop_column('author')
