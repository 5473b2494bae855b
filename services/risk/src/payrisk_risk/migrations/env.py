"""Alembic environment: runs on the connection the service hands over (see payrisk_runtime.migrate)."""

from alembic import context
from payrisk_risk import models  # noqa: F401  (registers the tables)
from sqlmodel import SQLModel

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
