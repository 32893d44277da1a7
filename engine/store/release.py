"""What a planned wave gives back to the store, and the check that it picks exactly what was claimed.

:class:`WaveRelease` is the store's view of the typed :class:`engine.wave.Plan`
(batches, picks in walking order, cartons, holds, SPEC section 8 promises); both
roads that commit a wave (``pickwave wave run`` and the DAG's ``publish``) build it
with :meth:`WaveRelease.from_plan`, and :func:`check_release` refuses one that
does not pick exactly the claimed lines from stock on hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from engine.model import Hold, Order
from engine.packing.result import Placement

if TYPE_CHECKING:  # the store needs no planner at run time
    from engine.wave import Plan


class PlanMismatchError(ValueError):
    """A plan that does not pick exactly the claimed lines from available stock."""


# --- what a plan gives back to the store --------------------------------------------
@dataclass(frozen=True, slots=True)
class ReleasedPick:
    """Units of one order's SKU taken from one pick face on one batch (picker trip)."""

    batch_id: str
    order_id: str
    sku: str
    location_id: str
    qty: int


@dataclass(frozen=True, slots=True)
class ReleasedBatch:
    batch_id: str
    zone: str = ""
    distance_m: float | None = None


#: One unit inside a carton (a row of ``cartons.csv`` without the order and box): the packer's own placement.
PackedUnit = Placement


@dataclass(frozen=True, slots=True)
class PackedCarton:
    """A planned carton of one order.

    ``weight_kg`` is the gross weight (units plus the box's tare) a label
    prints; ``contents`` the placements, which the store keeps so pack
    reports can be checked against them. Both are optional for callers
    that only count units; when ``contents`` is given it holds ``units`` rows.
    """

    order_id: str
    carton_no: int
    box_id: str
    units: int
    weight_kg: float = 0.0
    contents: tuple[PackedUnit, ...] = ()

    def __post_init__(self) -> None:
        if self.contents and len(self.contents) != self.units:
            raise ValueError(f"carton {self.order_id}/{self.carton_no}: {len(self.contents)} placements "
                             f"for {self.units} units")


@dataclass(frozen=True, slots=True)
class WaveRelease:
    """The store's view of a plan: batches, picks (in walking order), cartons and
    the claimed orders the planner did not release, with why."""

    batches: tuple[ReleasedBatch, ...]
    picks: tuple[ReleasedPick, ...]
    cartons: tuple[PackedCarton, ...] = ()
    held: tuple[Hold, ...] = ()
    #: SPEC section 8 (plans with ``labour``): order id -> (promised completion, due time or None)
    promises: Mapping[str, tuple[datetime, datetime | None]] = field(default_factory=dict)

    @classmethod
    def from_plan(cls, plan: Plan) -> WaveRelease:
        """The store's view of an :class:`engine.wave.Plan` (picks in walking order per batch)."""
        return cls(
            batches=tuple(ReleasedBatch(b.batch_id, b.zone, b.distance_m) for b in plan.batches),
            picks=tuple(ReleasedPick(b.batch_id, p.order_id, p.sku, p.location_id, p.qty)
                        for b in plan.batches for p in b.picks),
            cartons=tuple(PackedCarton(r.order_id, c.carton_no, c.box_id, len(c.placements), c.weight_kg,
                                       c.placements)
                          for r in plan.cartons if r.packed for c in r.cartons),
            held=plan.held,
            promises={} if plan.labour is None else {p.order_id: (p.completes, p.due) for p in plan.labour.promises},
        )


def check_release(release: WaveRelease, planned: Mapping[str, Order],
                   available: Mapping[tuple[str, str], int]) -> set[str]:
    """The released order ids, after checking the plan picks exactly their lines from stock on hand."""
    picked: dict[tuple[str, str], int] = defaultdict(int)
    used: dict[tuple[str, str], int] = defaultdict(int)
    batch_ids = {b.batch_id for b in release.batches}
    for p in release.picks:
        if p.order_id not in planned:
            raise PlanMismatchError(f"the plan picks order {p.order_id!r}, which this wave did not claim")
        if p.qty <= 0:
            raise PlanMismatchError(f"the plan picks {p.qty} units of {p.sku!r} for order {p.order_id!r}")
        if p.batch_id not in batch_ids:
            raise PlanMismatchError(f"pick for order {p.order_id!r} names unknown batch {p.batch_id!r}")
        picked[(p.order_id, p.sku)] += p.qty
        used[(p.sku, p.location_id)] += p.qty
    got_by_order: dict[str, dict[str, int]] = defaultdict(dict)
    for (oid, sku), q in picked.items():
        got_by_order[oid][sku] = q
    released = set(got_by_order)
    for oid, got in got_by_order.items():
        want = planned[oid].quantities()
        if want != got:
            raise PlanMismatchError(f"order {oid!r}: the plan picks {got}, the order needs {want}")
    for (sku, loc), q in used.items():
        if q > available.get((sku, loc), 0):
            raise PlanMismatchError(f"the plan takes {q} units of {sku!r} at {loc}; {available.get((sku, loc), 0)} "
                               "are available")
    return released
