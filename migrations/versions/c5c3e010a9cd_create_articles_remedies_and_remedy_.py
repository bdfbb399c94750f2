"""Create articles, remedies and remedy items

Revision ID: c5c3e010a9cd
Revises: 
Create Date: 2026-11-25 22:51:02.755418

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5c3e010a9cd'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=400), nullable=False),
    sa.Column('intro', sa.Text(), nullable=False),
    sa.Column('closing', sa.Text(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('modified_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('slug', name=op.f('uq_articles_slug'))
    )
    op.create_table('remedies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=400), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('closing', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_remedies_article_id_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedies')),
    sa.UniqueConstraint('article_id', 'slug', name=op.f('uq_remedies_article_id_slug'))
    )
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.create_index('ix_remedies_article_position', ['article_id', 'position'], unique=False)

    op.create_table('remedy_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remedy_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['remedy_id'], ['remedies.id'], name=op.f('fk_remedy_items_remedy_id_remedies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remedy_items'))
    )
    with op.batch_alter_table('remedy_items', schema=None) as batch_op:
        batch_op.create_index('ix_remedy_items_remedy_position', ['remedy_id', 'position'], unique=False)



def downgrade():
    with op.batch_alter_table('remedy_items', schema=None) as batch_op:
        batch_op.drop_index('ix_remedy_items_remedy_position')

    op.drop_table('remedy_items')
    with op.batch_alter_table('remedies', schema=None) as batch_op:
        batch_op.drop_index('ix_remedies_article_position')

    op.drop_table('remedies')
    op.drop_table('articles')
