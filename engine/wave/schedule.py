"""The labour side of a plan (SPEC section 8): who picks which trip when, and each order's promise.

Immutable results, part of :class:`engine.wave.plan.Plan` when the wave has
``labour:``; rendered as ``schedule.csv``, ``promises.csv`` and the ``labour``
block of ``summary.json`` by :mod:`engine.wave.output`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.scheduling.clock import iso_utc


@dataclass(frozen=True, slots=True)
class ScheduledTrip:
    """One row of ``schedule.csv``: ``picker`` does batch ``batch_id`` as its ``seq``-th trip."""

    picker: str
    seq: int
    batch_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Promise:
    """One row of ``promises.csv``: an order's due time (``None``: none), completion and lateness."""

    order_id: str
    due: datetime | None
    completes: datetime
    late_s: float


@dataclass(frozen=True, slots=True)
class LabourBaseline:
    """A reference policy on the same released orders: its late orders and working time."""

    name: str
    trips: int
    late_orders: int
    lateness_s: float
    working_s: float


@dataclass(frozen=True, slots=True)
class LabourPlan:
    """Schedule, promises and the figures of the ``labour`` block.

    ``pickers_needed`` is the fewest pickers with which every released order of
    the wave is on time in a plan the planner found (``None`` when it found
    none: an order alone ends after its due time); ``pickers_lower_bound``: no
    plan does it with fewer (``None``: unknown, or no count does it).
    """

    start: datetime
    pickers: int
    trips: tuple[ScheduledTrip, ...]
    promises: tuple[Promise, ...]
    working_s: float
    lateness_s: float
    pickers_needed: int | None
    baselines: tuple[LabourBaseline, ...]
    held_later: int
    notes: tuple[str, ...] = ()
    pickers_lower_bound: int | None = None

    @property
    def makespan_s(self) -> float:
        return max(((t.end - self.start).total_seconds() for t in self.trips), default=0.0)

    @property
    def late_orders(self) -> int:
        return sum(p.late_s > 0 for p in self.promises)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_at": iso_utc(self.start),
            "start": iso_utc(self.start),
            "pickers": self.pickers,
            "pickers_used": len({t.picker for t in self.trips}),
            "trips": len(self.trips),
            "makespan_s": round(self.makespan_s, 6),
            "working_s": round(self.working_s, 6),
            "working_hours": round(self.working_s / 3600.0, 6),
            "orders_on_time": len(self.promises) - self.late_orders,
            "orders_late": self.late_orders,
            "total_lateness_s": round(self.lateness_s, 6),
            "pickers_needed": self.pickers_needed,
            "pickers_lower_bound": self.pickers_lower_bound,
            "held_later": self.held_later,
            "baselines": {b.name: {"trips": b.trips, "orders_late": b.late_orders,
                                   "total_lateness_s": round(b.lateness_s, 6), "working_s": round(b.working_s, 6),
                                   "working_hours": round(b.working_s / 3600.0, 6)} for b in self.baselines},
            "notes": list(self.notes),
        }
