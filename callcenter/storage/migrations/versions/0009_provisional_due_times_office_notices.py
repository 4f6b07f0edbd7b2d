"""provisional due times; notices to the hotline office

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0009'
down_revision = '0008'


def upgrade() -> None:
    # Tickets stored before this revision were computed on published years only.
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provisional', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_tickets_provisional', ['provisional'])
    op.create_table('office_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'day')
    )


def downgrade() -> None:
    op.drop_table('office_notices')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_provisional')
        batch_op.drop_column('provisional')
