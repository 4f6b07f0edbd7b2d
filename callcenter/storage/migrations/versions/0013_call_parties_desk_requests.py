"""three-way calls: parties dialled into calls, recording offsets, desk requests

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0013'
down_revision = '0012'


def upgrade() -> None:
    op.create_table(
        'call_parties',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('leg', sa.String(length=16), nullable=False),
        sa.Column('uniqueid', sa.String(length=80), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('dialled_at', UtcDateTime(), nullable=False),
        sa.Column('answered_at', UtcDateTime(), nullable=True),
        sa.Column('ended_at', UtcDateTime(), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('call_id', 'leg'))
    op.create_index('ix_call_parties_call_id', 'call_parties', ['call_id'])
    op.create_index('ix_call_parties_unit', 'call_parties', ['unit'])
    with op.batch_alter_table('recordings') as batch:
        batch.add_column(sa.Column('offset_s', sa.Float(), nullable=False,
                                   server_default='0'))
    op.create_table(
        'desk_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seat', sa.String(length=8), nullable=False),
        sa.Column('command', sa.String(length=16), nullable=False),
        sa.Column('target', sa.String(length=64), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('requested_at', UtcDateTime(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('detail', sa.String(length=200), nullable=False),
        sa.Column('call', sa.String(length=64), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_desk_requests_state', 'desk_requests', ['state', 'id'])


def downgrade() -> None:
    op.drop_index('ix_desk_requests_state', table_name='desk_requests')
    op.drop_table('desk_requests')
    with op.batch_alter_table('recordings') as batch:
        batch.drop_column('offset_s')
    op.drop_index('ix_call_parties_unit', table_name='call_parties')
    op.drop_index('ix_call_parties_call_id', table_name='call_parties')
    op.drop_table('call_parties')
