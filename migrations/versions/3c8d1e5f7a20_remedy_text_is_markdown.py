"""A remedy's text is one Markdown column; articles name where "When to get help" is

``remedies.text`` replaces ``body``, ``closing`` and the ``remedy_items`` table: a remedy
now holds subheadings, numbered steps and pictures, which the old shape could not.  The
old rows are converted, not lost: paragraphs stay paragraphs (escaped, so they read as
they did), items become "- **Label:** text" list entries.  ``articles.get_help_in`` is
the slug of the remedy whose page carries the full "When to get help" section.

Downgrade puts each remedy's Markdown back in ``body`` (lists and all, as text).

Revision ID: 3c8d1e5f7a20
Revises: 9f1a16320cec
Create Date: 2026-11-30 01:10:00

"""

import re

import sqlalchemy as sa
from alembic import op

revision = "3c8d1e5f7a20"
down_revision = "9f1a16320cec"
branch_labels = None
depends_on = None

# A copy of app.shared.markdown.escape as it was when this was written: a migration
# must not change when the app does.
_SYNTAX = re.compile(r"([\\`*_\[\]<>#!|~&])")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+=])", re.MULTILINE)


def _escape(text):
    text = _SYNTAX.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text)


def _paragraphs(text):
    return [_escape(part.strip()) for part in (text or "").split("\n\n") if part.strip()]


def upgrade():
    with op.batch_alter_table("remedies") as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("articles") as batch_op:
        batch_op.add_column(sa.Column("get_help_in", sa.String(length=120), nullable=True))

    connection = op.get_bind()
    remedies = sa.table(
        "remedies",
        sa.column("id", sa.Integer),
        sa.column("body", sa.Text),
        sa.column("closing", sa.Text),
        sa.column("text", sa.Text),
    )
    items = sa.table(
        "remedy_items",
        sa.column("remedy_id", sa.Integer),
        sa.column("position", sa.Integer),
        sa.column("label", sa.String),
        sa.column("text", sa.Text),
    )
    listed = {}
    for remedy_id, label, text in connection.execute(
        sa.select(items.c.remedy_id, items.c.label, items.c.text).order_by(
            items.c.remedy_id, items.c.position
        )
    ):
        listed.setdefault(remedy_id, []).append(f"- **{_escape(label)}:** {_escape(text)}")
    for remedy_id, body, closing in connection.execute(
        sa.select(remedies.c.id, remedies.c.body, remedies.c.closing)
    ).all():
        blocks = [*_paragraphs(body), "\n".join(listed.get(remedy_id, [])), *_paragraphs(closing)]
        text = "\n\n".join(block for block in blocks if block)
        connection.execute(remedies.update().where(remedies.c.id == remedy_id).values(text=text))

    with op.batch_alter_table("remedy_items") as batch_op:
        batch_op.drop_index("ix_remedy_items_remedy_position")
    op.drop_table("remedy_items")
    with op.batch_alter_table("remedies") as batch_op:
        batch_op.drop_column("body")
        batch_op.drop_column("closing")


def downgrade():
    with op.batch_alter_table("remedies") as batch_op:
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("closing", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "remedy_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("remedy_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["remedy_id"],
            ["remedies.id"],
            name=op.f("fk_remedy_items_remedy_id_remedies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_remedy_items")),
    )
    with op.batch_alter_table("remedy_items") as batch_op:
        batch_op.create_index("ix_remedy_items_remedy_position", ["remedy_id", "position"])
    op.execute("UPDATE remedies SET body = text")
    with op.batch_alter_table("remedies") as batch_op:
        batch_op.drop_column("text")
    with op.batch_alter_table("articles") as batch_op:
        batch_op.drop_column("get_help_in")
