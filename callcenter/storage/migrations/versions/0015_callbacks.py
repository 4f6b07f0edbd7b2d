"""callbacks of missed calls and closed tickets

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0015'
down_revision = '0014'


def upgrade() -> None:
    op.create_table(
        'callbacks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('call', sa.String(length=64), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=True),
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('seat', sa.String(length=8), nullable=False),
        sa.Column('requested_by', sa.String(length=64), nullable=False),
        sa.Column('requested_at', UtcDateTime(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=False),
        sa.Column('channel_id', sa.String(length=80), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'))
    op.create_index('ix_callbacks_state', 'callbacks', ['state', 'id'])


def downgrade() -> None:
    op.drop_index('ix_callbacks_state', table_name='callbacks')
    op.drop_table('callbacks')
