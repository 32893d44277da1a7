"""What the store hands back: immutable reports and read-only views."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from engine.errors import Problem
from engine.layout import Layout
from engine.model import Box, Hold, OrderLine, Sku, StockRecord
from engine.store.reserve import Shortfall


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The outcome of one orders import, by order id.

    ``refused`` lists changes the store would not make (e.g. new lines for an
    order already picked); ``warnings`` are the parser's row problems.
    """

    file: str
    created: tuple[str, ...]
    updated: tuple[str, ...]
    unchanged: tuple[str, ...]
    cancelled: tuple[str, ...]
    held: tuple[Hold, ...]
    refused: tuple[Problem, ...]
    warnings: tuple[Problem, ...]

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.cancelled)

    def summary(self) -> str:
        return (f"{self.file}: {len(self.created)} new, {len(self.updated)} updated, "
                f"{len(self.cancelled)} cancelled, {len(self.unchanged)} unchanged, "
                f"{len(self.held)} on hold, {len(self.refused)} refused")


@dataclass(frozen=True, slots=True)
class CatalogReport:
    """Rows added or changed per table by a catalogue import, and rows left out."""

    layout_changed: bool
    skus: int
    locations: int
    stock: int
    boxes: int
    warnings: tuple[Problem, ...]

    def summary(self) -> str:
        return (f"catalogue: layout {'replaced' if self.layout_changed else 'unchanged'}, {self.skus} SKUs, "
                f"{self.locations} locations, {self.stock} stock rows, {self.boxes} boxes changed; "
                f"{len(self.warnings)} rows left out")


@dataclass(frozen=True, slots=True)
class Move:
    """One order moved by an action."""

    order_id: str
    action: str
    from_status: str
    to_status: str


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """One row of ``pickwave orders list``."""

    order_id: str
    status: str
    payment_status: str
    channel: str
    priority: int
    created_at: datetime | None
    ship_by: datetime | None
    wave_id: str
    hold_reason: str
    hold_detail: str
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of the append-only event log."""

    id: int
    at: datetime
    order_id: str | None
    wave_id: str | None
    action: str
    from_status: str | None
    to_status: str | None
    reason: str
    actor: str


@dataclass(frozen=True, slots=True)
class Catalog:
    """The catalogue as the planner needs it; ``stock`` is on hand less open allocations
    unless asked for on hand."""

    layout: Layout
    layout_yaml: str
    skus: Mapping[str, Sku]
    stock: tuple[StockRecord, ...]
    boxes: tuple[Box, ...]


@dataclass(frozen=True, slots=True)
class WaveReport:
    """A committed wave: released orders, holds, back-orders, and whether it was new."""

    wave_id: str
    released: tuple[str, ...]
    held: tuple[Hold, ...]
    backorders: tuple[Shortfall, ...]
    picks: int
    already_committed: bool = False
