"""the calls' hourly roll-up: each UTC hour's call figures, kept fresh by triggers that bump
the hour's generation whenever one of its calls is written

A later revision that rebuilds `calls` on SQLite (batch_alter_table copies the table) drops
these triggers and must create them again; tests/test_call_hours.py fails until it does.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'

# The hour key of storage/sql_time.hour_key, in each dialect's SQL (a text "YYYY-MM-DD HH").
_KEY = {'sqlite': "substr({t}.started_at, 1, 13)",
        'postgresql': "to_char({t}.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"}
_BUMP = ("INSERT INTO call_hours (hour, gen, rolled) VALUES ({key}, 1, 0) "
         "ON CONFLICT (hour) DO UPDATE SET gen = call_hours.gen + 1")


def upgrade() -> None:
    op.create_table(
        'call_hours',
        sa.Column('hour', sa.String(length=13), nullable=False),
        sa.Column('gen', sa.Integer(), nullable=False),
        sa.Column('rolled', sa.Integer(), nullable=False),
        sa.Column('counts', sa.Text(), nullable=True),
        sa.Column('waits', sa.Text(), nullable=True),
        sa.Column('talks', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('hour'))
    dialect = op.get_bind().dialect.name
    key = _KEY[dialect]
    # Every hour that holds calls has a row; an hour without one holds none. (The SQL is
    # made of this file's constants only.)
    op.execute(f"INSERT INTO call_hours (hour, gen, rolled) SELECT DISTINCT "  # noqa: S608
               f"{key.format(t='calls')}, 1, 0 FROM calls")
    new, old = _BUMP.format(key=key.format(t='NEW')), _BUMP.format(key=key.format(t='OLD'))
    moved = f"{key.format(t='NEW')} <> {key.format(t='OLD')}"
    if dialect == 'sqlite':
        op.execute(f"CREATE TRIGGER call_hours_insert AFTER INSERT ON calls BEGIN {new}; END")
        op.execute(f"CREATE TRIGGER call_hours_delete AFTER DELETE ON calls BEGIN {old}; END")
        # An INSERT ... SELECT needs its WHERE before ON CONFLICT (SQLite's parsing rule).
        old_if_moved = (f"INSERT INTO call_hours (hour, gen, rolled) SELECT "
                        f"{key.format(t='OLD')}, 1, 0 WHERE {moved} "
                        f"ON CONFLICT (hour) DO UPDATE SET gen = call_hours.gen + 1")
        op.execute(f"CREATE TRIGGER call_hours_update AFTER UPDATE ON calls "
                   f"BEGIN {new}; {old_if_moved}; END")
        return
    op.execute(f"""
        CREATE FUNCTION call_hours_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {old}; END IF;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND {moved}) THEN {new}; END IF;
            RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER call_hours_bump AFTER INSERT OR UPDATE OR DELETE ON calls "
               "FOR EACH ROW EXECUTE FUNCTION call_hours_bump()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER call_hours_{name}")
    else:
        op.execute("DROP TRIGGER call_hours_bump ON calls")
        op.execute("DROP FUNCTION call_hours_bump()")
    op.drop_table('call_hours')
