"""the deadline index of the reports covers the registering agent, whom the callbacks'
figures also go to

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = '0020'
down_revision = '0019'

# Frozen copies of storage/ticket_tables.REPORT_DUE before and after this revision.
_BEFORE = ['due_at', 'lead_unit', 'status', 'replied_at', 'cb_reached', 'cb_solved',
           'cb_satisfied']
_AFTER = [*_BEFORE, 'registered_by']


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_report_due')
        batch_op.create_index('ix_tickets_report_due', _AFTER, unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_report_due')
        batch_op.create_index('ix_tickets_report_due', _BEFORE, unique=False)
