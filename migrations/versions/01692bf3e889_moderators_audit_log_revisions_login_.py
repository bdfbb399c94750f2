"""Moderators, audit log, revisions, login failures, email action tokens

Revision ID: 01692bf3e889
Revises: 3a232d444262
Create Date: 2026-11-25 23:05:57.433967

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '01692bf3e889'
down_revision = '3a232d444262'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ip', sa.String(length=45), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_email', ['email', 'created_at'], unique=False)
        batch_op.create_index('ix_login_failures_ip', ['ip', 'created_at'], unique=False)

    op.create_table('moderators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderators')),
    sa.UniqueConstraint('email', name=op.f('uq_moderators_email'))
    )
    op.create_table('comment_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('author_website', sa.String(length=200), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_comment_revisions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_comment_revisions_moderator_id_moderators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment_revisions'))
    )
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comment_revisions_comment_id'), ['comment_id'], unique=False)

    op.create_table('email_action_tokens',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_email_action_tokens_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_email_action_tokens_moderator_id_moderators'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_action_tokens'))
    )
    op.create_table('moderation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=True),
    sa.Column('moderator_email', sa.String(length=254), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.Enum('approve', 'unapprove', 'spam', 'not_spam', 'trash', 'restore', 'delete', 'edit', 'reply', 'empty_spam', name='moderationaction', native_enum=False, length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_moderation_events_comment_id_comments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderators.id'], name=op.f('fk_moderation_events_moderator_id_moderators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_events'))
    )
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_events_created', ['created_at'], unique=False)

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_before_trash', sa.Enum('pending', 'approved', 'spam', 'trash', name='commentstatus', native_enum=False, length=16), nullable=True))
        batch_op.add_column(sa.Column('moderator_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_comments_moderator_id_moderators'), 'moderators', ['moderator_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comments_moderator_id_moderators'), type_='foreignkey')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('edited_at')
        batch_op.drop_column('moderator_id')
        batch_op.drop_column('status_before_trash')

    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_events_created')

    op.drop_table('moderation_events')
    op.drop_table('email_action_tokens')
    with op.batch_alter_table('comment_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comment_revisions_comment_id'))

    op.drop_table('comment_revisions')
    op.drop_table('moderators')
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_ip')
        batch_op.drop_index('ix_login_failures_email')

    op.drop_table('login_failures')
