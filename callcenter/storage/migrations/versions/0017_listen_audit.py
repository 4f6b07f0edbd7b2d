"""every use of listening in, audited

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0017'
down_revision = '0016'


def upgrade() -> None:
    op.create_table(
        'listen_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('from_seat', sa.String(length=8), nullable=False),
        sa.Column('seat', sa.String(length=8), nullable=False),
        sa.Column('agent', sa.String(length=64), nullable=False),
        sa.Column('call', sa.String(length=64), nullable=False),
        sa.Column('mode', sa.String(length=8), nullable=False),
        sa.Column('channel_id', sa.String(length=80), nullable=False),
        sa.Column('started_at', UtcDateTime(), nullable=False),
        sa.Column('ended_at', UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel_id'))


def downgrade() -> None:
    op.drop_table('listen_audit')
