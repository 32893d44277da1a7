"""Lower bounds: whether a set of units can share one box, and what an order must cost.

Used to skip boxes that cannot work before any placement is tried, and to stop
the search once a packing meets the bound (then it is proven cheapest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.model import Box
from engine.packing.geometry import EPS, PieceType, box_dims, box_floor_cost, fits_alone, total_weight
from engine.packing.params import PackingParams

_MAX_NODES = 20_000


@dataclass(frozen=True, slots=True)
class BoxTerms:
    """What one unit of a piece type adds to the tests of :func:`may_fit_one_box` for one box.

    ``stack[h]`` is the unit's least extent along axis ``h`` plus its padding when
    it must sit on the box's central line along ``h`` (else 0), and ``pad[h]``
    its padding there (else 0). Computed once per piece type and box, so the test
    for a whole order is ``O(number of SKUs)``.
    """

    fits: bool
    weight: float
    volume: float
    stack: tuple[float, float, float]
    pad: tuple[float, float, float]


def box_terms(u: PieceType, box: Box) -> BoxTerms:
    """The :class:`BoxTerms` of one unit of ``u`` in ``box``."""
    dims = box.dims_cm
    fitting = [
        tuple(float(v) for v in body)
        for body, ext in zip(u.body.tolist(), u.extents.tolist(), strict=True)
        if all(e <= d + EPS for e, d in zip(ext, dims, strict=True))
    ]
    volume = u.volume_cm3 if u.fragile else u.padded_volume_cm3
    stack = [0.0, 0.0, 0.0]
    pad = [0.0, 0.0, 0.0]
    for h in range(3):
        a, b = (k for k in range(3) if k != h)
        if fitting and all(
            o[a] + 1.5 * u.pad > dims[a] / 2 + EPS and o[b] + 1.5 * u.pad > dims[b] / 2 + EPS for o in fitting
        ):
            stack[h] = min(o[h] for o in fitting) + u.pad
            pad[h] = u.pad
    return BoxTerms(bool(fitting), u.weight_kg, volume, (stack[0], stack[1], stack[2]), (pad[0], pad[1], pad[2]))


def may_fit_terms(terms: Iterable[tuple[BoxTerms, int]], box: Box) -> bool:
    """:func:`may_fit_one_box` from ``(terms, count)`` per piece type."""
    weight = volume = 0.0
    stack = [0.0, 0.0, 0.0]
    pad = [0.0, 0.0, 0.0]
    for t, n in terms:
        if not t.fits:
            return False
        weight += n * t.weight
        volume += n * t.volume
        for h in range(3):
            stack[h] += n * t.stack[h]
            pad[h] = max(pad[h], t.pad[h])
    if weight > box.payload_kg + EPS or volume > box.length_cm * box.width_cm * box.height_cm + EPS:
        return False
    return all(stack[h] + pad[h] <= d + EPS for h, d in enumerate(box.dims_cm))


def may_fit_one_box(units: Sequence[PieceType], box: Box) -> bool:
    """Necessary conditions for all ``units`` to share ``box``.

    Weight, padded volume (each unit's padding is its own, except between two
    fragile units, so the bound uses bodies for fragile ones), every unit fitting
    alone, and a *stack* bound: units that in every orientation fitting the box
    are longer than half the box on two axes all contain the box's central line
    along the third axis, so they are stacked along it and their least extents
    there must add up to at most the box. A fragile unit counts as its body plus
    1.5 paddings for "longer than half" and its body plus one padding in the
    stack, plus one padding for the whole stack (the gaps a row of fragile
    bodies needs when neighbouring paddings may overlap). ``O(n)`` per box.

    >>> from engine.model import Sku
    >>> from engine.packing.geometry import piece_type
    >>> sheet = piece_type(Sku("a4", 29.7, 21, 1, 0.2), PackingParams())
    >>> tray = Box("T", 30, 22, 4, 5, 1.0)
    >>> may_fit_one_box([sheet] * 4, tray), may_fit_one_box([sheet] * 5, tray)
    (True, False)
    """
    counts: dict[int, tuple[PieceType, int]] = {}
    for u in units:
        t, n = counts.get(id(u), (u, 0))
        counts[id(u)] = (t, n + 1)
    return may_fit_terms(((box_terms(t, box), n) for t, n in counts.values()), box)


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


def order_cost_bound(
    units: Sequence[PieceType],
    boxes: Sequence[Box],
    params: PackingParams,
    fits: Callable[[str], Sequence[bool]] | None = None,
    one_box: bool | None = None,
) -> float:
    """A lower bound on the total cost of packing ``units`` into any boxes.

    The larger of: the dearest unit's cheapest box; the covering bound on body
    volume and weight over the boxes that can hold at least one of the units;
    when no box passes :func:`may_fit_one_box` for all units, two cartons of the
    cheapest usable box. With a carrier charge, content weight is billed at
    least once as well.
    ``fits`` optionally gives, for a SKU, :func:`~engine.packing.geometry.fits_alone`
    for each box, and ``one_box`` whether some box passes :func:`may_fit_one_box`
    (caches: the bound is the same without them).
    """
    kinds = list(dict.fromkeys(units))
    fit = {u.sku: fits(u.sku) if fits is not None else [fits_alone(u, b) for b in boxes] for u in kinds}
    usable = [b for k, b in enumerate(boxes) if any(fit[u.sku][k] for u in kinds)]
    if not usable:
        return math.inf
    unit_lb = max(min(box_floor_cost(b, params) for k, b in enumerate(boxes) if fit[u.sku][k]) for u in kinds)
    volume = sum(u.volume_cm3 for u in units)
    weight = total_weight(units)
    triples = [(box_floor_cost(b, params), float(np.prod(box_dims(b))), b.payload_kg) for b in usable]
    lb = cover_bound(volume, weight, triples)
    if params.rate_per_kg > 0:
        handling = params.per_carton_cost
        plain = [
            (b.cost + handling + params.rate_per_kg * b.tare_kg, b.length_cm * b.width_cm * b.height_cm, b.payload_kg)
            for b in usable
        ]
        lb = max(lb, cover_bound(volume, weight, plain) + params.rate_per_kg * weight)
    if one_box is None:
        one_box = any(may_fit_one_box(units, b) for b in usable)
    if not one_box:
        lb = max(lb, 2 * min(box_floor_cost(b, params) for b in usable))
    return max(unit_lb, lb)
