"""Comments remember when a moderator last acted on them

``comments.moderated_at``: set by every moderator action on a comment (approve, edit,
pin...).  From then on its author can no longer edit or delete it from their browser:
they must not undo a moderator's redaction or rewrite an approved or pinned comment.

Revision ID: 6a1e0c3b9d47
Revises: 2dcff9b96195
Create Date: 2026-11-30 02:20:00

"""

import sqlalchemy as sa
from alembic import op


revision = "6a1e0c3b9d47"
down_revision = "2dcff9b96195"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.add_column(sa.Column("moderated_at", sa.DateTime(timezone=True), nullable=True))
    # Comments a moderator already acted on, by the audit log.
    op.execute(
        "UPDATE comments SET moderated_at = (SELECT MAX(e.created_at) FROM moderation_events e"
        " WHERE e.comment_id = comments.id AND e.moderator_id IS NOT NULL)"
    )


def downgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.drop_column("moderated_at")
