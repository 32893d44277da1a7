"""Packing order and human-readable packing instructions.

A unit can only go in after everything under it. Among the units that can go
next, non-fragile ones come first, heavier before lighter, lower before higher;
so heavy goods go in first and fragile units last, on top.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from engine.model import Sku
from engine.packing.result import PackResult, Placement

_TOL = 1e-6


def _under(a: Placement, b: Placement) -> bool:
    """Whether ``a`` lies (at least partly) below ``b``, so it must go in first."""
    if a.z_cm + a.dz_cm > b.z_cm + _TOL:
        return False
    ahi, bhi = a.hi, b.hi
    return a.x_cm < bhi[0] - _TOL and b.x_cm < ahi[0] - _TOL and a.y_cm < bhi[1] - _TOL and b.y_cm < ahi[1] - _TOL


def packing_order(
    placements: Sequence[Placement], fragile: Sequence[bool], weight_kg: Sequence[float]
) -> list[int]:
    """Indices of ``placements`` in the order a packer puts them in.

    A topological order of "lies below" (which the geometry makes acyclic), picking
    at each step the ready unit with key (fragile, -weight, z, y, x). ``O(n^2)``.

    >>> p = [Placement("top", 0, 0, 1, 1, 1, 1), Placement("base", 0, 0, 0, 1, 1, 1)]
    >>> packing_order(p, [False, False], [5.0, 1.0])
    [1, 0]
    """
    n = len(placements)
    below = [[j for j in range(n) if j != i and _under(placements[j], placements[i])] for i in range(n)]
    done: set[int] = set()
    out: list[int] = []
    while len(out) < n:
        ready = [i for i in range(n) if i not in done and all(j in done for j in below[i])]
        if not ready:  # cannot happen for disjoint boxes; keep every unit anyway
            ready = [i for i in range(n) if i not in done]
        i = min(ready, key=lambda i: (fragile[i], -weight_kg[i], *placements[i].lo[::-1], i))
        out.append(i)
        done.add(i)
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
