"""the seats the queue rang for each call, for the seats' answer rate (接通率); they join the
calls' hourly roll-up, whose stored hours are rolled up again

Calls stored before this revision have no rings (their trails hold the queue's events, but
folding millions of trails would hold the upgrade for minutes): a seat's answer rate counts
from the upgrade on, and the reports say so by a rate without a denominator.

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0021'
down_revision = '0020'

# As in 0019: the hour key of a ring's call (its arrival), and the bump of that hour.
_KEY = {'sqlite': "substr({t}.arrived_at, 1, 13)",
        'postgresql': "to_char({t}.arrived_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"}
_BUMP = ("INSERT INTO call_hours (hour, gen, rolled) VALUES ({key}, 1, 0) "
         "ON CONFLICT (hour) DO UPDATE SET gen = call_hours.gen + 1")


def upgrade() -> None:
    op.create_table(
        'call_rings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('call_id', sa.Integer(), nullable=False),
        sa.Column('arrived_at', UtcDateTime(), nullable=False),
        sa.Column('seat', sa.String(length=32), nullable=False),
        sa.Column('rung_at', UtcDateTime(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_call_rings_call_id', 'call_rings', ['call_id'], unique=False)
    op.create_index('ix_call_rings_arrived', 'call_rings', ['arrived_at', 'seat', 'answered'],
                    unique=False)
    dialect = op.get_bind().dialect.name
    key = _KEY[dialect]
    new, old = _BUMP.format(key=key.format(t='NEW')), _BUMP.format(key=key.format(t='OLD'))
    if dialect == 'sqlite':
        op.execute(f"CREATE TRIGGER call_rings_insert AFTER INSERT ON call_rings "
                   f"BEGIN {new}; END")
        op.execute(f"CREATE TRIGGER call_rings_delete AFTER DELETE ON call_rings "
                   f"BEGIN {old}; END")
        op.execute(f"CREATE TRIGGER call_rings_update AFTER UPDATE ON call_rings "
                   f"BEGIN {new}; {old}; END")
    else:
        op.execute(f"""
            CREATE FUNCTION call_rings_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {old}; END IF;
                IF TG_OP <> 'DELETE' THEN {new}; END IF;
                RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER call_rings_bump AFTER INSERT OR UPDATE OR DELETE ON "
                   "call_rings FOR EACH ROW EXECUTE FUNCTION call_rings_bump()")
    # The stored hours' seats lack the rings: every hour is rolled up again.
    op.execute("UPDATE call_hours SET rolled = 0")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER call_rings_{name}")
    else:
        op.execute("DROP TRIGGER call_rings_bump ON call_rings")
        op.execute("DROP FUNCTION call_rings_bump()")
    op.drop_index('ix_call_rings_arrived', table_name='call_rings')
    op.drop_index('ix_call_rings_call_id', table_name='call_rings')
    op.drop_table('call_rings')
    op.execute("UPDATE call_hours SET rolled = 0")
