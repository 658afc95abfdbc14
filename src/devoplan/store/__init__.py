"""The workspace's database: SQLAlchemy 2 models, Alembic migrations, SQLite (WAL) or PostgreSQL."""

from devoplan.store.db import DEFAULT_URL, Database, normalise_url, open_database

__all__ = ["DEFAULT_URL", "Database", "normalise_url", "open_database"]
