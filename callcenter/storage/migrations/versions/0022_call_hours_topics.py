"""the topics heard in an hour's calls join the calls' hourly roll-up; a topic spot written
or deleted bumps its call's hour

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'

# As in 0019, but the hour is the spot's call's: a spot does not keep its call's arrival.
_KEY = {'sqlite': "substr(started_at, 1, 13)",
        'postgresql': "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"}
_BUMP = ("INSERT INTO call_hours (hour, gen, rolled) SELECT {key}, 1, 0 FROM calls "
         "WHERE calls.id = {row}.call_id ON CONFLICT (hour) DO UPDATE "
         "SET gen = call_hours.gen + 1")


def upgrade() -> None:
    # Not batch: rebuilding call_hours on SQLite would break the triggers that name it.
    op.add_column('call_hours', sa.Column('topics', sa.Text(), nullable=True))
    dialect = op.get_bind().dialect.name
    new = _BUMP.format(key=_KEY[dialect], row='NEW')
    old = _BUMP.format(key=_KEY[dialect], row='OLD')
    if dialect == 'sqlite':
        op.execute(f"CREATE TRIGGER topic_spots_insert AFTER INSERT ON topic_spots "
                   f"BEGIN {new}; END")
        op.execute(f"CREATE TRIGGER topic_spots_delete AFTER DELETE ON topic_spots "
                   f"BEGIN {old}; END")
        op.execute(f"CREATE TRIGGER topic_spots_update AFTER UPDATE ON topic_spots "
                   f"BEGIN {new}; {old}; END")
    else:
        op.execute(f"""
            CREATE FUNCTION topic_spots_bump() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {old}; END IF;
                IF TG_OP <> 'DELETE' THEN {new}; END IF;
                RETURN NULL;
            END $$""")
        op.execute("CREATE TRIGGER topic_spots_bump AFTER INSERT OR UPDATE OR DELETE ON "
                   "topic_spots FOR EACH ROW EXECUTE FUNCTION topic_spots_bump()")
    op.execute("UPDATE call_hours SET rolled = 0")  # rolled up again, with their topics


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER topic_spots_{name}")
    else:
        op.execute("DROP TRIGGER topic_spots_bump ON topic_spots")
        op.execute("DROP FUNCTION topic_spots_bump()")
    op.execute("ALTER TABLE call_hours DROP COLUMN topics")  # native on SQLite 3.35+
