"""Saved replies (with the one the site ships); indexes for the log's filters and for
readers' questions

``saved_replies``: replies moderators use again (title, plain text, who wrote and last
changed each, when).  The site ships one, inserted here as data so that it exists on
every install after ``flask db upgrade`` and, once a moderator deletes it, stays deleted
(seeding "when the table is empty" would bring it back).  Its text is written out here,
not imported from the app: a migration must insert what it said on the day it ran.

``moderation_events``: indexes by who acted, by action and by the comment an entry names
(the log's filters), each with the time where the log sorts by it.
``comments``: a partial index of the comments with a question mark in them, which the
moderation overview lists when the team has not answered them, and one of the site's
replies (``moderator_id``), which answer them.

Revision ID: ad4a51ebc7e8
Revises: 360c4ddd4030
Create Date: 2026-11-30 03:55:42.399993

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad4a51ebc7e8'
down_revision = '360c4ddd4030'
branch_labels = None
depends_on = None

QUESTION_SQL = "body LIKE '%?%'"
SITE_REPLY_SQL = "moderator_id IS NOT NULL"

SHIPPED_TITLE = "Get help: urgent symptoms"
SHIPPED_BODY = """Thank you for telling us, {name}.

What you describe may need to be checked by a doctor quickly. We cannot tell what is causing it from a comment, so please do not wait to see if it gets better.

Please read "Get help now" near the top of this page: {help_link}

If you have any of the emergency symptoms listed there, call 999 now (or your local emergency number if you are not in the UK), or go to the nearest emergency department.

If you have any of the urgent symptoms listed there, ask for an urgent appointment with a GP today, or call NHS 111 (or your local urgent-care line if you are not in the UK)."""


def upgrade():
    saved_replies = op.create_table('saved_replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['moderators.id'], name=op.f('fk_saved_replies_created_by_id_moderators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['moderators.id'], name=op.f('fk_saved_replies_updated_by_id_moderators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_replies'))
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        saved_replies,
        [{"title": SHIPPED_TITLE, "body": SHIPPED_BODY, "created_at": now, "updated_at": now}],
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_site_replies', ['status', 'deleted_at', 'parent_id'], unique=False, sqlite_where=sa.text(SITE_REPLY_SQL), postgresql_where=sa.text(SITE_REPLY_SQL))
        batch_op.create_index('ix_comments_questions', ['status', 'deleted_at', 'moderator_id', 'created_at'], unique=False, sqlite_where=sa.text(QUESTION_SQL), postgresql_where=sa.text(QUESTION_SQL))

    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.create_index('ix_moderation_events_action', ['action', 'created_at'], unique=False)
        batch_op.create_index('ix_moderation_events_actor', ['moderator_email', 'created_at'], unique=False)
        batch_op.create_index('ix_moderation_events_comment', ['comment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_events_comment')
        batch_op.drop_index('ix_moderation_events_actor')
        batch_op.drop_index('ix_moderation_events_action')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_questions')
        batch_op.drop_index('ix_comments_site_replies')

    op.drop_table('saved_replies')
