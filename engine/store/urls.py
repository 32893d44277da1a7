"""Where the store lives: ``PICKWAVE_DB_URL``, a SQLAlchemy URL."""

from __future__ import annotations

import os

DEFAULT_URL = "sqlite:///pickwave.db"


def db_url(url: str | None = None) -> str:
    """``url``, else ``PICKWAVE_DB_URL``, else an SQLite file ``pickwave.db`` in the working directory.

    A bare ``postgresql://`` URL is taken to mean the psycopg 3 driver.

    >>> db_url("postgresql://postgres@127.0.0.1/test")
    'postgresql+psycopg://postgres@127.0.0.1/test'
    """
    chosen = url or os.environ.get("PICKWAVE_DB_URL") or DEFAULT_URL
    if chosen.startswith(("postgresql://", "postgres://")):
        chosen = "postgresql+psycopg://" + chosen.split("://", 1)[1]
    return chosen
