"""ticket due-soon and first-contact times

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0005'
down_revision = '0004'


def upgrade() -> None:
    # Tickets saved before this revision get these times at their next change; until then
    # the sweeper still finds them overdue (due_at), only without the earlier warnings.
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_soon_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('first_contact_due', UtcDateTime(), nullable=True))
        batch_op.create_index('ix_tickets_status_contact', ['status', 'first_contact_due'])
        batch_op.create_index('ix_tickets_status_soon', ['status', 'due_soon_at'])


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_status_soon')
        batch_op.drop_index('ix_tickets_status_contact')
        batch_op.drop_column('first_contact_due')
        batch_op.drop_column('due_soon_at')

