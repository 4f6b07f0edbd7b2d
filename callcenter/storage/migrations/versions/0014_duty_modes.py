"""day or night forced by a supervisor

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0014'
down_revision = '0013'


def upgrade() -> None:
    op.create_table(
        'duty_modes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mode', sa.String(length=8), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('duty_modes')
