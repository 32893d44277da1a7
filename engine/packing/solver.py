"""Cartonization: choose boxes for an order and place every unit, at least cost.

The search, per order:

1. Every unit must fit some box on its own, else the order is held
   (``no_box_fits``). Otherwise it is always packed: at worst one unit per box.
2. One box: boxes in increasing carton cost; a box is tried only if the lower
   bounds allow it (:func:`~engine.packing.bounds.may_fit_one_box`, and every
   two units fitting it together). One or two units are then decided exactly
   in closed form; more units go to the extreme-point heuristic (several
   strategies) and, failing that, to the exact CP-SAT search on small unit sets.
   The first box that works is the cheapest single box found (proven cheapest
   for one or two units).
3. If that carton costs more than any several-carton answer could (at least
   the dearest unit's cheapest box plus the cheapest box, and the covering
   bound of :func:`~engine.packing.bounds.order_cost_bound`), several boxes:
   cartons are filled one by one with the box of least cost per packed volume
   (or the cheapest box that takes everything left, when that is no dearer
   than the fill plus a bound on the rest), then each carton is moved to a
   cheaper box where possible and pairs of cartons are merged where one box
   holds both for no more money. The cheaper of steps 2 and 3 wins, fewer
   cartons on a tie.

The result is proven cheapest when its cost equals the lower bound; otherwise it
is the best found. Everything is deterministic for the same inputs and seed: the
exact search runs on CP-SAT's deterministic time, never on the clock (unless
``PackingParams.wall_clock_cap_s`` is set). :func:`pack_orders` packs each
distinct order content once and shares per-SKU caches across orders.
"""
from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from engine.lifetime import die_with_parent
from engine.model import Box, Hold, HoldReason, Sku
from engine.packing import blocks
from engine.packing.bounds import BoxTerms, box_terms, may_fit_terms, order_cost_bound
from engine.packing.exact import Status, exact_place
from engine.packing.extreme_points import STRATEGIES, Placed, place, place_one, place_pair
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
#: strategies tried when filling a carton with part of an order (bottom-left, and grid-oriented stacks)
_FILL_STRATEGIES = (STRATEGIES[0], STRATEGIES[-1])
#: strategies tried on the sub-problems of several-carton answers
_QUICK = STRATEGIES[:3]
#: pairs of cartons tried for a merge, per improvement round
_MAX_MERGE_TRIES = 200
#: the pairwise fit test is skipped for orders of more SKUs (quadratic)
_MAX_PAIR_TEST_SKUS = 12


@dataclass(frozen=True, slots=True)
class _Group:
    """A carton under construction: box index, global unit indices, placements."""

    box: int
    units: tuple[int, ...]
    placed: tuple[Placed, ...]  # Placed.unit is a global unit index
    cost: float


class _Catalog:
    """Boxes and per-SKU piece types shared by all orders of one call (caches only).

    Piece types are built once per SKU, so equal SKUs are the same object in
    every order (the exact search's symmetry breaking relies on that).
    """

    def __init__(self, skus: Mapping[str, Sku], boxes: Sequence[Box], params: PackingParams) -> None:
        self.skus = skus
        self.boxes = tuple(boxes)
        self.params = params
        self.dims = [box_dims(b) for b in self.boxes]
        self.volume = [float(np.prod(d)) for d in self.dims]
        self._types: dict[str, PieceType] = {}
        self._fits: dict[str, tuple[bool, ...]] = {}
        self._terms: dict[str, tuple[BoxTerms, ...]] = {}
        self._pairs: dict[tuple[str, str, int], bool] = {}

    def piece(self, sku: str) -> PieceType:
        t = self._types.get(sku)
        if t is None:
            t = self._types[sku] = piece_type(self.skus[sku], self.params)
        return t

    def fits(self, sku: str) -> tuple[bool, ...]:
        """Per box, whether one unit of ``sku`` fits it alone."""
        f = self._fits.get(sku)
        if f is None:
            t = self.piece(sku)
            f = self._fits[sku] = tuple(fits_alone(t, b) for b in self.boxes)
        return f

    def may_fit(self, counts: Mapping[str, int], b: int) -> bool:
        """Necessary conditions for ``counts`` units per SKU to share box ``b``.

        :func:`~engine.packing.bounds.may_fit_one_box`, and every two units fitting
        the box together (for orders of a few SKUs).
        """
        terms = []
        for sku, n in counts.items():
            t = self._terms.get(sku)
            if t is None:
                t = self._terms[sku] = tuple(box_terms(self.piece(sku), box) for box in self.boxes)
            terms.append((t[b], n))
        if not may_fit_terms(terms, self.boxes[b]):
            return False
        # every two units must fit together (exact for pairs; cached per SKU pair and box)
        kinds = sorted(counts)
        if len(kinds) > _MAX_PAIR_TEST_SKUS:
            return True
        for i, a in enumerate(kinds):
            for c in kinds[i if counts[a] > 1 else i + 1 :]:
                key = (a, c, b)
                ok = self._pairs.get(key)
                if ok is None:
                    ok = self._pairs[key] = place_pair([self.piece(a), self.piece(c)], self.dims[b]) is not None
                if not ok:
                    return False
        return True


class _Search:
    """Box selection for one order's units (mutable: exact-search budget, memo)."""

    def __init__(self, units: Sequence[PieceType], cat: _Catalog) -> None:
        self.cat = cat
        self.units = units
        self.boxes = cat.boxes
        self.params = cat.params
        self.dims = cat.dims
        self.volume = cat.volume
        self.budget = cat.params.time_limit_per_order_s
        cap = cat.params.wall_clock_cap_s
        self.deadline = None if cap is None else time.monotonic() + cap
        self.attempts = 0
        # unit multiset -> (largest ``below`` searched, cheapest group found)
        self._memo: dict[tuple[bool | str, ...], tuple[float, _Group | None]] = {}

    def cost(self, b: int, idx: Sequence[int]) -> float:
        return carton_cost(self.boxes[b], total_weight([self.units[i] for i in idx]), self.params)

    def _group(self, b: int, idx: tuple[int, ...], placed: Sequence[Placed]) -> _Group:
        glob = tuple(Placed(idx[p.unit], p.lo, p.orient) for p in placed)
        return _Group(b, tuple(sorted(idx)), glob, self.cost(b, idx))

    def _exact_allowed(self) -> float | None:
        """Wall-clock seconds the exact search may still use (``inf`` without a cap), or None."""
        if self.budget <= 0:
            return None
        if self.deadline is None:
            return math.inf
        left = self.deadline - time.monotonic()
        return left if left > 0 else None

    def single(self, idx: tuple[int, ...], below: float = math.inf, *, thorough: bool = True) -> _Group | None:
        """Cheapest box found that holds all of ``idx`` and costs less than ``below``.

        Memoised on the multiset of SKUs: identical units are interchangeable, so a
        group found for the same SKUs is relabelled onto ``idx``. ``thorough=False``
        (the sub-problems of several-carton answers) tries :data:`_QUICK` strategies
        and no exact search.
        """
        order_idx = tuple(sorted(idx, key=lambda i: (self.units[i].sku, i)))
        key: tuple[bool | str, ...] = (thorough, *(self.units[i].sku for i in order_idx))
        hit = self._memo.get(key)
        if hit is not None:
            searched, g = hit
            if g is not None and g.cost < below - _COST_TOL:
                return self._relabel(g, order_idx)
            if g is None and searched >= below:
                return None
        g = self._single(order_idx, below, thorough)
        if g is not None:
            self._memo[key] = (math.inf, self._relabel(g, tuple(range(len(order_idx))), order_idx))
        else:
            self._memo[key] = (below, None)
        return g

    @staticmethod
    def _relabel(g: _Group, to: tuple[int, ...], frm: tuple[int, ...] | None = None) -> _Group:
        """``g`` with unit ``frm[k]`` (or ``k``) renamed ``to[k]``."""
        pos = {u: k for k, u in enumerate(frm)} if frm is not None else None
        def m(u: int) -> int:
            return to[pos[u] if pos is not None else u]
        placed = tuple(Placed(m(p.unit), p.lo, p.orient) for p in g.placed)
        return _Group(g.box, tuple(sorted(m(u) for u in g.units)), placed, g.cost)

    def _single(self, idx: tuple[int, ...], below: float, thorough: bool) -> _Group | None:
        us = [self.units[i] for i in idx]
        order = sorted(range(len(self.boxes)), key=lambda b: (self.cost(b, idx), self.volume[b], b))
        counts = Counter(u.sku for u in us)
        candidates = []
        for b in order:
            if self.cost(b, idx) >= below - _COST_TOL:
                break
            if self.cat.may_fit(counts, b):
                candidates.append(b)
        for b in candidates:
            box = self.boxes[b]
            if len(us) <= 2:
                # decided exactly in closed form (weight passed the bounds)
                res = place_pair(us, self.dims[b]) if len(us) == 2 else place_one(us[0], self.dims[b])
                if res is not None:
                    return self._group(b, idx, res)
                continue
            for strategy in STRATEGIES if thorough else _QUICK:
                self.attempts += 1
                res = place(us, self.dims[b], box.payload_kg, strategy)
                if res is not None:
                    return self._group(b, idx, res)
            wall = self._exact_allowed() if thorough and len(us) <= self.params.exact_max_units else None
            if wall is not None:
                status, res, used = exact_place(
                    us, self.dims[b], time_limit_s=self.budget, seed=self.params.seed,
                    wall_clock_cap_s=None if math.isinf(wall) else wall,
                )
                self.budget -= used
                if status is Status.FEASIBLE and res is not None:
                    return self._group(b, idx, res)
        return None

    def bound(self, idx: Sequence[int]) -> float:
        """:func:`~engine.packing.bounds.order_cost_bound` of ``idx``, from the catalogue's caches."""
        counts = Counter(self.units[i].sku for i in idx)
        one_box = any(self.cat.may_fit(counts, b) for b in range(len(self.boxes)))
        us = [self.units[i] for i in idx]
        return order_cost_bound(us, self.boxes, self.params, self.cat.fits, one_box)

    def fill(self, idx: Sequence[int]) -> _Group:
        """The carton packing part of ``idx`` at least cost per packed volume.

        Boxes are tried in increasing order of a bound on that ratio (floor cost
        over the most volume the box could take), and skipped once the bound is
        above the best ratio found.
        """
        us = [self.units[i] for i in idx]
        best: tuple[tuple[float, ...], _Group] | None = None
        skus = {u.sku for u in us}
        total = sum(u.volume_cm3 for u in us)
        ratio_lb = {
            b: box_floor_cost(box, self.params) / max(min(self.volume[b], total), 1e-12)
            for b, box in enumerate(self.boxes)
            if any(self.cat.fits(s)[b] for s in skus)
        }
        for b in sorted(ratio_lb, key=lambda b: (ratio_lb[b], b)):
            if best is not None and ratio_lb[b] > best[0][0] + _COST_TOL:
                break
            box = self.boxes[b]
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

    def multi(self, idx: tuple[int, ...], lower: float) -> list[_Group]:
        """Several cartons holding all of ``idx``: greedy fill, then improvement.

        ``lower`` bounds the cost of any answer; improvement stops on reaching it.
        """
        remaining = list(idx)
        groups: list[_Group] = []
        while remaining:
            f = self.fill(remaining)
            taken = set(f.units)
            rest = [i for i in remaining if i not in taken]
            if rest:
                bound = f.cost + self.bound(rest)
                fin = self.single(tuple(remaining), below=bound + 2 * _COST_TOL, thorough=False)
                if fin is not None:
                    groups.append(fin)
                    break
            groups.append(f)
            remaining = rest
        return self.improve(groups, lower)

    def improve(self, groups: list[_Group], lower: float) -> list[_Group]:
        """Move cartons to cheaper boxes and merge pairs that share a box for no more."""
        for _ in range(len(groups) + 1):
            if sum(g.cost for g in groups) <= lower + _COST_TOL:
                break
            changed = False
            for k, g in enumerate(groups):
                s = self.single(g.units, below=g.cost, thorough=False)
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
                        s = self.single(
                            ga.units + gb.units, below=ga.cost + gb.cost + 2 * _COST_TOL, thorough=False
                        )
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
    return _solve(order_id, quantities, _Catalog(skus, boxes, params))


def _no_fit_hold(order_id: str, qty: Mapping[str, int], cat: _Catalog) -> Hold | None:
    """The ``no_box_fits`` hold of an order with a unit that fits no box on its own, else None."""
    no_fit = [s for s in sorted(qty) if not any(cat.fits(s))]
    if not no_fit:
        return None
    skus = cat.skus
    detail = "; ".join(
        f"{s} ({skus[s].length_cm:g} x {skus[s].width_cm:g} x {skus[s].height_cm:g} cm, "
        f"{skus[s].weight_kg:g} kg) fits no box" for s in no_fit
    )
    return Hold(order_id, HoldReason.NO_BOX_FITS, detail)


def no_fit_holds(
    orders: Sequence[tuple[str, Mapping[str, int]]],
    skus: Mapping[str, Sku],
    boxes: Sequence[Box],
    params: PackingParams | None = None,
) -> list[Hold | None]:
    """Per order, the hold :func:`solve` would return for it, without packing it.

    :func:`solve` holds an order only when one of its units fits no box on its
    own (never a false "doesn't fit"), so this decides release exactly, in
    O(lines) after a per-SKU check, and the cartons can be packed later or
    elsewhere.

    Examples
    --------
    >>> skus = {"a": Sku("a", 10, 10, 10, 1.0), "big": Sku("big", 90, 10, 10, 1.0)}
    >>> [h and h.reason for h in no_fit_holds([("o1", {"a": 2}), ("o2", {"big": 1})], skus,
    ...                                        [Box("B", 20, 10, 10, 5, 1.0)])]
    [None, <HoldReason.NO_BOX_FITS: 'no_box_fits'>]
    """
    cat = _Catalog(skus, tuple(boxes), params if params is not None else PackingParams())
    return [_no_fit_hold(oid, {s: int(q) for s, q in qty.items() if q}, cat) for oid, qty in orders]


#: Orders of more units than this take the block path (:mod:`engine.packing.blocks`), linear in units;
#: below it the general search, whose work grows with the square of the units, stays under ~0.1 s.
BLOCK_MIN_UNITS = 256
#: On the block path, a SKU's leftover after its full blocks gets a block carton of its own when it is
#: larger than this; smaller leftovers of all SKUs are packed together by the general search ...
_BLOCK_REST = 24
#: ... in chunks of at most this many units, for at most this many units in all (past it, each SKU's
#: leftover gets a block carton of its own: bounded work for an order of thousands of distinct SKUs).
_REST_CHUNK = 64
_REST_SEARCH_MAX = 512


def _solve_big(order_id: str, qty: Mapping[str, int], cat: _Catalog) -> PackResult:
    """Pack an order of many units: full grid blocks per SKU, the small rest by the general search.

    O(units + SKUs x boxes) apart from the rest, which is at most ``_BLOCK_REST``
    units per SKU and ``_REST_SEARCH_MAX`` in all, searched in chunks of ``_REST_CHUNK``. Every unit fits some
    box alone (checked by the caller), so every SKU has a grid.
    """
    params, boxes = cat.params, cat.boxes
    cartons: list[Carton] = []
    rest: list[str] = []
    for sku in sorted(qty):
        piece = cat.piece(sku)
        options = blocks.grids(piece, boxes, cat.dims, params)
        grid = blocks.cheapest_per_unit(options)
        full, left = divmod(qty[sku], grid.capacity)
        if left > _BLOCK_REST or (left and len(rest) + left > _REST_SEARCH_MAX):
            last = blocks.cheapest_holding(options, left, piece, boxes, params)
            assert last is not None  # ``grid`` itself holds ``left < capacity`` units
            cartons.append(blocks.block_carton(0, piece, last, left, boxes[last.box], params))
            left = 0
        if full:
            one = blocks.block_carton(0, piece, grid, grid.capacity, boxes[grid.box], params)
            cartons.extend([one] * full)
        rest.extend([sku] * left)
    for i in range(0, len(rest), _REST_CHUNK):
        part = _solve(order_id, Counter(rest[i:i + _REST_CHUNK]), cat)
        cartons.extend(part.cartons)
    numbered = tuple(replace(c, carton_no=k) for k, c in enumerate(cartons, 1))
    log.debug("order %s: %d units in %d cartons on the block path", order_id, sum(qty.values()), len(numbered))
    return PackResult(order_id, numbered, sum(c.cost for c in numbered), None)


def _solve(order_id: str, quantities: Mapping[str, int], cat: _Catalog) -> PackResult:
    params, boxes = cat.params, cat.boxes
    qty = {s: int(q) for s, q in quantities.items() if q}
    hold = _no_fit_hold(order_id, qty, cat)
    if hold is not None:
        return PackResult(order_id, (), 0.0, hold)
    if sum(qty.values()) > BLOCK_MIN_UNITS:
        return _solve_big(order_id, qty, cat)
    units = expand_units(qty, {s: cat.piece(s) for s in qty})
    if not units:
        return PackResult(order_id, (), 0.0, None)
    search = _Search(units, cat)
    everything = tuple(range(len(units)))
    single = search.single(everything)
    groups: list[_Group]
    if len(units) == 1:
        # any packing needs one box that holds the unit: the cheapest such box is optimal
        assert single is not None
        groups = [single]
    else:
        # several cartons cost at least the dearest unit's cheapest box plus the cheapest usable box
        floor = {b: box_floor_cost(boxes[b], params) for b in range(len(boxes)) if any(cat.fits(s)[b] for s in qty)}
        unit_floor = max(min(c for b, c in floor.items() if cat.fits(s)[b]) for s in qty)
        two = unit_floor + min(floor.values())
        if single is not None and single.cost <= two + _COST_TOL:
            multi_lower = two  # the covering bound cannot matter: skip it
        else:
            multi_lower = max(search.bound(everything), two)
        if single is not None and single.cost <= multi_lower + _COST_TOL:
            groups = [single]
        else:
            multi = search.multi(everything, multi_lower)
            multi_cost = sum(g.cost for g in multi)
            groups = [single] if single is not None and single.cost <= multi_cost + _COST_TOL else multi
    cartons = tuple(_carton(k, g, units, boxes[g.box], params) for k, g in enumerate(groups, 1))
    log.debug("order %s: %d cartons after %d placement attempts", order_id, len(cartons), search.attempts)
    return PackResult(order_id, cartons, sum(c.cost for c in cartons), None)


# --- many orders -----------------------------------------------------------------------
#: below this many distinct orders a pool costs more (start-up, pickling) than it saves
_MIN_POOL_ORDERS = 200
_WORKER: _Catalog | None = None

Signature = tuple[tuple[str, int], ...]


def order_signature(quantities: Mapping[str, int]) -> Signature:
    """An order's content: sorted ``(sku, qty)`` pairs, zero quantities dropped.

    Orders with the same signature get the same cartons (relabelled).

    >>> order_signature({"b": 2, "a": 1, "c": 0})
    (('a', 1), ('b', 2))
    """
    return tuple(sorted((s, int(q)) for s, q in quantities.items() if q))


def _init_worker(skus: Mapping[str, Sku], boxes: tuple[Box, ...], params: PackingParams) -> None:
    global _WORKER
    die_with_parent()
    _WORKER = _Catalog(skus, boxes, params)


def _solve_in_worker(order: tuple[str, Signature]) -> PackResult:
    assert _WORKER is not None
    return _solve(order[0], dict(order[1]), _WORKER)


def _relabelled(result: PackResult, order_id: str) -> PackResult:
    if result.order_id == order_id:
        return result
    hold = None if result.hold is None else replace(result.hold, order_id=order_id)
    return replace(result, order_id=order_id, hold=hold)


def pack_orders(
    orders: Sequence[tuple[str, Mapping[str, int]]],
    skus: Mapping[str, Sku],
    boxes: Sequence[Box],
    params: PackingParams | None = None,
    workers: int = 1,
) -> list[PackResult]:
    """Pack many orders; results in input order, equal to :func:`solve` on each.

    Orders with the same content (:func:`order_signature`) are packed once and
    the cartons reused under each order id; e-commerce waves repeat contents a
    lot. ``workers > 1`` spreads the distinct contents over a process pool when
    there are at least a few hundred; since :func:`solve` is deterministic, the
    output does not depend on ``workers``.

    Examples
    --------
    >>> skus = {"a": Sku("a", 10, 10, 10, 1.0)}
    >>> rs = pack_orders([("o1", {"a": 2}), ("o2", {"a": 2})], skus, [Box("B", 20, 10, 10, 5, 1.0)])
    >>> [r.order_id for r in rs], rs[0].cartons == rs[1].cartons
    (['o1', 'o2'], True)
    """
    params = params if params is not None else PackingParams()
    boxes = tuple(boxes)
    sigs = [order_signature(q) for _, q in orders]
    first: dict[Signature, int] = {}
    distinct: list[tuple[str, Signature]] = []
    for (oid, _), sig in zip(orders, sigs, strict=True):
        if sig not in first:
            first[sig] = len(distinct)
            distinct.append((oid, sig))
    solved: list[PackResult]
    if workers <= 1 or len(distinct) < _MIN_POOL_ORDERS:
        cat = _Catalog(skus, boxes, params)
        solved = [_solve(oid, dict(sig), cat) for oid, sig in distinct]
    else:
        if params.exact_max_units > 0 and params.time_limit_per_order_s > 0:
            # loaded once here, so forked workers share it instead of each importing it (about 1 s)
            import ortools.sat.python.cp_model  # noqa: F401
        # few large chunks: one round trip per chunk, results come back in order
        chunk = max(1, -(-len(distinct) // (workers * 4)))
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_init_worker, initargs=(skus, boxes, params)
        ) as pool:
            solved = list(pool.map(_solve_in_worker, distinct, chunksize=chunk))
    return [_relabelled(solved[first[sig]], oid) for (oid, _), sig in zip(orders, sigs, strict=True)]
