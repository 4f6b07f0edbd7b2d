"""agent statuses at seats, one row per change

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0012'
down_revision = '0011'


def upgrade() -> None:
    op.create_table(
        'agent_statuses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seat', sa.String(length=8), nullable=False),
        sa.Column('agent', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('since', UtcDateTime(), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_agent_statuses_seat_id', 'agent_statuses', ['seat', 'id'])


def downgrade() -> None:
    op.drop_index('ix_agent_statuses_seat_id', table_name='agent_statuses')
    op.drop_table('agent_statuses')
