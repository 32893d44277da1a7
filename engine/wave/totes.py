"""Totes with limits of their own (``cart.tote``, SPEC sections 4 and 8): which unit goes where.

Under ``cluster`` with ``cart.tote`` an order fills as many totes as its units
need, one order per tote. The rule (documented in the README):

- an order's units are put into totes by *first fit*, SKU by SKU in SKU-id
  order (faces in location-id order within a SKU), each unit into the first of
  the order's totes that still has room for its weight and volume, a new tote
  when none has; a unit is never split;
- a tote's room is its own limit, capped by the cart's (a tote cannot carry
  more than the cart it rides on);
- the order's totes are then cut, in tote order, into parts that fit one trip
  (at most ``cart.totes`` totes and the cart's weight and volume); each part is
  one batching item that weighs its tote count against ``cart.totes``.

What a tote holds is kept as SKU quantities, so that re-choosing faces later
(same SKU, another location) leaves every tote's contents as planned;
:func:`tote_rows` gives each picklist row its tote, splitting a row whose units
go into two totes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from engine.model import CartSpec, Sku, ToteSpec
from engine.wave.allocation import Take

#: SKU quantities of one tote, in SKU order.
ToteLoad = tuple[tuple[str, int], ...]


def _room(limit: float | None, used: float, each: float) -> float:
    if limit is None or each <= 0:
        return math.inf
    return (limit - used) / each


def fill_totes(takes: Sequence[Take], skus: Mapping[str, Sku], tote: ToteSpec, cart: CartSpec) -> list[list[Take]]:
    """First fit of the units of ``takes`` (one order) into totes; the takes of each tote.

    A take is split where its units go into several totes. Raises ``ValueError``
    when one unit fits no empty tote (release holds such orders first).
    O(takes * totes).

    Examples
    --------
    >>> from engine.model import Sku
    >>> skus = {"A": Sku("A", 10, 10, 10, 1.0), "B": Sku("B", 10, 10, 20, 2.0)}
    >>> loads = fill_totes([Take("o", "B", "L2", 3), Take("o", "A", "L1", 5)], skus,
    ...                    ToteSpec(max_volume_l=6.0), CartSpec())
    >>> [[(t.sku, t.qty) for t in load] for load in loads]
    [[('A', 5)], [('B', 3)]]
    """
    cap_w = min(x for x in (tote.max_weight_kg, cart.max_weight_kg) if x is not None)
    cap_v = min(x for x in (tote.max_volume_l, cart.max_volume_l) if x is not None)
    loads: list[list[Take]] = []
    used: list[list[float]] = []
    for t in sorted(takes, key=lambda t: (t.sku, t.location_id)):
        s = skus[t.sku]
        if s.weight_kg > cap_w + 1e-9 or s.volume_l > cap_v + 1e-9:
            raise ValueError(f"one unit of {t.sku!r} does not fit an empty tote")
        left = t.qty
        k = 0
        while left:
            if k == len(loads):
                loads.append([])
                used.append([0.0, 0.0])
            w, v = used[k]
            fit = min(left, int(min(_room(cap_w, w, s.weight_kg), _room(cap_v, v, s.volume_l)) + 1e-9))
            if fit > 0:
                loads[k].append(Take(t.order_id, t.sku, t.location_id, fit))
                used[k][0] += fit * s.weight_kg
                used[k][1] += fit * s.volume_l
                left -= fit
            k += 1
    return loads


def trip_groups(loads: Sequence[Sequence[Take]], skus: Mapping[str, Sku], cart: CartSpec) -> list[list[int]]:
    """The order's totes (indices into ``loads``) cut in order into groups that fit one trip.

    >>> from engine.model import Sku
    >>> skus = {"A": Sku("A", 10, 10, 10, 1.0)}
    >>> trip_groups([[Take("o", "A", "L", 4)]] * 5, skus, CartSpec(totes=2))
    [[0, 1], [2, 3], [4]]
    """
    groups: list[list[int]] = []
    w = v = 0.0
    for k, load in enumerate(loads):
        lw = sum(t.qty * skus[t.sku].weight_kg for t in load)
        lv = sum(t.qty * skus[t.sku].volume_l for t in load)
        if (not groups or len(groups[-1]) >= cart.totes or w + lw > cart.max_weight_kg + 1e-9
                or v + lv > cart.max_volume_l + 1e-9):
            groups.append([])
            w = v = 0.0
        groups[-1].append(k)
        w += lw
        v += lv
    return groups


def load_of(takes: Sequence[Take]) -> ToteLoad:
    """SKU quantities of one tote's takes, in SKU order."""
    qty: dict[str, int] = {}
    for t in takes:
        qty[t.sku] = qty.get(t.sku, 0) + t.qty
    return tuple(sorted(qty.items()))


def tote_rows(takes: Sequence[Take], totes: Sequence[ToteLoad]) -> list[tuple[str, str, int, int]]:
    """``(location_id, sku, qty, tote index)`` rows: the part's takes dealt into its totes.

    Each tote draws its units of a SKU from that SKU's takes in location order,
    so a row whose units go into two totes becomes two rows. Raises
    ``ValueError`` when the takes do not hold exactly the totes' units.

    >>> tote_rows([Take("o", "A", "L1", 3), Take("o", "A", "L2", 2)], [(("A", 4),), (("A", 1),)])
    [('L1', 'A', 3, 0), ('L2', 'A', 1, 0), ('L2', 'A', 1, 1)]
    """
    pool: dict[str, list[list[object]]] = {}
    for t in sorted(takes, key=lambda t: (t.sku, t.location_id)):
        pool.setdefault(t.sku, []).append([t.location_id, t.qty])
    out: dict[tuple[str, str, int], int] = {}
    for k, load in enumerate(totes):
        for sku, qty in load:
            need = qty
            faces = pool.get(sku, [])
            while need:
                if not faces:
                    raise ValueError(f"tote {k + 1} needs {need} more units of {sku!r} than the part holds")
                loc, left = faces[0]
                take = min(need, int(left))  # type: ignore[call-overload]
                out[(str(loc), sku, k)] = out.get((str(loc), sku, k), 0) + take
                need -= take
                if take == left:
                    faces.pop(0)
                else:
                    faces[0][1] = int(left) - take  # type: ignore[call-overload]
    if any(faces for faces in pool.values()):
        raise ValueError("the part holds units no tote carries")
    return [(loc, sku, q, k) for (loc, sku, k), q in out.items()]
