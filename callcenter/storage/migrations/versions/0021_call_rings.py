"""the seats the queue rang for each call, for the seats' answer rate (接通率); they join the
calls' hourly roll-up, whose stored hours are rolled up again

Calls stored before this revision have no rings (their trails hold the queue's events, but
folding millions of trails would hold the upgrade for minutes): a seat's answer rate counts
from the upgrade on, and the reports say so by a rate without a denominator.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage import hour_triggers
from callcenter.storage.tables import UtcDateTime

revision = '0021'
down_revision = '0020'


def upgrade() -> None:
    op.create_table(
        'call_rings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('arrived_at', UtcDateTime(), nullable=False),
        sa.Column('seat', sa.String(length=32), nullable=False),
        sa.Column('rung_at', UtcDateTime(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_call_rings_call_id', 'call_rings', ['call_id'], unique=False)
    op.create_index('ix_call_rings_arrived', 'call_rings', ['arrived_at', 'seat', 'answered'],
                    unique=False)
    hour_triggers.create('call_rings', at='arrived_at')
    # The stored hours' seats lack the rings: every hour is rolled up again.
    op.execute("UPDATE call_hours SET rolled = 0")


def downgrade() -> None:
    hour_triggers.drop('call_rings')
    op.drop_index('ix_call_rings_arrived', table_name='call_rings')
    op.drop_index('ix_call_rings_call_id', table_name='call_rings')
    op.drop_table('call_rings')
    op.execute("UPDATE call_hours SET rolled = 0")
