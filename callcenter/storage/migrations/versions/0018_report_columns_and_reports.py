"""what the reports count, as ticket columns; stored reports with their versions and their
deliveries

Revision ID: 0018
Revises: 0017
"""

import json
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from callcenter.domain.registration import place_of
from callcenter.search.phrases import key_phrases
from callcenter.storage.tables import UtcDateTime

revision = '0018'
down_revision = '0017'

_INTS = (('returns', 0), ('extensions', 0), ('revisits', 0), ('repeats', 1))
_BOOLS = ('cb_reached', 'cb_solved', 'cb_satisfied')


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dispatched_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('replied_at', UtcDateTime(), nullable=True))
        for name, default in _INTS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default=str(default)))
        for name in _BOOLS:
            batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('place', sa.String(length=24), nullable=False,
                                      server_default=''))
        # Frozen copies of storage/ticket_tables.REPORT_* as this revision made them.
        batch_op.create_index('ix_tickets_report_registered', [
            'registered_at', 'lead_unit', 'status', 'dispatched_at', 'supervised', 'extensions',
            'returns', 'revisits', 'repeats', 'due_at', 'cb_reached', 'cb_solved',
            'cb_satisfied', 'channel', 'kind', 'category', 'registered_by', 'place'],
            unique=False)
        batch_op.create_index('ix_tickets_report_due', [
            'due_at', 'lead_unit', 'status', 'replied_at', 'cb_reached', 'cb_solved',
            'cb_satisfied'], unique=False)
        batch_op.create_index('ix_tickets_report_contact', [
            'first_contact_due', 'lead_unit', 'first_contact_at'], unique=False)
        batch_op.create_index('ix_tickets_category_place',
                              ['category', 'place', 'registered_at'], unique=False)
    op.create_table(
        'ticket_phrases',
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('phrase', sa.String(length=16), nullable=False),
        sa.Column('registered_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('ticket_id', 'phrase'))
    op.create_index('ix_ticket_phrases_at', 'ticket_phrases', ['registered_at', 'phrase'],
                    unique=False)
    _backfill()
    op.create_table(
        'reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('period', sa.String(length=10), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('period_start', UtcDateTime(), nullable=False),
        sa.Column('period_end', UtcDateTime(), nullable=False),
        sa.Column('produced_at', UtcDateTime(), nullable=False),
        sa.Column('produced_by', sa.String(length=64), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('kind', 'period', 'version'))
    op.create_table(
        'report_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_at', UtcDateTime(), nullable=False),
        sa.Column('delivered_at', UtcDateTime(), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['report_id'], ['reports.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('report_id', 'target'))


def _backfill() -> None:
    """Stored tickets get the columns from their state and audit trail (the reply time and
    approved returns were not in the state before)."""
    t = sa.table('tickets', sa.column('id', sa.Integer), sa.column('state', sa.Text),
                 sa.column('address', sa.String), sa.column('place', sa.String),
                 sa.column('matter', sa.Text), sa.column('registered_at', UtcDateTime()),
                 sa.column('dispatched_at', UtcDateTime()), sa.column('replied_at', UtcDateTime()),
                 *(sa.column(n, sa.Integer) for n, _ in _INTS),
                 *(sa.column(n, sa.Boolean) for n in _BOOLS))
    audit = sa.table('ticket_audit', sa.column('ticket_id', sa.Integer),
                     sa.column('at', UtcDateTime()), sa.column('action', sa.String),
                     sa.column('to_status', sa.String))
    bind = op.get_bind()
    last_reply = (sa.select(audit.c.ticket_id, sa.func.max(audit.c.at))
                  .where(audit.c.action == 'SubmitReply').group_by(audit.c.ticket_id))
    replied: dict[int, datetime] = dict(bind.execute(last_reply).all())
    returns: dict[int, int] = dict(bind.execute(sa.select(audit.c.ticket_id, sa.func.count())
                                .where(audit.c.action == 'DecideReturn',
                                       audit.c.to_status == 'returned')
                                .group_by(audit.c.ticket_id)).all())
    phrases = sa.table('ticket_phrases', sa.column('ticket_id', sa.Integer),
                       sa.column('phrase', sa.String), sa.column('registered_at', UtcDateTime()))
    rows = bind.execute(sa.select(t.c.id, t.c.state, t.c.address, t.c.matter,
                                  t.c.registered_at)).all()
    for tid, state, address, matter, registered in rows:
        found = key_phrases(matter)
        if found:
            bind.execute(phrases.insert(), [{"ticket_id": tid, "phrase": w,
                                             "registered_at": registered} for w in found])
        d = json.loads(state)
        reached = [c for c in d.get('callbacks', []) if c.get('reached', True)]
        last = reached[-1] if reached else None
        cb = ({'cb_reached': None, 'cb_solved': None, 'cb_satisfied': None}
              if not d.get('callbacks') else
              {'cb_reached': False, 'cb_solved': None, 'cb_satisfied': None} if last is None
              else {'cb_reached': True, 'cb_solved': bool(last.get('solved')),
                    'cb_satisfied': min(last.get('attitude', 0), last.get('speed', 0),
                                        last.get('result', 0)) >= 3})
        dispatched = d.get('dispatched_at')
        bind.execute(t.update().where(t.c.id == tid).values(
            dispatched_at=None if dispatched is None else datetime.fromisoformat(dispatched),
            place=place_of(address), replied_at=replied.get(tid), returns=returns.get(tid, 0),
            extensions=len(d.get('extensions', [])), revisits=d.get('revisits', 0),
            repeats=d.get('repeats', 1), **cb))


def downgrade() -> None:
    op.drop_table('report_deliveries')
    op.drop_table('reports')
    op.drop_index('ix_ticket_phrases_at', table_name='ticket_phrases')
    op.drop_table('ticket_phrases')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_tickets_category_place')
        for name in ('ix_tickets_report_contact', 'ix_tickets_report_due',
                     'ix_tickets_report_registered'):
            batch_op.drop_index(name)
        for name in ('place', *_BOOLS, *(n for n, _ in reversed(_INTS)), 'replied_at',
                     'dispatched_at'):
            batch_op.drop_column(name)
