"""Encrypt commenter emails at rest

The column becomes text (a Fernet token is longer than the address) and every stored
address is encrypted with the app's current key (EMAIL_ENCRYPTION_KEYS).  The keyed
hash (blind index) is recomputed without regard to case, so that Ada@ and ada@ match.
Downgrading decrypts the addresses again.

Revision ID: 7f148d4c4eb5
Revises: 01692bf3e889
Create Date: 2026-11-25 23:30:00

"""
import sqlalchemy as sa
from alembic import op
from flask import current_app

from app.crypto import EmailCipher, digest_key, email_digest, keys_from_config

# revision identifiers, used by Alembic.
revision = '7f148d4c4eb5'
down_revision = '01692bf3e889'
branch_labels = None
depends_on = None

comments = sa.table(
    "comments",
    sa.column("id", sa.Integer),
    sa.column("author_email", sa.Text),
    sa.column("email_digest", sa.String),
)


def _cipher() -> EmailCipher:
    return EmailCipher(keys_from_config(current_app.config))


def _convert(transform) -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(comments.c.id, comments.c.author_email).where(comments.c.author_email != "")
    ).all()
    for comment_id, value in rows:
        connection.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(author_email=transform(value))
        )


def upgrade():
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.alter_column('author_email',
               existing_type=sa.VARCHAR(length=254),
               type_=sa.Text(),
               existing_nullable=False)
    connection = op.get_bind()
    key = digest_key()
    rows = connection.execute(
        sa.select(comments.c.id, comments.c.author_email).where(comments.c.author_email != "")
    ).all()
    for comment_id, email in rows:
        connection.execute(
            comments.update()
            .where(comments.c.id == comment_id)
            .values(email_digest=email_digest(key, email.casefold()))
        )
    cipher = _cipher()
    _convert(cipher.encrypt)


def downgrade():
    cipher = _cipher()
    _convert(cipher.decrypt)
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.alter_column('author_email',
               existing_type=sa.Text(),
               type_=sa.VARCHAR(length=254),
               existing_nullable=False)
