"""Lower bounds: whether a set of units can share one box, and what an order must cost.

Used to skip boxes that cannot work before any placement is tried, and to stop
the search once a packing meets the bound (then it is proven cheapest).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from engine.model import Box
from engine.packing.geometry import EPS, PieceType, box_dims, box_floor_cost, fits_alone, total_weight
from engine.packing.params import PackingParams

_MAX_NODES = 20_000


def may_fit_one_box(units: Sequence[PieceType], box: Box) -> bool:
    """Necessary conditions for all ``units`` to share ``box``.

    Weight, padded volume (each unit's padding is its own, except between two
    fragile units, so the bound uses bodies for fragile ones), every unit fitting
    alone, and a *stack* bound: units that in every orientation fitting the box
    are longer than half the box on two axes cannot stand side by side across
    them, so their least extents along the third axis must add up to at most the
    box there. ``O(n)`` per box.
    """
    if total_weight(units) > box.payload_kg + EPS:
        return False
    dims = box_dims(box)
    vol = sum(u.volume_cm3 if u.fragile else u.padded_volume_cm3 for u in units)
    if vol > float(np.prod(dims)) + EPS:
        return False
    stack = np.zeros(3)
    for u in dict.fromkeys(units):
        ok = np.all(u.extents <= dims + EPS, axis=1)
        if not ok.any():
            return False
        ext = u.extents[ok]
        n = sum(1 for v in units if v is u)
        for h in range(3):
            a, b = (k for k in range(3) if k != h)
            if np.all((ext[:, a] > dims[a] / 2 + EPS) & (ext[:, b] > dims[b] / 2 + EPS)):
                stack[h] += n * float(ext[:, h].min())
    return bool(np.all(stack <= dims + EPS))


def cover_bound(volume: float, weight: float, boxes: Sequence[tuple[float, float, float]]) -> float:
    """Least cost of box multiset whose volumes and payloads cover the given totals.

    ``boxes`` are ``(cost, volume, payload)``; an integer covering problem solved by
    depth-first search with a fractional bound, falling back to that fractional
    (LP-relaxation-type) bound past a node budget, so the result is always a valid
    lower bound.

    >>> cover_bound(10, 1, [(3.0, 6.0, 5.0), (5.0, 12.0, 5.0)])
    5.0
    >>> cover_bound(10, 9, [(3.0, 6.0, 5.0), (5.0, 12.0, 5.0)])
    6.0
    """
    items = [b for b in boxes if b[1] > 0 or b[2] > 0]
    if volume <= EPS and weight <= EPS:
        return 0.0
    if not items:
        return math.inf

    def frac(v: float, w: float, start: int) -> float:
        rest = items[start:]
        bv = max(v, 0.0) * min((c / vol if vol > 0 else math.inf) for c, vol, _ in rest)
        bw = max(w, 0.0) * min((c / p if p > 0 else math.inf) for c, _, p in rest)
        return max(bv, bw)

    items.sort(key=lambda b: (b[0] / max(b[1], EPS), b[0]))
    root = frac(volume, weight, 0)
    best = math.inf
    nodes = 0

    def dfs(i: int, v: float, w: float, cost: float) -> None:
        nonlocal best, nodes
        nodes += 1
        if v <= EPS and w <= EPS:
            best = min(best, cost)
            return
        if i == len(items) or nodes > _MAX_NODES or cost + frac(v, w, i) >= best - EPS:
            return
        c, bv, bp = items[i]
        need = max(v / bv if bv > 0 else 0.0, w / bp if bp > 0 else 0.0)
        top = math.ceil(need - 1e-12) if math.isfinite(need) else 0
        for n in range(top, -1, -1):
            dfs(i + 1, v - n * bv, w - n * bp, cost + n * c)

    dfs(0, volume, weight, 0.0)
    if nodes > _MAX_NODES or not math.isfinite(best):
        return root
    return best


def order_cost_bound(units: Sequence[PieceType], boxes: Sequence[Box], params: PackingParams) -> float:
    """A lower bound on the total cost of packing ``units`` into any boxes.

    The larger of: the dearest unit's cheapest box; the covering bound on body
    volume and weight over the boxes that can hold at least one of the units.
    With a carrier charge, content weight is billed at least once as well.
    """
    usable = [b for b in boxes if any(fits_alone(u, b) for u in dict.fromkeys(units))]
    if not usable:
        return math.inf
    unit_lb = max(min(box_floor_cost(b, params) for b in usable if fits_alone(u, b)) for u in dict.fromkeys(units))
    volume = sum(u.volume_cm3 for u in units)
    weight = total_weight(units)
    triples = [(box_floor_cost(b, params), float(np.prod(box_dims(b))), b.payload_kg) for b in usable]
    lb = cover_bound(volume, weight, triples)
    if params.rate_per_kg > 0:
        plain = [(b.cost + params.rate_per_kg * b.tare_kg, float(np.prod(box_dims(b))), b.payload_kg) for b in usable]
        lb = max(lb, cover_bound(volume, weight, plain) + params.rate_per_kg * weight)
    return max(unit_lb, lb)
