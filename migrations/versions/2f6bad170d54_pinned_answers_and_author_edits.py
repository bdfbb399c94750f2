"""Pinned answers on pages; revisions say whether the author made the edit

``articles.pinned_comment_id`` and ``remedies.pinned_comment_id``: the comment a
moderator pinned above the page's discussion (one per page by construction; emptied when
that comment is deleted).  ``comment_revisions.by_author``: true for the earlier text
kept when a commenter edited their own comment, false for a moderator's edit (every
revision so far).

Revision ID: 2f6bad170d54
Revises: 3c8d1e5f7a20
Create Date: 2026-11-30 00:54:43.755545

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2f6bad170d54"
down_revision = "3c8d1e5f7a20"
branch_labels = None
depends_on = None

PAGES = ("articles", "remedies")


def upgrade():
    for table in PAGES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("pinned_comment_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f"fk_{table}_pinned_comment_id_comments"),
                "comments",
                ["pinned_comment_id"],
                ["id"],
                ondelete="SET NULL",
            )
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("by_author", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("comment_revisions", schema=None) as batch_op:
        batch_op.drop_column("by_author")
    for table in reversed(PAGES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_pinned_comment_id_comments"), type_="foreignkey"
            )
            batch_op.drop_column("pinned_comment_id")
