"""closing by the office, callbacks after close, repeats by call year, registration identity

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0010'
down_revision = '0009'


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('home_address', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('event_time', sa.String(length=64), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('people_involved', sa.Text(), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('address_key', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('closed_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('dispatch_due', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('callback_due', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index('ix_tickets_matter', ['category', 'address_key'])
        batch_op.create_index('ix_tickets_status_dispatch', ['status', 'dispatch_due'])
        batch_op.create_index('ix_tickets_callback_due', ['callback_due'])
    with op.batch_alter_table('ticket_calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('at', UtcDateTime(), nullable=True))
    # A called-back ticket used to wait there for the office to close it: it now waits as
    # replied (the office accepts the reply, then callbacks follow). Its audit trail keeps
    # the old status names.
    op.execute("UPDATE tickets SET status = 'replied', "
               "state = replace(state, '\"status\": \"called_back\"', '\"status\": \"replied\"') "
               "WHERE status = 'called_back'")
    # The address key of stored tickets: spaces dropped here; the full normalisation is
    # applied when a ticket is saved again.
    op.execute("UPDATE tickets SET address_key = lower(replace(address, ' ', ''))")


def downgrade() -> None:
    with op.batch_alter_table('ticket_calls', schema=None) as batch_op:
        batch_op.drop_column('at')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_callback_due')
        batch_op.drop_index('ix_tickets_status_dispatch')
        batch_op.drop_index('ix_tickets_matter')
        for name in ('callback_due', 'dispatch_due', 'closed_at', 'address_key',
                     'people_involved', 'event_time', 'home_address'):
            batch_op.drop_column(name)
