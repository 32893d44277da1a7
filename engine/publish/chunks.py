"""A wave's batches cut into a few chunks for the renderers that run side by side.

:func:`chunk_bounds` is the split (contiguous, balanced by work);
:func:`cut_chunks` cuts a typed :class:`engine.wave.Plan` into
:class:`PlanChunk` objects, each holding what its batches' sheets and packing
lists need (whole orders, even when an order is also picked in another chunk's
batches), so a mapped task renders its chunk without the rest of the plan.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.packing.result import PackResult
from engine.wave.plan import Batch, Plan

#: A batch's fixed cost in pick rows when balancing chunks: a sheet costs about 0.5 ms per
#: batch (its walk, its map) and 0.04 ms per pick row (measured on a 10,302-batch plan).
BATCH_ROWS = 12


@dataclass(frozen=True, slots=True)
class OrderPacking:
    """What the pack station needs of one order: its cartons, its units over the wave, its batches."""

    cartons: PackResult
    picked: Mapping[str, int]
    batches: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PlanChunk:
    """Consecutive batches of one plan, with every order they serve (whole: all its batches' units)."""

    wave_id: str
    method: str
    batches: tuple[Batch, ...]
    orders: Mapping[str, OrderPacking]


def chunk_bounds(weights: Sequence[int], cap: int) -> list[tuple[int, int]]:
    """Split items, in order, into ``min(cap, len(weights))`` contiguous non-empty chunks, evenly by weight.

    The heaviest chunk is as light as any such split allows (the chunks run
    side by side, so the heaviest sets the wall time): a binary search on that
    weight, each step a greedy left-to-right fill. When fewer chunks than
    allowed suffice, the heaviest chunks of two or more items are halved until
    there are ``min(cap, len(weights))``: more instances for the workers,
    never a heavier chunk. O(n log W + c log n) for n items of total weight W
    and c chunks.

    Parameters
    ----------
    weights
        Non-negative weight of each item (here: a batch's pick rows).
    cap
        Most chunks, >= 1.

    Returns
    -------
    list of (start, stop)
        Index ranges in order, together covering ``range(len(weights))``.

    >>> chunk_bounds([9, 1, 1, 1, 1, 1], 2)
    [(0, 1), (1, 6)]
    >>> chunk_bounds([3, 1, 1], 8)
    [(0, 1), (1, 2), (2, 3)]
    """
    if cap < 1:
        raise ValueError(f"cap must be >= 1, got {cap}")
    if any(w < 0 for w in weights):
        raise ValueError("weights must be >= 0")
    n = len(weights)
    if n == 0:
        return []
    want = min(cap, n)
    prefix = list(itertools.accumulate(weights, initial=0))

    def fill(limit: int) -> list[int]:
        """Chunk starts of the greedy fill: the fewest chunks of weight <= ``limit`` (>= max weight)."""
        starts, load = [0], 0
        for i, w in enumerate(weights):
            if load + w > limit and i > starts[-1]:
                starts.append(i)
                load = 0
            load += w
        return starts

    lo, hi = max(weights), prefix[-1]
    while lo < hi:
        mid = (lo + hi) // 2
        if len(fill(mid)) <= want:
            hi = mid
        else:
            lo = mid + 1
    starts = fill(lo)
    done: list[tuple[int, int]] = []
    heap: list[tuple[int, int, int]] = []  # (-weight, start, stop): heaviest first, then leftmost
    for a, b in zip(starts, [*starts[1:], n], strict=True):
        if b - a > 1:
            heap.append((prefix[a] - prefix[b], a, b))
        else:
            done.append((a, b))
    heapq.heapify(heap)
    for _ in range(want - len(starts)):  # heap is non-empty: fewer chunks than items means one has two
        _, a, b = heapq.heappop(heap)
        half = (prefix[a] + prefix[b]) / 2
        mid = bisect.bisect_left(prefix, half, a + 1, b)
        cut = min((m for m in (mid - 1, mid) if a < m < b),
                  key=lambda m: max(prefix[m] - prefix[a], prefix[b] - prefix[m]))
        for x, y in ((a, cut), (cut, b)):
            if y - x > 1:
                heapq.heappush(heap, (prefix[x] - prefix[y], x, y))
            else:
                done.append((x, y))
    return sorted(done + [(a, b) for _, a, b in heap])


def _orders(plan: Plan) -> dict[str, OrderPacking]:
    """Every released order's cartons, units per SKU over all its batches, and those batches; O(picks)."""
    picked: dict[str, Counter[str]] = defaultdict(Counter)
    batches: dict[str, dict[str, None]] = defaultdict(dict)
    for b in plan.batches:
        for p in b.picks:
            picked[p.order_id][p.sku] += p.qty
            batches[p.order_id][b.batch_id] = None
    packs = {r.order_id: r for r in plan.cartons}
    return {oid: OrderPacking(packs.get(oid, PackResult(oid, (), 0.0)), dict(units), tuple(batches[oid]))
            for oid, units in picked.items()}


def whole_plan(plan: Plan) -> PlanChunk:
    """The plan as one chunk (what one process renders)."""
    return PlanChunk(plan.wave_id, str(plan.method), plan.batches, _orders(plan))


def cut_chunks(plan: Plan, cap: int) -> list[PlanChunk]:
    """The plan's batches, in plan order, in at most ``cap`` chunks balanced by pick rows + :data:`BATCH_ROWS`.

    Each chunk carries the orders its batches serve, whole. ``[]`` for a plan
    without batches. O(picks).
    """
    bounds = chunk_bounds([len(b.picks) + BATCH_ROWS for b in plan.batches], cap)
    orders = _orders(plan)
    out = []
    for lo, hi in bounds:
        own = plan.batches[lo:hi]
        served = dict.fromkeys(p.order_id for b in own for p in b.picks)
        out.append(PlanChunk(plan.wave_id, str(plan.method), own, {oid: orders[oid] for oid in served}))
    return out
