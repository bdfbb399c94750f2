"""Undo names the log entry it reverts

``moderation_events.undoes_event_id``: on an ``undo`` entry, the entry it put back.
Unique, so an entry is undone at most once.  The new ``undo`` action needs no change:
the action column is a non-native enum (VARCHAR(16)) without a CHECK constraint.

Revision ID: d84fcf0ad896
Revises: dcf33ec90042
Create Date: 2026-11-30 03:56:06.984334

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd84fcf0ad896'
down_revision = 'dcf33ec90042'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undoes_event_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_moderation_events_undoes_event_id'), ['undoes_event_id'])
        batch_op.create_foreign_key(batch_op.f('fk_moderation_events_undoes_event_id_moderation_events'), 'moderation_events', ['undoes_event_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_moderation_events_undoes_event_id_moderation_events'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_moderation_events_undoes_event_id'), type_='unique')
        batch_op.drop_column('undoes_event_id')
