"""Alembic environment: the engine is handed in by storage.engine.migrate()."""

from alembic import context

from callcenter.storage import ticket_tables  # noqa: F401 -- registers the tables
from callcenter.storage.tables import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
