"""Versioned schema migrations (Alembic), runnable from the installed package.

The migration scripts live in ``engine/store/migrations`` inside the package;
Alembic is configured here in code, so no ``alembic.ini`` or working directory
is needed. :func:`upgrade` is what :func:`engine.store.open_store` runs.

Command line::

    python -m engine.store.migrate upgrade [REV]     # default head
    python -m engine.store.migrate downgrade REV     # e.g. base
    python -m engine.store.migrate current
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, text

from engine.store.urls import db_url

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
if logging.getLogger("alembic").level == logging.NOTSET:
    # Alembic narrates its plugins and every version check at INFO; the store
    # says what matters itself. (Alembic is imported lazily, after this.)
    logging.getLogger("alembic").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit key: serialises concurrent migrations of one PostgreSQL database.
_PG_LOCK_KEY = 0x7069636B77617665  # "pickwave"


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic config pointing at the packaged scripts (and at ``connection`` when given)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db_url(url).replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` to ``revision`` in one transaction.

    Cheap when already there (one query). Concurrent callers are serialised:
    an advisory lock on PostgreSQL, the write lock (``BEGIN IMMEDIATE``, see
    :mod:`engine.store.store`) on SQLite; the loser then finds nothing to do.
    """
    head = head_revision() if revision == "head" else revision
    with engine.connect() as conn:
        if current_revision(conn) == head:
            return
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        current = current_revision(conn)
        if current != head:
            from alembic import command

            log.info("migrating the store from %s to %s", current or "an empty database", head)
            command.upgrade(alembic_config(conn), revision)


def downgrade(engine: Engine, revision: str) -> None:
    from alembic import command

    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
        command.downgrade(alembic_config(conn), revision)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.store.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("upgrade", "downgrade", "current"))
    parser.add_argument("revision", nargs="?", default="head")
    parser.add_argument("--url", help="SQLAlchemy URL (default PICKWAVE_DB_URL, else sqlite:///pickwave.db)")
    args = parser.parse_args(argv)
    from engine.store.engine import make_engine

    engine = make_engine(db_url(args.url))
    try:
        if args.command == "upgrade":
            upgrade(engine, args.revision)
        elif args.command == "downgrade":
            downgrade(engine, args.revision)
        with engine.connect() as conn:
            print(current_revision(conn) or "base")
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
