"""Engines for both dialects: SQLite pragmas and write locks, psycopg 3 for PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

from engine.store.urls import db_url


def make_engine(url: str | None = None, *, lock_timeout_s: float = 60.0) -> Engine:
    """A SQLAlchemy engine for the store at ``url`` (see :func:`engine.store.urls.db_url`).

    SQLite: foreign keys on, WAL journal (readers do not wait for the writer),
    and transactions begun explicitly, so a connection with the execution
    option ``sqlite_begin="IMMEDIATE"`` takes the database's single write lock
    up front (``BEGIN IMMEDIATE``) instead of failing half-way on upgrade from
    read to write. ``lock_timeout_s`` is how long a writer waits for that lock.
    """
    full = db_url(url)
    parsed = make_url(full)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(full, connect_args={"timeout": lock_timeout_s})
        _sqlite_setup(engine, lock_timeout_s)
        return engine
    return create_engine(full, pool_pre_ping=True)


def _sqlite_setup(engine: Engine, lock_timeout_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy (below) emit BEGIN, not the sqlite3 module's own guesswork.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(lock_timeout_s * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")
