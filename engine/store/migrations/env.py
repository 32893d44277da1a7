"""Alembic environment of the pickwave store.

Used two ways: programmatically by :func:`engine.store.migrate.upgrade`, which
hands over an open connection in ``config.attributes["connection"]``, and from
the ``alembic`` command line with ``alembic.ini`` next to this file, where the
URL comes from ``PICKWAVE_DB_URL`` (default ``sqlite:///pickwave.db``).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from engine.store.schema import Base
from engine.store.urls import db_url

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or db_url())
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url") or db_url(), target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
