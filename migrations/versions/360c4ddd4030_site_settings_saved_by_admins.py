"""Site settings saved by admins

``site_settings``: the comment settings an admin changed on /moderation/settings (the
moderation mode, links, word lists, red flags, timings, closing pages), one row per
setting, its value as JSON (NULL: back to the config default).  Rows are never deleted,
so ``max(revision)`` only grows: each worker process compares it with the revision its
copy was read at, and re-reads the table when it moved.  The new moderation-log actions
(``settings``, ``moderator_add``, ``moderator_role``, ``moderator_remove``) need no
change: the action column is a non-native enum without a CHECK constraint.

Revision ID: 360c4ddd4030
Revises: d84fcf0ad896
Create Date: 2026-11-30 03:55:28.044476

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '360c4ddd4030'
down_revision = 'd84fcf0ad896'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_settings',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_settings'))
    )
    with op.batch_alter_table('site_settings', schema=None) as batch_op:
        batch_op.create_index('ix_site_settings_revision', ['revision'], unique=False)



def downgrade():
    with op.batch_alter_table('site_settings', schema=None) as batch_op:
        batch_op.drop_index('ix_site_settings_revision')

    op.drop_table('site_settings')
