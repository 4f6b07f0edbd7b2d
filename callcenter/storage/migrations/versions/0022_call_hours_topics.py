"""the topics heard in an hour's calls join the calls' hourly roll-up; a topic spot written
or deleted bumps its call's hour

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage import hour_triggers

revision = '0022'
down_revision = '0021'


def upgrade() -> None:
    # Not batch: rebuilding call_hours on SQLite would break the triggers that name it.
    op.add_column('call_hours', sa.Column('topics', sa.Text(), nullable=True))
    hour_triggers.create('topic_spots', via_call=True)
    op.execute("UPDATE call_hours SET rolled = 0")  # rolled up again, with their topics


def downgrade() -> None:
    hour_triggers.drop('topic_spots')
    op.execute("ALTER TABLE call_hours DROP COLUMN topics")  # native on SQLite 3.35+
