"""Readers can report a comment: the comment_reports table

One row per report: the reason, an optional note for moderators, a digest of the
reporting browser's random key and the client network (cleared after IP_RETENTION_DAYS),
and when and by whom a moderator dismissed it.  The two unique rules allow one report
per comment per browser and per client network.

Revision ID: 2dcff9b96195
Revises: 2f6bad170d54
Create Date: 2026-11-30 00:54:52.647902

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '2dcff9b96195'
down_revision = '2f6bad170d54'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('comment_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('unsafe_advice', 'personal_info', 'abuse', 'other', name='reportreason', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reporter_digest', sa.String(length=64), nullable=False),
    sa.Column('client_net', sa.String(length=45), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_reports_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['moderators.id'], name=op.f('fk_comment_reports_dismissed_by_id_moderators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_reports')),
    sa.UniqueConstraint('comment_id', 'client_net', name=op.f('uq_comment_reports_comment_id_client_net')),
    sa.UniqueConstraint('comment_id', 'reporter_digest', name=op.f('uq_comment_reports_comment_id_reporter_digest'))
    )
    with op.batch_alter_table('comment_reports', schema=None) as batch_op:
        batch_op.create_index('ix_comment_reports_client_net_created', ['client_net', 'created_at'], unique=False)
        batch_op.create_index('ix_comment_reports_open', ['dismissed_at', 'comment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_reports_open')
        batch_op.drop_index('ix_comment_reports_client_net_created')

    op.drop_table('comment_reports')