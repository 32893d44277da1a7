"""Cartonization: choose boxes for an order and place every unit, at least cost.

The search, per order:

1. Every unit must fit some box on its own, else the order is held
   (``no_box_fits``). Otherwise it is always packed: at worst one unit per box.
2. One box: boxes in increasing carton cost; a box is tried only if the lower
   bounds of :func:`~engine.packing.bounds.may_fit_one_box` allow it; the first
   that the extreme-point heuristic fills (several strategies), or failing that
   the exact CP-SAT search on small unit sets, is the cheapest single box found.
3. If that carton costs more than the order's lower bound, several boxes:
   cartons are filled one by one with the box of least cost per packed volume
   (or the cheapest box that takes everything left, when that is no dearer
   than the fill plus a bound on the rest), then each carton is moved to a
   cheaper box where possible and pairs of cartons are merged where one box
   holds both for no more money. The cheaper of steps 2 and 3 wins, fewer
   cartons on a tie.

The result is proven cheapest when its cost equals the lower bound; otherwise it
is the best found. Everything is deterministic for the same inputs and seed.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from engine.model import Box, Hold, HoldReason, Sku
from engine.packing.bounds import may_fit_one_box, order_cost_bound
from engine.packing.exact import Status, exact_place
from engine.packing.extreme_points import STRATEGIES, Placed, place
from engine.packing.geometry import (
    PieceType,
    box_dims,
    box_floor_cost,
    carton_cost,
    expand_units,
    fits_alone,
    piece_type,
    total_weight,
)
from engine.packing.instructions import packing_order
from engine.packing.params import PackingParams
from engine.packing.result import Carton, PackResult, Placement

log = logging.getLogger(__name__)

_COST_TOL = 1e-9
#: strategies tried when filling a carton with part of an order
_FILL_STRATEGIES = STRATEGIES[:2]
#: pairs of cartons tried for a merge, per improvement round
_MAX_MERGE_TRIES = 200


@dataclass(frozen=True, slots=True)
class _Group:
    """A carton under construction: box index, global unit indices, placements."""

    box: int
    units: tuple[int, ...]
    placed: tuple[Placed, ...]  # Placed.unit is a global unit index
    cost: float


class _Search:
    """Box selection for one order's units (mutable: the exact-search budget)."""

    def __init__(self, units: Sequence[PieceType], boxes: Sequence[Box], params: PackingParams) -> None:
        self.units = units
        self.boxes = boxes
        self.params = params
        self.dims = [box_dims(b) for b in boxes]
        self.volume = [float(np.prod(d)) for d in self.dims]
        self.budget = params.time_limit_per_order_s
        self.attempts = 0

    def cost(self, b: int, idx: Sequence[int]) -> float:
        return carton_cost(self.boxes[b], total_weight([self.units[i] for i in idx]), self.params)

    def _group(self, b: int, idx: tuple[int, ...], placed: Sequence[Placed]) -> _Group:
        glob = tuple(Placed(idx[p.unit], p.lo, p.orient) for p in placed)
        return _Group(b, tuple(sorted(idx)), glob, self.cost(b, idx))

    def single(self, idx: tuple[int, ...], below: float = math.inf) -> _Group | None:
        """Cheapest box found that holds all of ``idx`` and costs less than ``below``."""
        us = [self.units[i] for i in idx]
        order = sorted(range(len(self.boxes)), key=lambda b: (self.cost(b, idx), self.volume[b], b))
        for b in order:
            if self.cost(b, idx) >= below - _COST_TOL:
                break
            box = self.boxes[b]
            if not may_fit_one_box(us, box):
                continue
            for strategy in STRATEGIES:
                self.attempts += 1
                res = place(us, self.dims[b], box.payload_kg, strategy)
                if res is not None:
                    return self._group(b, idx, res)
            if len(us) <= self.params.exact_max_units and self.budget > 0:
                status, res, used = exact_place(
                    us, self.dims[b], time_limit_s=self.budget, seed=self.params.seed
                )
                self.budget -= used
                if status is Status.FEASIBLE and res is not None:
                    return self._group(b, idx, res)
        return None

    def fill(self, idx: Sequence[int]) -> _Group:
        """The carton packing part of ``idx`` at least cost per packed volume."""
        us = [self.units[i] for i in idx]
        best: tuple[tuple[float, ...], _Group] | None = None
        for b, box in enumerate(self.boxes):
            if not any(fits_alone(u, box) for u in dict.fromkeys(us)):
                continue
            for s, strategy in enumerate(_FILL_STRATEGIES):
                self.attempts += 1
                res = place(us, self.dims[b], box.payload_kg, strategy, fill=True)
                if not res:
                    continue
                packed = tuple(idx[p.unit] for p in res)
                vol = sum(self.units[i].volume_cm3 for i in packed)
                c = self.cost(b, packed)
                key = (c / max(vol, 1e-12), -vol, b, s)
                if best is None or key < best[0]:
                    g = _Group(b, tuple(sorted(packed)), tuple(Placed(idx[p.unit], p.lo, p.orient) for p in res), c)
                    best = (key, g)
        # every unit fits some box alone, so an empty box always takes one
        assert best is not None
        return best[1]

    def multi(self, idx: tuple[int, ...]) -> list[_Group]:
        """Several cartons holding all of ``idx``: greedy fill, then improvement."""
        remaining = list(idx)
        groups: list[_Group] = []
        while remaining:
            f = self.fill(remaining)
            taken = set(f.units)
            rest = [i for i in remaining if i not in taken]
            if rest:
                bound = f.cost + order_cost_bound([self.units[i] for i in rest], self.boxes, self.params)
                fin = self.single(tuple(remaining), below=bound + 2 * _COST_TOL)
                if fin is not None:
                    groups.append(fin)
                    break
            groups.append(f)
            remaining = rest
        return self.improve(groups)

    def improve(self, groups: list[_Group]) -> list[_Group]:
        """Move cartons to cheaper boxes and merge pairs that share a box for no more."""
        for _ in range(len(groups) + 1):
            changed = False
            for k, g in enumerate(groups):
                s = self.single(g.units, below=g.cost)
                if s is not None:
                    groups[k] = s
                    changed = True
            tries = 0
            merged = True
            while merged and len(groups) > 1:
                merged = False
                for a in range(len(groups)):
                    for b in range(a + 1, len(groups)):
                        tries += 1
                        if tries > _MAX_MERGE_TRIES:
                            break
                        ga, gb = groups[a], groups[b]
                        s = self.single(ga.units + gb.units, below=ga.cost + gb.cost + 2 * _COST_TOL)
                        if s is not None:
                            groups[a] = s
                            del groups[b]
                            merged = changed = True
                            break
                    if merged or tries > _MAX_MERGE_TRIES:
                        break
            if not changed:
                break
        return groups


def _carton(no: int, g: _Group, units: Sequence[PieceType], box: Box, params: PackingParams) -> Carton:
    placements = []
    for p in g.placed:
        u = units[p.unit]
        d = u.body[p.orient]
        placements.append(
            Placement(u.sku, p.lo[0] + u.pad, p.lo[1] + u.pad, p.lo[2] + u.pad, float(d[0]), float(d[1]), float(d[2]))
        )
    fragile = [units[p.unit].fragile for p in g.placed]
    weights = [units[p.unit].weight_kg for p in g.placed]
    ordered = tuple(placements[i] for i in packing_order(placements, fragile, weights))
    contents = total_weight([units[p.unit] for p in g.placed])
    return Carton(no, box.box_id, ordered, box.tare_kg + contents, carton_cost(box, contents, params))


def solve(
    order_id: str,
    quantities: Mapping[str, int],
    skus: Mapping[str, Sku],
    boxes: Sequence[Box],
    params: PackingParams | None = None,
) -> PackResult:
    """Pack one order into boxes at least cost.

    Parameters
    ----------
    order_id
        Carried into the result.
    quantities
        Units per SKU; zero quantities are ignored.
    skus
        The catalogue; a SKU of the order missing here raises ``KeyError``
        (callers hold such orders as ``unknown_sku`` before packing).
    boxes
        Boxes to choose from (inner dimensions).
    params
        :class:`PackingParams`; defaults when ``None``.

    Returns
    -------
    PackResult
        Cartons numbered from 1 with placements in packing order, or a hold
        ``no_box_fits`` naming every SKU that fits no box on its own.

    Examples
    --------
    >>> skus = {"mug": Sku("mug", 10, 10, 12, 0.4, fragile=True, upright=True)}
    >>> boxes = [Box("S", 12, 12, 14, 5, 1.0), Box("M", 20, 20, 20, 10, 2.0)]
    >>> r = solve("o1", {"mug": 1}, skus, boxes)
    >>> [c.box_id for c in r.cartons], r.cost
    (['M'], 2.0)
    >>> solve("o2", {"mug": 1}, skus, boxes[:1]).hold.reason
    <HoldReason.NO_BOX_FITS: 'no_box_fits'>
    """
    params = params if params is not None else PackingParams()
    boxes = tuple(boxes)
    qty = {s: int(q) for s, q in quantities.items() if q}
    types = {s: piece_type(skus[s], params) for s in sorted(qty)}
    no_fit = [s for s, t in types.items() if not any(fits_alone(t, b) for b in boxes)]
    if no_fit:
        detail = "; ".join(
            f"{s} ({skus[s].length_cm:g} x {skus[s].width_cm:g} x {skus[s].height_cm:g} cm, "
            f"{skus[s].weight_kg:g} kg) fits no box" for s in no_fit
        )
        return PackResult(order_id, (), 0.0, Hold(order_id, HoldReason.NO_BOX_FITS, detail))
    units = expand_units(qty, types)
    if not units:
        return PackResult(order_id, (), 0.0, None)
    search = _Search(units, boxes, params)
    everything = tuple(range(len(units)))
    lower = order_cost_bound(units, boxes, params)
    single = search.single(everything)
    groups: list[_Group]
    # several cartons cost at least twice the cheapest box that can hold a unit
    floor = min(box_floor_cost(b, params) for b in boxes if any(fits_alone(t, b) for t in types.values()))
    multi_lower = max(lower, 2 * floor)
    if single is not None and single.cost <= multi_lower + _COST_TOL:
        groups = [single]
    else:
        multi = search.multi(everything)
        multi_cost = sum(g.cost for g in multi)
        groups = [single] if single is not None and single.cost <= multi_cost + _COST_TOL else multi
    cartons = tuple(_carton(k, g, units, boxes[g.box], params) for k, g in enumerate(groups, 1))
    log.debug("order %s: %d cartons after %d placement attempts", order_id, len(cartons), search.attempts)
    return PackResult(order_id, cartons, sum(c.cost for c in cartons), None)


# --- many orders -----------------------------------------------------------------------
_WORKER: tuple[Mapping[str, Sku], tuple[Box, ...], PackingParams] | None = None


def _init_worker(skus: Mapping[str, Sku], boxes: tuple[Box, ...], params: PackingParams) -> None:
    global _WORKER
    _WORKER = (skus, boxes, params)


def _solve_in_worker(order: tuple[str, Mapping[str, int]]) -> PackResult:
    assert _WORKER is not None
    skus, boxes, params = _WORKER
    return solve(order[0], order[1], skus, boxes, params)


def pack_orders(
    orders: Sequence[tuple[str, Mapping[str, int]]],
    skus: Mapping[str, Sku],
    boxes: Sequence[Box],
    params: PackingParams | None = None,
    workers: int = 1,
) -> list[PackResult]:
    """Pack many orders; results in input order.

    ``workers > 1`` spreads orders over a process pool; since :func:`solve` is
    deterministic, the output is the same as with one worker.
    """
    params = params if params is not None else PackingParams()
    boxes = tuple(boxes)
    if workers <= 1 or len(orders) < 2:
        return [solve(oid, q, skus, boxes, params) for oid, q in orders]
    chunk = max(1, min(64, len(orders) // (workers * 8)))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(skus, boxes, params)) as pool:
        return list(pool.map(_solve_in_worker, [(oid, dict(q)) for oid, q in orders], chunksize=chunk))
