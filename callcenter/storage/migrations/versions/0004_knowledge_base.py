"""knowledge base

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from callcenter.storage.tables import UtcDateTime

revision = '0004'
down_revision = '0003'


def upgrade() -> None:
    op.create_table('kb_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('policy_source', sa.String(length=200), nullable=False),
    sa.Column('owner_unit', sa.String(length=64), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('review_due', sa.Date(), nullable=False),
    sa.Column('words', sa.Text(), nullable=False),
    sa.Column('updated_at', UtcDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_articles_owner_unit'), ['owner_unit'])
        batch_op.create_index(batch_op.f('ix_kb_articles_review_due'), ['review_due'])

    op.create_table('kb_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=True),
    sa.Column('unit', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', UtcDateTime(), nullable=False),
    sa.Column('due_at', UtcDateTime(), nullable=False),
    sa.Column('resolved_at', UtcDateTime(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('kb_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kb_requests_unit'), ['unit'])

    op.create_table('ticket_kb',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'article_id')
    )
    with op.batch_alter_table('ticket_kb', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_kb_article_id'), ['article_id'])

    # The word index (search/cjk.py writes `words` already segmented).
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE kb_fts USING fts5(words, "
                   "tokenize='unicode61 remove_diacritics 0')")
    else:
        op.execute("ALTER TABLE kb_articles ADD COLUMN words_tsv tsvector "
                   "GENERATED ALWAYS AS (to_tsvector('simple', words)) STORED")
        op.execute("CREATE INDEX ix_kb_articles_words_tsv ON kb_articles USING gin (words_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE kb_fts")
    with op.batch_alter_table('ticket_kb', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_kb_article_id'))

    op.drop_table('ticket_kb')
    with op.batch_alter_table('kb_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_requests_unit'))

    op.drop_table('kb_requests')
    with op.batch_alter_table('kb_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_articles_review_due'))
        batch_op.drop_index(batch_op.f('ix_kb_articles_owner_unit'))

    op.drop_table('kb_articles')
