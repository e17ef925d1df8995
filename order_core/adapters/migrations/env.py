"""Alembic environment: run programmatically by `database.migrate_to_latest` with a connection."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from order_core.adapters.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run the order core migrations through order_core.adapters.database.migrate_to_latest")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Two processes opening a fresh database at once: the second waits, then finds it migrated.
        connection.execute(text("SELECT pg_advisory_xact_lock(727001)"))
    context.run_migrations()
