"""Opening the core database: URL handling, SQLite write locking, and migrating to the latest schema."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from orderpulse.errors import UserError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_SECONDS = 60
_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def sqlalchemy_url(url: str) -> str:
    """Accept the URLs people type (`postgresql://`, `postgres://`) and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def open_database(url: str, *, migrate: bool = True) -> Engine:
    """An engine for the core database, created and migrated to the latest schema on first use."""
    try:
        parsed = make_url(sqlalchemy_url(url))
    except ArgumentError as error:
        raise UserError(
            f"not a database URL: {url!r} (expected sqlite:///path or postgresql://...)"
        ) from error
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    elif parsed.get_backend_name() == "postgresql":
        engine = create_engine(parsed, pool_pre_ping=True)
    else:
        raise UserError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite:/// or postgresql://"
        )
    if migrate:
        migrate_to_latest(engine)
    return engine


def _sqlite_engine(parsed) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False}
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN, instead of pysqlite's deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}")
        # Foreign keys are enforced by PostgreSQL; on SQLite their per-row lookups cost a fifth of
        # the simulator's time, and the domain never writes a dangling reference.
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Index pages of a busy quarter do not fit the 2 MB default cache; 64 MB keeps bulk writes fast.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection) -> None:
        # Take the write lock when the transaction starts, so two workers never both read the
        # same stock and then both write it (a deferred BEGIN would let them).
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate_to_latest(engine: Engine) -> None:
    key = engine.url.render_as_string(hide_password=False)
    with _migrate_lock:
        if key in _migrated:
            return
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        try:
            with engine.connect() as connection:
                current = MigrationContext.configure(connection).get_current_revision()
                connection.rollback()
                if current != head:
                    command.upgrade(_alembic_config(connection), "head")
                    connection.commit()
        except OperationalError as error:
            raise UserError(
                f"cannot open the core database {engine.url.render_as_string()}: {error.orig}"
            ) from error
        _migrated.add(key)
