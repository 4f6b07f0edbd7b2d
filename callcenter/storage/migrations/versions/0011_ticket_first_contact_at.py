"""tickets.first_contact_at: the sweeper chases only tickets not contacted yet, in every
status in which the unit holds the ticket (the rule of domain/supervision.py)

Revision ID: 0011
Revises: 0010
"""

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0011'
down_revision = '0010'


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_contact_at', UtcDateTime(), nullable=True))
    # The column is written from the ticket's state on every save; stored tickets get it
    # from their state here, so none is chased for a contact it already made.
    tickets = sa.table('tickets', sa.column('id', sa.Integer),
                       sa.column('state', sa.Text), sa.column('first_contact_at', UtcDateTime()))
    bind = op.get_bind()
    rows = bind.execute(sa.select(tickets.c.id, tickets.c.state)).all()
    for tid, state in rows:
        at = json.loads(state).get("first_contact_at")
        if at:
            bind.execute(tickets.update().where(tickets.c.id == tid)
                         .values(first_contact_at=datetime.fromisoformat(at)))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('first_contact_at')
