"""the calls' hourly roll-up: each UTC hour's call figures, kept fresh by triggers that bump
the hour's generation whenever one of its calls is written

A later revision that rebuilds `calls` on SQLite (batch_alter_table copies the table) drops
these triggers and must create them again; tests/test_call_hours.py fails until it does.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage import hour_triggers

revision = '0019'
down_revision = '0018'

def upgrade() -> None:
    op.create_table(
        'call_hours',
        sa.Column('hour', sa.String(length=13), nullable=False),
        sa.Column('gen', sa.Integer(), nullable=False),
        sa.Column('rolled', sa.Integer(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=True),
        sa.Column('waits', sa.Text(), nullable=True),
        sa.Column('talks', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('hour'))
    # Every hour that holds calls has a row; an hour without one holds none. (The SQL is
    # made of constants only.)
    op.execute(f"INSERT INTO call_hours (hour, gen, rolled) SELECT DISTINCT "  # noqa: S608
               f"{hour_triggers.key('started_at')}, 1, 0 FROM calls")
    hour_triggers.create('calls')


def downgrade() -> None:
    hour_triggers.drop('calls')
    op.drop_table('call_hours')
