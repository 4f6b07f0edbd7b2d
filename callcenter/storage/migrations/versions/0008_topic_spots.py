"""hot-topic keyword spots

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'


def upgrade() -> None:
    op.create_table('topic_spots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recording_id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('word', sa.String(length=32), nullable=False),
    sa.Column('speaker', sa.String(length=16), nullable=False),
    sa.Column('start_s', sa.Float(), nullable=False),
    sa.Column('end_s', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['call_id'], ['calls.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recording_id'], ['recordings.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('topic_spots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_spots_call_id'), ['call_id'])
        batch_op.create_index(batch_op.f('ix_topic_spots_recording_id'), ['recording_id'])
        batch_op.create_index('ix_topic_spots_topic_call', ['topic', 'call_id'])


def downgrade() -> None:
    with op.batch_alter_table('topic_spots', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_spots_topic_call')
        batch_op.drop_index(batch_op.f('ix_topic_spots_recording_id'))
        batch_op.drop_index(batch_op.f('ix_topic_spots_call_id'))
    op.drop_table('topic_spots')
