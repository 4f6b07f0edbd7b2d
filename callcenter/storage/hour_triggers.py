"""The triggers that keep the calls' hourly roll-up honest (storage/call_hours_repo.py): a
write to a call, or to a row of a call, bumps the generation of the UTC hour the call arrived
in. Used by migrations 0019, 0021 and 0022; the SQL is made of this module's constants and
the migrations' table names only.

SQLite has row triggers only: each written row bumps its hour (an upsert of one small row).
PostgreSQL gets statement triggers with transition tables: a statement bumps each hour it
touched once. A row trigger there updates the same `call_hours` row once per written row in
one transaction, and each update walks the row's growing chain of versions: a bulk update of
three million rings ran for over 17 minutes before it was stopped."""

from __future__ import annotations

from alembic import op

_KEY = {"sqlite": "substr({at}, 1, 13)",
        "postgresql": "to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"}
_UPSERT = ("INSERT INTO call_hours (hour, gen, rolled) {hours} "
           "ON CONFLICT (hour) DO UPDATE SET gen = call_hours.gen + 1")


def key(at: str) -> str:
    """The hour key (storage/sql_time.hour_key) of the time column `at`, in the SQL of the
    store being migrated."""
    return _KEY[op.get_bind().dialect.name].format(at=at)


def _hours(dialect: str, rows: str, at: str, via_call: bool) -> str:
    """SELECT hour, 1, 0 for the rows' calls; `at` is the row's time of arrival, or with
    `via_call` the call's (the row names its call in call_id)."""
    if via_call:
        key = _KEY[dialect].format(at="c.started_at")
        return (f"SELECT DISTINCT {key}, 1, 0 FROM {rows} x "  # noqa: S608 (constants)
                f"JOIN calls c ON c.id = x.call_id")
    key = _KEY[dialect].format(at=f"x.{at}")
    return f"SELECT DISTINCT {key}, 1, 0 FROM {rows} x"  # noqa: S608 (constants)


def create(table: str, at: str = "started_at", via_call: bool = False) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        def bump(row: str, unless_same: str = "true") -> str:
            if via_call:
                hours = (f"SELECT {_KEY[dialect].format(at='started_at')}, 1, 0 "  # noqa: S608
                         f"FROM calls WHERE calls.id = {row}.call_id AND {unless_same}")
            else:  # an INSERT ... SELECT needs a WHERE before ON CONFLICT (SQLite's rule)
                hours = (f"SELECT {_KEY[dialect].format(at=f'{row}.{at}')}, 1, 0 "
                         f"WHERE {unless_same}")
            return _UPSERT.format(hours=hours)
        # An update bumps the old hour too only when the row moved to another hour: the
        # controller updates each call several times, always within its hour.
        moved = ("OLD.call_id <> NEW.call_id" if via_call else
                 f"{_KEY[dialect].format(at=f'OLD.{at}')} <> "
                 f"{_KEY[dialect].format(at=f'NEW.{at}')}")
        op.execute(f"CREATE TRIGGER {table}_hour_insert AFTER INSERT ON {table} "
                   f"BEGIN {bump('NEW')}; END")
        op.execute(f"CREATE TRIGGER {table}_hour_delete AFTER DELETE ON {table} "
                   f"BEGIN {bump('OLD')}; END")
        op.execute(f"CREATE TRIGGER {table}_hour_update AFTER UPDATE ON {table} "
                   f"BEGIN {bump('NEW')}; {bump('OLD', moved)}; END")
        return
    new = _UPSERT.format(hours=_hours(dialect, "new_rows", at, via_call))
    old = _UPSERT.format(hours=_hours(dialect, "old_rows", at, via_call))
    either = (f"{_hours(dialect, 'new_rows', at, via_call)} UNION "
              f"{_hours(dialect, 'old_rows', at, via_call)}")
    both = _UPSERT.format(hours=f"SELECT * FROM ({either}) AS h")  # noqa: S608 (constants)
    op.execute(f"""
        CREATE FUNCTION {table}_hour_bump() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN {new};
            ELSIF TG_OP = 'DELETE' THEN {old};
            ELSE {both};
            END IF;
            RETURN NULL;
        END $$""")
    for event, tables in (("insert", "NEW TABLE AS new_rows"),
                          ("delete", "OLD TABLE AS old_rows"),
                          ("update", "OLD TABLE AS old_rows NEW TABLE AS new_rows")):
        op.execute(f"CREATE TRIGGER {table}_hour_{event} AFTER {event.upper()} ON {table} "
                   f"REFERENCING {tables} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION {table}_hour_bump()")


def drop(table: str) -> None:
    dialect = op.get_bind().dialect.name
    for event in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER {table}_hour_{event}"
                   + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute(f"DROP FUNCTION {table}_hour_bump()")
