"""The store a DAG task works on, opened once per worker process."""

from __future__ import annotations

import functools

from engine.store import Store, open_store


@functools.cache
def store_for(url: str) -> Store:
    """The store at ``url``, migrated to head; cached per process.

    An Airflow worker running many mapped tasks opens the store once.
    """
    return open_store(url)
