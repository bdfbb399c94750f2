"""Moderator roles and preferences; red flags on comments

``moderators.role``: ``admin`` may manage moderators and settings.  Every moderator that
existed before roles becomes an admin, so an installed site keeps someone who can.
``queue_order``, ``shortcuts``, ``notify_mode``, ``digest_sent_at``: each moderator's
own preferences.  ``comments.red_flags``: the red-flag phrases found in a comment.
``moderation_event_items``: the comments one logged action changed (a bulk action is one
entry naming them all), with their statuses before and after, for Undo.

Revision ID: 3d0e7a80737f
Revises: c1b6419d46b9
Create Date: 2026-11-30 03:51:44.924475

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3d0e7a80737f'
down_revision = 'c1b6419d46b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('red_flags', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('moderators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.Enum('admin', 'moderator', name='moderatorrole', native_enum=False, length=16), server_default='moderator', nullable=False))
        batch_op.add_column(sa.Column('queue_order', sa.Enum('oldest', 'newest', name='queueorder', native_enum=False, length=16), server_default='oldest', nullable=False))
        batch_op.add_column(sa.Column('shortcuts', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('notify_mode', sa.Enum('now', 'hourly', 'daily', 'never', name='notifymode', native_enum=False, length=16), server_default='now', nullable=False))
        batch_op.add_column(sa.Column('digest_sent_at', sa.DateTime(timezone=True), nullable=True))

    op.execute("UPDATE moderators SET role = 'admin'")
    op.create_table('moderation_event_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('status_before', sa.Enum('pending', 'approved', 'spam', 'trash', name='commentstatus', native_enum=False, length=16), nullable=True),
    sa.Column('status_after', sa.Enum('pending', 'approved', 'spam', 'trash', name='commentstatus', native_enum=False, length=16), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['moderation_events.id'], name=op.f('fk_moderation_event_items_event_id_moderation_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_event_items'))
    )
    with op.batch_alter_table('moderation_event_items', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_event_items_comment', ['comment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_moderation_event_items_event_id'), ['event_id'], unique=False)



def downgrade():
    with op.batch_alter_table('moderation_event_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_event_items_event_id'))
        batch_op.drop_index('ix_moderation_event_items_comment')

    op.drop_table('moderation_event_items')

    with op.batch_alter_table('moderators', schema=None) as batch_op:
        batch_op.drop_column('digest_sent_at')
        batch_op.drop_column('notify_mode')
        batch_op.drop_column('shortcuts')
        batch_op.drop_column('queue_order')
        batch_op.drop_column('role')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_column('red_flags')

