"""Alembic environment of the decisions store. Run only through store.engine.migrate, which
passes the open connection in config.attributes["connection"]: no alembic.ini, no URL here."""

from alembic import context

from coaching_pipeline.workbench.store import resolution_models  # noqa: F401  (its table joins Base.metadata)
from coaching_pipeline.workbench.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
