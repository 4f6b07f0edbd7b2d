"""transcript search index and audit

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0007'
down_revision = '0006'


def upgrade() -> None:
    op.create_table('search_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UtcDateTime(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('person', sa.String(length=64), nullable=False),
    sa.Column('query', sa.Text(), nullable=False),
    sa.Column('filters', sa.Text(), nullable=False),
    sa.Column('results', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('search_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_audit_at'), ['at'])

    # The word index over transcript segments (search/cjk.py writes `words` segmented).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE segments_fts USING fts5(words, "
                   "tokenize='unicode61 remove_diacritics 0')")
        op.execute("INSERT INTO segments_fts (rowid, words) SELECT id, words "
                   "FROM transcript_segments")
    else:
        op.execute("ALTER TABLE transcript_segments ADD COLUMN words_tsv tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED")
        op.execute("CREATE INDEX ix_transcript_segments_words_tsv ON transcript_segments "
                   "USING gin (words_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE segments_fts")
    else:
        op.execute("ALTER TABLE transcript_segments DROP COLUMN words_tsv")
    with op.batch_alter_table('search_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_audit_at'))

    op.drop_table('search_audit')
