"""The plan of one wave: batches with routes and picks, cartons, holds, summary.

Immutable results of :func:`engine.wave.plan_wave`, written by
:func:`engine.wave.write_plan` as the files of SPEC section 5.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.model import Hold, Method
from engine.packing.result import PackResult
from engine.wave.schedule import LabourPlan


@dataclass(frozen=True, slots=True)
class Pick:
    """One row of ``picklists.csv``: ``qty`` units of ``sku`` at ``location_id`` for one order.

    ``tote`` is the order's tote (``cluster``), sort slot (``batch``) or trip
    (``single``) number on the cart; when the order is spread over several
    batches (zones, or a cart too small for it) it reads ``"<n>/<consolidation id>"``
    so the parts meet at that consolidation slot.
    """

    stop: int
    location_id: str
    sku: str
    qty: int
    order_id: str
    tote: str


@dataclass(frozen=True, slots=True)
class Batch:
    """One picker trip: its orders, route (location ids in walking order) and picks."""

    batch_id: str
    zone: str
    orders: tuple[str, ...]
    stops: tuple[str, ...]
    picks: tuple[Pick, ...]
    distance_m: float
    proven: bool
    weight_kg: float
    volume_l: float

    @property
    def lines(self) -> int:
        return len({(p.order_id, p.sku) for p in self.picks})

    @property
    def units(self) -> int:
        return sum(p.qty for p in self.picks)


@dataclass(frozen=True, slots=True)
class Baselines:
    """The same released orders under reference policies (metres).

    ``single_optimal_m``: each order its own trip, optimal routes.
    ``first_come_sshape_m``: carts filled in arrival order, S-shape routes.
    """

    single_optimal_m: float
    first_come_sshape_m: float


@dataclass(frozen=True, slots=True)
class SearchStats:
    """How the batching search went (summed over zones)."""

    construction_m: float
    descent_m: float
    iterations: int
    route_evaluations: int
    stopped_by: str


@dataclass(frozen=True, slots=True)
class PlanSummary:
    """What ``summary.json`` says: counts, distances, baselines, savings, runtime, config."""

    wave_id: str
    method: Method
    orders_in: int
    released: int
    held_by_reason: Mapping[str, int]
    lines: int
    units: int
    batches: int
    picks: int
    split_orders: int
    distance_m: float
    proven_routes: int
    baselines: Baselines
    search: SearchStats
    runtime_s: float
    config: Mapping[str, Any]
    notes: tuple[str, ...] = ()
    consolidation: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    #: A proven lower bound on the total distance of any batching of these parts (None: none known).
    lower_bound_m: float | None = None

    @staticmethod
    def saving(plan_m: float, baseline_m: float) -> float | None:
        """Relative saving of ``plan_m`` against ``baseline_m`` (0.25 = 25 % shorter)."""
        return None if baseline_m <= 0 else 1.0 - plan_m / baseline_m

    def to_json(self) -> dict[str, Any]:
        """The JSON document of ``summary.json`` (keys in a fixed order)."""
        b = self.baselines
        return {
            "wave_id": self.wave_id,
            "method": str(self.method),
            "counts": {
                "orders_in": self.orders_in,
                "released": self.released,
                "held": sum(self.held_by_reason.values()),
                "held_by_reason": dict(sorted(self.held_by_reason.items())),
                "lines": self.lines,
                "units": self.units,
                "batches": self.batches,
                "picks": self.picks,
                "split_orders": self.split_orders,
            },
            "distance_m": round(self.distance_m, 6),
            "proven_routes": self.proven_routes,
            "baselines": {
                "single_order_optimal_m": round(b.single_optimal_m, 6),
                "first_come_sshape_m": round(b.first_come_sshape_m, 6),
            },
            "savings": {
                "vs_single_order_optimal": _round(self.saving(self.distance_m, b.single_optimal_m)),
                "vs_first_come_sshape": _round(self.saving(self.distance_m, b.first_come_sshape_m)),
            },
            "search": {
                "construction_m": round(self.search.construction_m, 6),
                "descent_m": round(self.search.descent_m, 6),
                "iterations": self.search.iterations,
                "route_evaluations": self.search.route_evaluations,
                "stopped_by": self.search.stopped_by,
            },
            "lower_bound_m": _round(self.lower_bound_m),
            "gap": None if self.lower_bound_m is None or self.lower_bound_m <= 0 else
                   round((self.distance_m - self.lower_bound_m) / self.lower_bound_m, 6),
            "runtime_s": round(self.runtime_s, 3),
            "config": dict(self.config),
            "notes": list(self.notes),
            "consolidation": {k: list(v) for k, v in self.consolidation.items()},
            "warnings": list(self.warnings),
        }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


@dataclass(frozen=True, slots=True)
class Plan:
    """A planned wave. ``cartons`` has one :class:`PackResult` per released order."""

    wave_id: str
    method: Method
    batches: tuple[Batch, ...]
    cartons: tuple[PackResult, ...]
    held: tuple[Hold, ...]
    summary: PlanSummary
    labour: LabourPlan | None = None  # SPEC section 8, with ``labour:`` only
