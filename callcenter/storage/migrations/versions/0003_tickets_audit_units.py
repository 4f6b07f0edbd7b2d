"""tickets, audit, units

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0003'
down_revision = '0002'


def upgrade() -> None:
    op.create_table('tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('matter', sa.Text(), nullable=False),
    sa.Column('demand', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('history_text', sa.Text(), nullable=False),
    sa.Column('other_opinions', sa.Text(), nullable=False),
    sa.Column('reporter_name', sa.String(length=64), nullable=False),
    sa.Column('reporter_gender', sa.String(length=8), nullable=False),
    sa.Column('reporter_phone', sa.String(length=24), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('registered_at', UtcDateTime(), nullable=False),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('lead_unit', sa.String(length=64), nullable=True),
    sa.Column('due_at', UtcDateTime(), nullable=True),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tickets_category'), ['category'])
        batch_op.create_index(batch_op.f('ix_tickets_lead_unit'), ['lead_unit'])
        batch_op.create_index(batch_op.f('ix_tickets_registered_at'), ['registered_at'])
        batch_op.create_index(batch_op.f('ix_tickets_reporter_phone'), ['reporter_phone'])
        batch_op.create_index(batch_op.f('ix_tickets_status'), ['status'])
        batch_op.create_index('ix_tickets_status_due', ['status', 'due_at'])

    op.create_table('units',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('parent', sa.String(length=64), nullable=True),
    sa.Column('contact', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('duty_phone', sa.String(length=32), nullable=False),
    sa.Column('office_hours', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('ticket_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.Column('actor_role', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_status', sa.String(length=24), nullable=False),
    sa.Column('to_status', sa.String(length=24), nullable=False),
    sa.Column('why', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'seq')
    )
    op.create_table('ticket_calls',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'linkedid')
    )
    with op.batch_alter_table('ticket_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_calls_linkedid'), ['linkedid'])

    op.create_table('ticket_units',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'unit')
    )
    with op.batch_alter_table('ticket_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_units_unit'), ['unit'])

    op.create_table('unit_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['unit'], ['units.code'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('unit_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_areas_area'), ['area'])
        batch_op.create_index(batch_op.f('ix_unit_areas_unit'), ['unit'])

    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'kind', 'day')
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_unit'), ['unit'])



def downgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_unit'))
    op.drop_table('notices')
    with op.batch_alter_table('unit_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_areas_unit'))
        batch_op.drop_index(batch_op.f('ix_unit_areas_area'))

    op.drop_table('unit_areas')
    with op.batch_alter_table('ticket_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_units_unit'))

    op.drop_table('ticket_units')
    with op.batch_alter_table('ticket_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_calls_linkedid'))

    op.drop_table('ticket_calls')
    op.drop_table('ticket_audit')
    op.drop_table('units')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_status_due')
        batch_op.drop_index(batch_op.f('ix_tickets_status'))
        batch_op.drop_index(batch_op.f('ix_tickets_reporter_phone'))
        batch_op.drop_index(batch_op.f('ix_tickets_registered_at'))
        batch_op.drop_index(batch_op.f('ix_tickets_lead_unit'))
        batch_op.drop_index(batch_op.f('ix_tickets_category'))

    op.drop_table('tickets')
