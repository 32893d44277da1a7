"""Packing order and human-readable packing instructions.

A unit can only go in after everything under it. Among the units that can go
next, non-fragile ones come first, heavier before lighter, lower before higher;
so heavy goods go in first and fragile units last, on top.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence

from engine.model import Sku
from engine.packing.result import PackResult, Placement

_TOL = 1e-6


def packing_order(
    placements: Sequence[Placement], fragile: Sequence[bool], weight_kg: Sequence[float]
) -> list[int]:
    """Indices of ``placements`` in the order a packer puts them in.

    A topological order of "lies below" (which the geometry makes acyclic), picking
    at each step the ready unit with key (fragile, -weight, z, y, x), by a heap.
    ``O(n^2)`` for the "below" pairs.

    >>> p = [Placement("top", 0, 0, 1, 1, 1, 1), Placement("base", 0, 0, 0, 1, 1, 1)]
    >>> packing_order(p, [False, False], [5.0, 1.0])
    [1, 0]
    """
    n = len(placements)
    boxes = [(p.x_cm, p.y_cm, p.z_cm, p.x_cm + p.dx_cm, p.y_cm + p.dy_cm, p.z_cm + p.dz_cm) for p in placements]
    # below[i]: units that must go in before unit i (as in _under, inlined: this is the hot loop)
    below: list[list[int]] = [[] for _ in range(n)]
    for i, (bx0, by0, bz0, bx1, by1, _) in enumerate(boxes):
        for j, (ax0, ay0, _, ax1, ay1, az1) in enumerate(boxes):
            if (
                j != i
                and az1 <= bz0 + _TOL
                and ax0 < bx1 - _TOL
                and bx0 < ax1 - _TOL
                and ay0 < by1 - _TOL
                and by0 < ay1 - _TOL
            ):
                below[i].append(j)
    keys = [(fragile[i], -weight_kg[i], *placements[i].lo[::-1], i) for i in range(n)]
    waiting = [len(b) for b in below]
    above: list[list[int]] = [[] for _ in range(n)]
    for i, bs in enumerate(below):
        for j in bs:
            above[j].append(i)
    ready = [keys[i] for i in range(n) if waiting[i] == 0]
    heapq.heapify(ready)
    out: list[int] = []
    done: set[int] = set()
    while len(out) < n:
        if not ready:  # cannot happen for disjoint boxes; keep every unit anyway
            ready = [keys[i] for i in range(n) if i not in done]
            heapq.heapify(ready)
        i = heapq.heappop(ready)[-1]
        if i in done:
            continue
        out.append(i)
        done.add(i)
        for k in above[i]:
            waiting[k] -= 1
            if waiting[k] == 0:
                heapq.heappush(ready, keys[k])
    return out


def packing_instructions(result: PackResult, skus: Mapping[str, Sku] | None = None) -> Iterator[str]:
    """Steps for the pack station, carton by carton, units in packing order.

    With ``skus`` the steps also say which units are fragile or must stay upright.

    >>> from engine.packing.result import Carton
    >>> r = PackResult("o1", (Carton(1, "S", (Placement("a", 0, 0, 0, 2, 1, 1),), 1.0, 2.0),), 2.0)
    >>> list(packing_instructions(r))
    ['Order o1, carton 1: take box S', '  1. a at x=0, y=0, z=0 cm, lying 2 x 1 x 1 cm']
    """
    if result.hold is not None:
        yield f"Order {result.order_id}: held ({result.hold.reason}) {result.hold.detail}".rstrip()
        return
    for c in result.cartons:
        yield f"Order {result.order_id}, carton {c.carton_no}: take box {c.box_id}"
        for k, p in enumerate(c.placements, 1):
            note = ""
            if skus is not None and p.sku in skus:
                s = skus[p.sku]
                tags = [t for t, on in (("fragile: keep padding clear", s.fragile), ("upright", s.upright)) if on]
                note = f" ({', '.join(tags)})" if tags else ""
            yield (
                f"  {k}. {p.sku} at x={p.x_cm:g}, y={p.y_cm:g}, z={p.z_cm:g} cm, "
                f"lying {p.dx_cm:g} x {p.dy_cm:g} x {p.dz_cm:g} cm{note}"
            )
