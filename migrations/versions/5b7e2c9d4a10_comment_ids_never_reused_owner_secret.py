"""Comment ids are never reused; held comments are owned by a secret; flood per network

Revision ID: 5b7e2c9d4a10
Revises: 81fe62d1aa58
Create Date: 2026-11-29 22:20:00

On SQLite the comments table is rebuilt with AUTOINCREMENT (SQLite otherwise hands the
largest id out again after that comment is deleted); PostgreSQL sequences never reuse.
``client_net`` is filled for existing rows: IPv4 addresses as they are, IPv6 per /64.
"""
import ipaddress

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c9d4a10'
down_revision = '81fe62d1aa58'
branch_labels = None
depends_on = None


def _network(address):
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table(
        'comments',
        schema=None,
        recreate='always' if sqlite else 'auto',
        table_kwargs={'sqlite_autoincrement': True},
    ) as batch_op:
        batch_op.add_column(sa.Column('client_net', sa.String(length=45), nullable=True))
        batch_op.add_column(sa.Column('owner_digest', sa.String(length=64), nullable=True))
        batch_op.drop_index('ix_comments_ip_created')
        batch_op.create_index('ix_comments_client_net_created', ['client_net', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_owner_digest', ['owner_digest'], unique=False)

    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, ip FROM comments WHERE ip IS NOT NULL AND ip NOT LIKE '%/%'")
    ).all()
    for comment_id, ip in rows:
        network = _network(ip)
        if network:
            connection.execute(
                sa.text("UPDATE comments SET client_net = :net WHERE id = :id"),
                {"net": network, "id": comment_id},
            )


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table(
        'comments',
        schema=None,
        recreate='always' if sqlite else 'auto',
        table_kwargs={'sqlite_autoincrement': False},
    ) as batch_op:
        batch_op.drop_index('ix_comments_owner_digest')
        batch_op.drop_index('ix_comments_client_net_created')
        batch_op.create_index('ix_comments_ip_created', ['ip', 'created_at'], unique=False)
        batch_op.drop_column('owner_digest')
        batch_op.drop_column('client_net')
