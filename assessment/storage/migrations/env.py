"""Alembic environment, run programmatically by assessment.storage.db (no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from assessment.storage.db import make_engine
from assessment.storage.models import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # pragma: no cover - only when someone runs the alembic CLI by hand
    with make_engine(config.get_main_option("sqlalchemy.url") or None).begin() as conn:
        _run(conn)
