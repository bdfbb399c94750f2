"""Login failures per device and per client network

Failures now record the device cookie nonce that trusted the attempt (NULL for an
unknown device) and the client network (an IPv4 address or an IPv6 /64) instead of the
bare address.  Existing rows keep their address as their network: they expire from the
throttling window within minutes anyway.

Revision ID: 5d2e8a7c41b9
Revises: 5b7e2c9d4a10
Create Date: 2026-11-26 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d2e8a7c41b9'
down_revision = '5b7e2c9d4a10'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_ip')
        batch_op.alter_column('ip', new_column_name='network',
               existing_type=sa.String(length=45), existing_nullable=False)
        batch_op.add_column(sa.Column('device', sa.String(length=64), nullable=True))
    # After the batch: SQLite's table rebuild cannot index a column renamed in the same batch.
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_network', ['network', 'created_at'], unique=False)
        batch_op.create_index('ix_login_failures_device', ['device', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_device')
        batch_op.drop_index('ix_login_failures_network')
        batch_op.drop_column('device')
        batch_op.alter_column('network', new_column_name='ip',
               existing_type=sa.String(length=45), existing_nullable=False)
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_ip', ['ip', 'created_at'], unique=False)
