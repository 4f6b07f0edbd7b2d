"""call_events rows become one compressed trail per call

Revision ID: 0002
Revises: 0001
"""
import hashlib
import json
import zlib

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'


def upgrade() -> None:
    op.create_table('call_trails',
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('call_id')
    )
    # Carry existing trails over. 0001 stored each event's headers as a JSON object; the
    # trail format is AMI wire text (storage/trails.py), written here without importing the
    # package's code so this migration keeps meaning what it meant.
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT call_id, body FROM call_events ORDER BY call_id, id"))
    trails: dict[int, list[str]] = {}
    for call_id, body in rows:
        event = json.loads(body)
        text = "\r\n".join(f"{k}: {v}" for k, v in event.items() if k != "ActionID")
        trails.setdefault(call_id, []).append(text + "\r\n\r\n")
    table = sa.table('call_trails', sa.column('call_id', sa.Integer),
                     sa.column('events', sa.Integer), sa.column('body', sa.LargeBinary))
    if trails:
        op.bulk_insert(table, [
            {"call_id": cid, "events": len(parts),
             "body": zlib.compress("".join(parts).encode(), 1)}
            for cid, parts in trails.items()])
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_events_call_id'))
    op.drop_table('call_events')


def downgrade() -> None:
    op.create_table('call_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=32), nullable=False),
    sa.Column('ts', sa.Float(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'digest')
    )
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_events_call_id'), ['call_id'], unique=False)
    conn = op.get_bind()
    rows = []
    for call_id, blob in conn.execute(sa.text("SELECT call_id, body FROM call_trails")):
        for part in zlib.decompress(blob).decode().split("\r\n\r\n"):
            if not part:
                continue
            event = dict(line.split(": ", 1) for line in part.split("\r\n"))
            h = hashlib.blake2b(digest_size=12)  # 0001's event digest
            for k in sorted(event):
                h.update(k.encode() + b"\0" + event[k].encode() + b"\1")
            try:
                ts = float(event.get("Timestamp", "0"))
            except ValueError:
                ts = 0.0
            rows.append({"call_id": call_id, "digest": h.hexdigest(), "ts": ts,
                         "name": event.get("Event", ""),
                         "body": json.dumps(event, ensure_ascii=False)})
    table = sa.table('call_events', sa.column('call_id', sa.Integer),
                     sa.column('digest', sa.String), sa.column('ts', sa.Float),
                     sa.column('name', sa.String), sa.column('body', sa.Text))
    if rows:
        op.bulk_insert(table, rows)
    op.drop_table('call_trails')
