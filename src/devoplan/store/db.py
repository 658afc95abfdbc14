"""Opening the workspace database: URL handling, SQLite pragmas (WAL), migrations, sessions.

``open_database(url)`` applies the Alembic migrations (the same ones on SQLite and PostgreSQL) and
returns a :class:`Database` whose ``session()`` is a SQLAlchemy session bound to it. SQLite runs in
WAL mode with ``synchronous=FULL`` and foreign keys on, so a save acknowledged to a client survives
the server being killed; writers wait for each other (``busy_timeout``) instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from devoplan.errors import DevoplanError

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_URL = "sqlite:///devoplan-workspace.db"


def normalise_url(url: str) -> str:
    """A database URL SQLAlchemy can open: a bare path is a SQLite file; postgresql:// uses psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{url}"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DevoplanError(f"`db` is not a database URL: {url!r} ({exc})") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise DevoplanError(f"`db` must be a SQLite file or a postgresql:// URL, got {parsed.drivername}://")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (no-op when it is there already)."""
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


@dataclass
class Database:
    """An engine with its migrations applied and a session factory."""

    engine: Engine
    factory: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        return self.factory()

    def integrity_ok(self) -> bool:
        """The database's own integrity check: SQLite's ``PRAGMA integrity_check``; on PostgreSQL,
        ``amcheck`` over every B-tree index of the workspace's tables, each index against its table
        (needs a role that may create the ``amcheck`` extension; a damaged index raises)."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS amcheck"))
            checked = conn.execute(text(
                "SELECT count(bt_index_check(index => i.indexrelid, heapallindexed => true)) "
                "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE a.amname = 'btree' AND n.nspname = current_schema() AND i.indisvalid")).scalar()
            conn.commit()
            return bool(checked)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str = DEFAULT_URL) -> Database:
    """Open (creating and migrating as needed) the workspace database at ``url``."""
    engine = make_engine(url)
    try:
        migrate(engine)
    except Exception as exc:  # unreachable server, bad credentials, unwritable file: say which URL
        engine.dispose()
        if isinstance(exc, DevoplanError):
            raise
        shown = make_url(normalise_url(url)).render_as_string(hide_password=True).replace("+psycopg", "")
        raise DevoplanError(f"cannot open database `db` {shown}: {str(exc).splitlines()[0]}") from None
    return Database(engine, sessionmaker(engine, expire_on_commit=False))
