"""Store operations the DAGs need beyond the store's own API, on its models and sessions.

Opening a store (migrated to the newest revision, which holds the
fulfilment tables too) and the planned-units view the 3PL intake checks reports against. Status changes go
through the store (:meth:`engine.store.Store.apply`).
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.store import Store, open_store
from engine.store.schema import OrderRow, PickRow

log = logging.getLogger(__name__)


@functools.cache
def store_for(url: str) -> Store:
    """The store at ``url``, migrated to head; cached per process.

    An Airflow worker running many mapped tasks opens the store once.
    """
    return open_store(url)


def write_session(store: Store) -> Session:
    """A session that takes SQLite's write lock at BEGIN (no-op on PostgreSQL)."""
    return Session(store.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)


def now() -> datetime:
    return datetime.now(UTC)


def planned_units(session: Session, order_ids: set[str] | None = None) -> dict[str, dict[str, int]]:
    """Order id → SKU → units planned in committed waves (the ``picks`` table)."""
    q = select(PickRow.order_id, PickRow.sku, PickRow.qty)
    if order_ids is not None:
        q = q.where(PickRow.order_id.in_(sorted(order_ids)))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for oid, sku, qty in session.execute(q):
        out[oid][sku] = out[oid].get(sku, 0) + qty
    return dict(out)


def lock_order(session: Session, order_id: str) -> OrderRow | None:
    """The order row, locked for update (PostgreSQL) until the transaction ends."""
    return session.scalars(select(OrderRow).where(OrderRow.order_id == order_id).with_for_update()).first()
