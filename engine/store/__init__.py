"""The order store: SQLAlchemy models, Alembic migrations, intake, lifecycle, waves.

Entry point :func:`open_store`; see :class:`Store` for what it offers.
"""

from engine.store.intake import CatalogInput, cancellations
from engine.store.lifecycle import Action, IllegalMoveError, OrderStatus
from engine.store.release import (
    PackedCarton,
    PackedUnit,
    PlanMismatchError,
    ReleasedBatch,
    ReleasedPick,
    WaveRelease,
)
from engine.store.reports import Catalog, CatalogReport, Event, ImportReport, Move, OrderSummary, WaveReport
from engine.store.reserve import ShortStockPolicy
from engine.store.store import ActionRefusedError, Store, open_store
from engine.store.waves import UnpublishedWave, WaveClaim

__all__ = [
    "Action",
    "ActionRefusedError",
    "Catalog",
    "CatalogInput",
    "CatalogReport",
    "Event",
    "IllegalMoveError",
    "ImportReport",
    "Move",
    "OrderStatus",
    "OrderSummary",
    "PackedCarton",
    "PackedUnit",
    "PlanMismatchError",
    "ReleasedBatch",
    "ReleasedPick",
    "ShortStockPolicy",
    "Store",
    "UnpublishedWave",
    "WaveClaim",
    "WaveRelease",
    "WaveReport",
    "cancellations",
    "open_store",
]
