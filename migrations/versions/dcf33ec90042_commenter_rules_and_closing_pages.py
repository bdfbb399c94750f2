"""Commenter rules, and pages closed to new comments

``commenter_rules``: a moderator's standing rule to trust, hold or send to spam the next
comments from an email (kept as its keyed digest, plus the address encrypted for the
moderators' list), an email domain, or an IP address or network.  One rule per target
and value.  ``articles.commenting`` / ``remedies.commenting``: ``auto`` (open until
COMMENTS_CLOSE_AFTER_DAYS after publication), ``open`` (kept open) or ``closed``.
The audit log's new actions (rule_add, rule_remove, page_close, page_open) need no
change: its enum column is plain text with no CHECK constraint.

Revision ID: dcf33ec90042
Revises: 3d0e7a80737f
Create Date: 2026-11-30 03:55:23.376289

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dcf33ec90042'
down_revision = '3d0e7a80737f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('commenter_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('trust', 'hold', 'spam', name='rulekind', native_enum=False, length=16), nullable=False),
    sa.Column('target', sa.Enum('email', 'domain', 'ip', name='ruletarget', native_enum=False, length=16), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('email', sa.Text(), nullable=True),
    sa.Column('note', sa.String(length=200), server_default='', nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('moderator_email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_commenter_rules_moderator_id_moderators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commenter_rules')),
    sa.UniqueConstraint('target', 'value', name='uq_commenter_rules_target_value')
    )
    with op.batch_alter_table('commenter_rules', schema=None) as batch_op:
        batch_op.create_index('ix_commenter_rules_created', ['created_at'], unique=False)

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commenting', sa.Enum('auto', 'open', 'closed', name='commenting', native_enum=False, length=16), server_default='auto', nullable=False))

    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commenting', sa.Enum('auto', 'open', 'closed', name='commenting', native_enum=False, length=16), server_default='auto', nullable=False))



def downgrade():
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.drop_column('commenting')

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('commenting')

    with op.batch_alter_table('commenter_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_commenter_rules_created')

    op.drop_table('commenter_rules')
