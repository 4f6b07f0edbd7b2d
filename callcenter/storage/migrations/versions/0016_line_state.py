"""the line as the controller sees it now, for the wallboard

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0016'
down_revision = '0015'


def upgrade() -> None:
    op.create_table(
        'line_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))


def downgrade() -> None:
    op.drop_table('line_state')
