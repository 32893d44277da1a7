"""The data of a scheduling problem (immutable) and its result.

Items are what one tote carries for one order (the order itself, or its share
of a zone or cart load), numbered ``0..n-1`` in release rank. A plan groups the
items into trips, gives each trip a picker and a start, and is scored
lexicographically by (late orders, total lateness, total working time), SPEC
section 8. Times are seconds after ``labour.start``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from engine.batching import BatchingProblem
from engine.scheduling.params import LabourParams

#: Two times closer than this (seconds) are equal: the files carry microseconds, the checker 1 ms.
TIME_EPS = 1e-6


@dataclass(frozen=True, slots=True)
class SchedulingProblem:
    """Items to batch, sequence and assign to pickers.

    Attributes
    ----------
    batching
        Points, neighbourhood keys, loads and the cart of every item (capacity).
    stops
        Per item, the stop indices it visits (a stop is a location: SPEC counts
        ``stop`` numbers, and locations sharing a pick point are distinct stops).
    rows, units
        Per item, picklist rows and units (additive over a trip).
    due_s
        Per item, its order's due time in seconds after the start (``inf``: none).
    order_of
        Per item, its order's index (an order completes when its last item's trip ends).
    labour
        Pickers and time standards.
    """

    batching: BatchingProblem
    stops: tuple[frozenset[int], ...]
    rows: tuple[int, ...]
    units: tuple[int, ...]
    due_s: tuple[float, ...]
    order_of: tuple[int, ...]
    labour: LabourParams

    @classmethod
    def build(
        cls,
        batching: BatchingProblem,
        stops: Sequence[Sequence[int]],
        rows: Sequence[int],
        units: Sequence[int],
        due_s: Sequence[float],
        labour: LabourParams,
        order_of: Sequence[int] | None = None,
    ) -> SchedulingProblem:
        """Validate and freeze (one entry per item in every sequence)."""
        n = batching.n
        if not (len(stops) == len(rows) == len(units) == len(due_s) == n):
            raise ValueError("stops, rows, units and due_s need one entry per item")
        if order_of is None:
            order_of = range(n)
        if len(order_of) != n:
            raise ValueError("order_of needs one entry per item")
        if any(math.isnan(d) for d in due_s):
            raise ValueError("due_s must not be NaN (use inf for none)")
        return cls(batching, tuple(frozenset(s) for s in stops), tuple(int(r) for r in rows),
                   tuple(int(u) for u in units), tuple(float(d) for d in due_s),
                   tuple(int(o) for o in order_of), labour)

    @property
    def n(self) -> int:
        return self.batching.n

    @property
    def n_orders(self) -> int:
        return 1 + max(self.order_of, default=-1)


@dataclass(frozen=True, slots=True)
class Objective:
    """Lexicographic score: late orders, then total lateness, then total working time (s)."""

    late_orders: int
    lateness_s: float
    working_s: float

    def key(self) -> tuple[int, float, float]:
        """Comparable form, rounded to the microsecond so float noise never decides."""
        return (self.late_orders, round(self.lateness_s, 6), round(self.working_s, 6))


@dataclass(frozen=True, slots=True)
class Trip:
    """One scheduled trip: its items (sorted), picker (0-based), place in that picker's day, times."""

    items: tuple[int, ...]
    picker: int
    seq: int
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """A solved schedule.

    ``trips`` are sorted by (start, picker); ``completes_s`` per order (``nan``
    for an order with no item); ``proven`` is True when a model proved the
    objective optimal (over the trip durations the route cost gives).
    ``bound`` is the best proven lower bound on working time (``None`` unknown).
    ``alternatives`` are the start solutions the search competed (trips of item
    indices): other punctual trip sets, for :mod:`engine.scheduling.staffing`.
    """

    trips: tuple[Trip, ...]
    objective: Objective
    completes_s: tuple[float, ...]
    proven: bool
    iterations: int
    stopped_by: str
    bound: float | None = None
    alternatives: tuple[tuple[tuple[int, ...], ...], ...] = ()
