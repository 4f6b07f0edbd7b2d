"""the console's people and sessions, and the append-only access audit

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0024'
down_revision = '0023'

_REFUSE = "the access audit accepts no update or delete"


def upgrade() -> None:
    op.create_table(
        'people',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=True),
        sa.Column('unit_role', sa.String(length=16), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('password_hash', sa.String(length=256), nullable=False),
        sa.Column('link_digest', sa.String(length=64), nullable=True),
        sa.Column('link_until', UtcDateTime(), nullable=True),
        sa.Column('disabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_table(
        'console_sessions',
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('person', sa.String(length=64), nullable=False),
        sa.Column('csrf', sa.String(length=64), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('seen_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('digest'))
    op.create_index('ix_console_sessions_person', 'console_sessions', ['person'], unique=False)
    op.create_table(
        'access_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UtcDateTime(), nullable=False),
        sa.Column('role', sa.String(length=16), nullable=False),
        sa.Column('person', sa.String(length=64), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('subject', sa.String(length=128), nullable=False),
        sa.Column('detail', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_access_audit_at', 'access_audit', ['at'], unique=False)
    op.create_index('ix_access_audit_person_at', 'access_audit', ['person', 'at'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION access_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '{_REFUSE}'; END $$""")
        op.execute("CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE "
                   "ON access_audit FOR EACH ROW EXECUTE FUNCTION access_audit_refuse()")
    else:
        for what in ("update", "delete"):
            op.execute(f"CREATE TRIGGER access_audit_no_{what} BEFORE {what.upper()} "
                       f"ON access_audit BEGIN SELECT RAISE(ABORT, '{_REFUSE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER access_audit_append_only ON access_audit")
        op.execute("DROP FUNCTION access_audit_refuse()")
    op.drop_table('access_audit')
    op.drop_index('ix_console_sessions_person', table_name='console_sessions')
    op.drop_table('console_sessions')
    op.drop_table('people')
