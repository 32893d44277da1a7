"""Where the DAGs find the store and write their files, resolved when a task runs."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

#: Airflow Connection holding the store's SQLAlchemy URL (extra ``sqlalchemy_url``, or the URI).
STORE_CONN_ID = "pickwave_store"
#: Environment variable overriding :data:`DEFAULT_MAP_CHUNKS`.
MAP_CHUNKS_ENV = "PICKWAVE_MAP_CHUNKS"
#: How many chunks of batches the mapped ``render_chunk`` task splits a wave into: as many
#: as may run at once (their ``max_active_tis_per_dagrun``), so no chunk waits for a free slot.
DEFAULT_MAP_CHUNKS = 8
#: Environment variable read by :func:`group_workers`.
GROUP_WORKERS_ENV = "PICKWAVE_GROUP_WORKERS"


def store_url() -> str:
    """The store URL: the ``pickwave_store`` Connection, else ``PICKWAVE_DB_URL``, else SQLite.

    The SQLite default lives under ``AIRFLOW_HOME`` (not the worker's working
    directory), so every task of every run sees the same file.
    """
    try:
        from airflow.sdk import Connection

        conn = Connection.get(STORE_CONN_ID)
        url = conn.extra_dejson.get("sqlalchemy_url") or conn.get_uri()
        if url:
            return str(url)
    except Exception as exc:  # no Airflow, or no such connection: fall back
        log.debug("no %s connection (%s); using PICKWAVE_DB_URL", STORE_CONN_ID, exc)
    return os.environ.get("PICKWAVE_DB_URL") or f"sqlite:///{_home() / 'pickwave.db'}"


def output_url(param: str | None = None) -> str:
    """Where waves are published: the DAG param, ``PICKWAVE_OUTPUT_URL``, or ``$AIRFLOW_HOME/pickwave/waves``."""
    return param or os.environ.get("PICKWAVE_OUTPUT_URL") or str(_home() / "waves")


def inbox_url(param: str | None = None) -> str:
    """Where 3PL progress reports are dropped: param, ``PICKWAVE_INBOX_URL``, or ``$AIRFLOW_HOME/pickwave/inbox``."""
    return param or os.environ.get("PICKWAVE_INBOX_URL") or str(_home() / "inbox")


def returns_url(param: str | None = None) -> str:
    """Where the 3PL's returns desk drops RMA reports: param, ``PICKWAVE_RETURNS_URL``, or ``<inbox>/returns``."""
    from engine.publish.storage import join

    return param or os.environ.get("PICKWAVE_RETURNS_URL") or join(inbox_url(), "returns")


def _positive_int(name: str, default: int, what: str) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{name} must be a positive integer ({what}), got {raw!r}")
    return n


def map_chunks() -> int:
    """Most chunks a wave's batches are split into for the mapped route/pack tasks.

    ``PICKWAVE_MAP_CHUNKS`` (a positive integer; unset or empty: :data:`DEFAULT_MAP_CHUNKS`).
    Read when the ``assemble`` task runs, not when the DAG file is parsed.

    Raises
    ------
    ValueError
        The variable is set to anything but a positive integer.
    """
    return _positive_int(MAP_CHUNKS_ENV, DEFAULT_MAP_CHUNKS, "chunks of batches per wave")


def group_workers() -> int:
    """How many mapped ``plan_group`` instances of one wave run at once: ``PICKWAVE_GROUP_WORKERS``.

    A time-limited wave (no ``max_iterations``) shares its search time among
    its groups so that this many workers running them at once finish within
    ``time_limit_s``: with 1 (the default) the groups' times add up to the
    budget, so more workers only finish sooner; set it to the workers the
    executor gives the run (say the LocalExecutor's parallelism) and each group
    searches longer in the same wall time. No effect with ``max_iterations``.

    Raises
    ------
    ValueError
        The variable is set to anything but a positive integer.
    """
    return _positive_int(GROUP_WORKERS_ENV, 1, "plan_group instances running at once")


def _home() -> Path:
    base = Path(os.environ.get("AIRFLOW_HOME") or Path.home() / "airflow") / "pickwave"
    base.mkdir(parents=True, exist_ok=True)
    return base


def scheduled_config(config: dict[str, object], interval_min: int) -> dict[str, object]:
    """The wave config a scheduled run plans with: ``labour.horizon_s`` defaults to the run interval.

    SPEC section 8's horizon is the time until the next wave run: orders that can still
    make their truck after it wait (held ``later``) and the next run re-plans them. A
    ``horizon_s`` given in the config wins; with no schedule (``interval_min`` 0) or no
    ``labour`` block the config is returned as it is.

    >>> scheduled_config({"labour": {"pickers": 3}}, 15)
    {'labour': {'pickers': 3, 'horizon_s': 900}}
    >>> scheduled_config({"labour": {"pickers": 3, "horizon_s": 60}}, 15)
    {'labour': {'pickers': 3, 'horizon_s': 60}}
    >>> scheduled_config({"method": "batch"}, 15)
    {'method': 'batch'}
    """
    labour = config.get("labour")
    if interval_min <= 0 or not isinstance(labour, dict) or labour.get("horizon_s") is not None:
        return config
    return {**config, "labour": {**labour, "horizon_s": interval_min * 60}}
