"""Alembic environment: the engine is handed in by storage.engine.migrate()."""

from alembic import context

from callcenter.storage import (  # noqa: F401 -- registers the tables
    agent_tables,
    kb_tables,
    live_tables,
    people_tables,
    ticket_tables,
    transcript_tables,
)
from callcenter.storage.tables import Base

# Search indexes are made by hand per dialect (migration 0004); the models do not describe them.
UNMODELLED = {"kb_fts", "segments_fts", "words_tsv", "ix_kb_articles_words_tsv",
              "ix_transcript_segments_words_tsv"}


def include_object(obj: object, name: str | None, type_: str, reflected: bool,
                   compare_to: object) -> bool:
    return not (name in UNMODELLED or (name or "").startswith(("kb_fts_", "segments_fts_")))


engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
