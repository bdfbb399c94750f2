"""Queue index covers deleted_at

Revision ID: 81fe62d1aa58
Revises: c1f442b44d67
Create Date: 2026-11-25 23:55:26.839415

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '81fe62d1aa58'
down_revision = 'c1f442b44d67'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_status_created'))
        batch_op.create_index('ix_comments_status_deleted_created', ['status', 'deleted_at', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_status_deleted_created')
        batch_op.create_index(batch_op.f('ix_comments_status_created'), ['status', 'created_at'], unique=False)

