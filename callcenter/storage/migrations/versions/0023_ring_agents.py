"""who was logged in at the seat when it rang, for each agent's 接通率

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'

_BEFORE = ['arrived_at', 'seat', 'answered']
_AFTER = ['arrived_at', 'seat', 'agent', 'answered']


def upgrade() -> None:
    # Not batch: rebuilding call_rings on SQLite would drop its triggers (0021).
    op.add_column('call_rings', sa.Column('agent', sa.String(length=64), nullable=False,
                                          server_default=''))
    op.drop_index('ix_call_rings_arrived', table_name='call_rings')
    op.create_index('ix_call_rings_arrived', 'call_rings', _AFTER, unique=False)
    op.execute("UPDATE call_hours SET rolled = 0")  # rolled up again, with the agents


def downgrade() -> None:
    op.drop_index('ix_call_rings_arrived', table_name='call_rings')
    op.create_index('ix_call_rings_arrived', 'call_rings', _BEFORE, unique=False)
    op.execute("ALTER TABLE call_rings DROP COLUMN agent")  # native on SQLite 3.35+
    op.execute("UPDATE call_hours SET rolled = 0")
