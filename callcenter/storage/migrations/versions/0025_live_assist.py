"""live assist: the streams of calls under way and what they have heard

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0025'
down_revision = '0024'


def upgrade() -> None:
    op.create_table(
        'live_streams',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('linkedid', sa.String(length=64), nullable=False),
        sa.Column('speaker', sa.String(length=16), nullable=False),
        sa.Column('seat', sa.String(length=32), nullable=False),
        sa.Column('opened_at', UtcDateTime(), nullable=False),
        sa.Column('connected_at', UtcDateTime(), nullable=True),
        sa.Column('closed_at', UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_live_streams_linkedid', 'live_streams', ['linkedid'], unique=False)
    op.create_index('ix_live_streams_closed_at', 'live_streams', ['closed_at'], unique=False)
    op.create_table(
        'live_heard',
        sa.Column('stream', sa.String(length=36), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('linkedid', sa.String(length=64), nullable=False),
        sa.Column('speaker', sa.String(length=16), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('final', sa.Boolean(), nullable=False),
        sa.Column('start_s', sa.Float(), nullable=False),
        sa.Column('end_s', sa.Float(), nullable=False),
        sa.Column('at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['stream'], ['live_streams.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('stream', 'n'))
    op.create_index('ix_live_heard_linkedid', 'live_heard', ['linkedid'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_live_heard_linkedid', table_name='live_heard')
    op.drop_table('live_heard')
    op.drop_index('ix_live_streams_closed_at', table_name='live_streams')
    op.drop_index('ix_live_streams_linkedid', table_name='live_streams')
    op.drop_table('live_streams')
