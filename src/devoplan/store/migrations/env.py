"""Alembic environment: run migrations on the connection devoplan hands over (see devoplan.store.db)."""

from __future__ import annotations

from alembic import context

from devoplan.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` on the command line: a URL from the config
        from sqlalchemy import create_engine

        with create_engine(config.get_main_option("sqlalchemy.url") or "").begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
