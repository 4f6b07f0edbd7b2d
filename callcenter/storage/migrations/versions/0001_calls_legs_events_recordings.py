"""calls, legs, events, recordings

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0001'
down_revision = None


def upgrade() -> None:

    op.create_table('calls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('linkedid', sa.String(length=64), nullable=False),
    sa.Column('caller_number', sa.String(length=64), nullable=False),
    sa.Column('dialled_number', sa.String(length=64), nullable=False),
    sa.Column('started_at', UtcDateTime(), nullable=False),
    sa.Column('ended_at', UtcDateTime(), nullable=True),
    sa.Column('ivr_choice', sa.String(length=8), nullable=True),
    sa.Column('route', sa.String(length=16), nullable=True),
    sa.Column('fallback', sa.Boolean(), nullable=False),
    sa.Column('queue', sa.String(length=64), nullable=True),
    sa.Column('queue_joined_at', UtcDateTime(), nullable=True),
    sa.Column('wait_s', sa.Float(), nullable=True),
    sa.Column('seat', sa.String(length=32), nullable=True),
    sa.Column('answered_at', UtcDateTime(), nullable=True),
    sa.Column('talk_s', sa.Float(), nullable=True),
    sa.Column('hung_up_by', sa.String(length=16), nullable=False),
    sa.Column('disposition', sa.String(length=24), nullable=False),
    sa.Column('disposition_reason', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('linkedid')
    )
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calls_disposition'), ['disposition'], unique=False)
        batch_op.create_index(batch_op.f('ix_calls_started_at'), ['started_at'], unique=False)

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

    op.create_table('call_legs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('uniqueid', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=128), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('started_at', UtcDateTime(), nullable=True),
    sa.Column('ended_at', UtcDateTime(), nullable=True),
    sa.Column('hangup_cause', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'uniqueid')
    )
    with op.batch_alter_table('call_legs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_legs_call_id'), ['call_id'], unique=False)

    op.create_table('recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('duration_s', sa.Float(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_id', 'kind')
    )
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recordings_call_id'), ['call_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recordings_call_id'))

    op.drop_table('recordings')
    with op.batch_alter_table('call_legs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_legs_call_id'))

    op.drop_table('call_legs')
    with op.batch_alter_table('call_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_events_call_id'))

    op.drop_table('call_events')
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calls_started_at'))
        batch_op.drop_index(batch_op.f('ix_calls_disposition'))

    op.drop_table('calls')

