"""Slotting: which stock to move where so that the order history walks less.

A greedy construction, not an optimiser: stock records are placed best-first
by cube-per-order index (COI, on-hand cube per order that needs the SKU; small
and often-ordered goes nearest the depot), each into the free location of its
zone that minimises

    picks * 2 * depot_distance
    + cooccurrence_weight * sum over already placed partners (co_orders * distance)
    + move_penalty_m  (when the record would leave its location, and again
                       when it would push out a record not yet placed).

The resulting reassignment splits into independent *chains* (a record moves
into a free location, the one behind it into the place it left, ...) and
*cycles* (records swapping places). Each is kept only when it lowers that
same estimate by more than ``min_gain_m``, best gain per move first, within
``max_moves``. The estimate only ranks moves: the saving reported to users is
measured by replaying the history through wave planning
(:func:`engine.planner.evaluate.evaluate`).

Rules kept: one SKU per location, except that a location the inventory
already mixes keeps its SKUs and takes no new ones; records move only within
their zone; every record keeps its quantity.
"""

from __future__ import annotations

import csv
import itertools
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import numpy as np

from engine.layout import Layout, RectangularLayout, RectPoint
from engine.model import Order, Sku, StockRecord
from engine.planner.drawing import all_location_ids
from engine.planner.params import SlottingParams

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Move:
    """Relocate the stock of ``sku`` from one location to another (a row of ``moves.csv``)."""

    from_location: str
    to_location: str
    sku: str


@dataclass(frozen=True, slots=True)
class SlottingPlan:
    """Recommended moves and the inventory after them.

    ``moves`` are listed so they can be carried out in order: along a chain the
    move into the free location comes first. In a cycle (records trading
    places) the first move's target is still occupied: park that occupant in a
    spare location; its own move comes last in the cycle. ``estimated_gain_m``
    is the drop of the slotting estimate, not a measured saving.
    """

    moves: tuple[Move, ...]
    stock: tuple[StockRecord, ...]
    estimated_gain_m: float
    chains: int
    cycles: int


@dataclass(frozen=True, slots=True)
class DemandStats:
    """Pick frequency and co-occurrence of SKUs in an order history.

    ``picks[s]`` counts orders that contain ``s``; ``together[(s, t)]`` with
    ``s < t`` counts orders that contain both.
    """

    picks: Mapping[str, int]
    together: Mapping[tuple[str, str], int]


def demand_stats(orders: Sequence[Order]) -> DemandStats:
    """Count orders per SKU and per pair of SKUs. O(sum of lines per order squared).

    >>> from datetime import datetime, UTC
    >>> from engine.model import OrderLine
    >>> o = lambda i, *s: Order(i, tuple(OrderLine(i, x, 1) for x in s), datetime(2026, 1, 1, tzinfo=UTC), "captured")
    >>> st = demand_stats([o("1", "A", "B"), o("2", "B", "A", "B"), o("3", "C")])
    >>> dict(st.picks), dict(st.together)
    ({'A': 2, 'B': 2, 'C': 1}, {('A', 'B'): 2})
    """
    picks: Counter[str] = Counter()
    together: Counter[tuple[str, str]] = Counter()
    for order in orders:
        skus = sorted({line.sku for line in order.lines})
        picks.update(skus)
        together.update(itertools.combinations(skus, 2))
    return DemandStats(dict(picks), dict(together))


@dataclass(slots=True)
class _Records:
    """Records with their demand, as arrays (internal search state).

    The first ``movable`` records may move; the rest (in locations the
    inventory mixes) stay, but still pull the SKUs ordered with them.
    """

    stock: list[StockRecord]
    movable: int
    zone: list[str | None]
    freq: np.ndarray
    coi: np.ndarray
    partners: list[list[tuple[int, float]]]


class _Geometry:
    """Distances from candidate locations, through their unique pick positions.

    Both sides of a rectangular slot share a position, so distances are kept
    per position. Rectangular layouts compute a column (one position to all,
    O(U) with the closed form) only when a placed partner needs it; graph
    layouts take their all-pairs matrix, which they hold anyway. Memory stays
    O(U * positions used) instead of O(U^2) on large rectangular sites.
    """

    def __init__(self, layout: Layout, cand: Sequence[str]) -> None:
        self.layout = layout
        uniq: dict[Hashable, int] = {}
        self.pidx = np.array([uniq.setdefault(layout.point(loc), len(uniq)) for loc in cand], dtype=np.int64)
        self.upoints = list(uniq)
        self._full: np.ndarray | None = None
        self._xyb: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        if isinstance(layout, RectangularLayout):
            pts = cast(list[RectPoint], self.upoints)
            arr = np.array([(p.x, p.y, p.block) for p in pts], dtype=np.float64).reshape(-1, 3)
            self._xyb = (arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int64))
        else:
            self._full = layout.distance_matrix(self.upoints)
        self._cols: dict[int, np.ndarray] = {}

    def from_point(self, p: Hashable) -> np.ndarray:
        """Distances from any layout point (e.g. a depot) to every position."""
        if self._xyb is not None:
            assert isinstance(self.layout, RectangularLayout)
            x, y, b = self._xyb
            q: RectPoint = p  # type: ignore[assignment]
            return self.layout.pairwise(x, y, b, np.asarray(q.x), np.asarray(q.y), np.asarray(q.block))
        return self.layout.distance_matrix([p, *self.upoints])[0, 1:]

    def column(self, u: int) -> np.ndarray:
        """Distances from position ``u`` to every position (cached)."""
        col = self._cols.get(u)
        if col is None:
            col = self._full[:, u] if self._full is not None else self.from_point(self.upoints[u])
            self._cols[u] = col
        return col

    def to_candidates(self, cand: int) -> np.ndarray:
        """Distances from candidate ``cand`` to every candidate."""
        return self.column(int(self.pidx[cand]))[self.pidx]

    def d(self, a: int, b: int) -> float:
        return float(self.column(int(self.pidx[b]))[self.pidx[a]])


def _movable(layout: Layout, stock: Sequence[StockRecord], skus: Mapping[str, Sku],
             stats: DemandStats) -> tuple[_Records, set[str]]:
    per_location: dict[str, set[str]] = defaultdict(set)
    for rec in stock:
        per_location[rec.location_id].add(rec.sku)
    known = [r for r in stock if r.sku in skus]
    movable = [r for r in known if len(per_location[r.location_id]) == 1]
    records = movable + [r for r in known if len(per_location[r.location_id]) > 1]
    occupied = set(per_location)
    copies = Counter(r.sku for r in records)
    freq = np.array([stats.picks.get(r.sku, 0) / copies[r.sku] for r in records], dtype=float)
    cube = np.array([r.qty * skus[r.sku].volume_l for r in records], dtype=float)
    with np.errstate(divide="ignore"):
        coi = np.where(freq > 0, cube / np.where(freq > 0, freq, 1.0), np.inf)
    by_sku: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        by_sku[r.sku].append(i)
    partners: list[list[tuple[int, float]]] = [[] for _ in records]
    for (s, t), n in stats.together.items():
        for i in by_sku.get(s, ()):
            for j in by_sku.get(t, ()):
                w = n / (copies[s] * copies[t])
                partners[i].append((j, w))
                partners[j].append((i, w))
    zone = [layout.zone_of(r.location_id) for r in records]
    return _Records(records, len(movable), zone, freq, coi, partners), occupied


def recommend_slotting(
    layout: Layout,
    skus: Mapping[str, Sku],
    stock: Sequence[StockRecord],
    orders: Sequence[Order],
    params: SlottingParams | None = None,
    *,
    zone_depots: bool = False,
) -> SlottingPlan:
    """Recommend stock moves that shorten the walks of an order history.

    Parameters
    ----------
    layout, skus, stock
        The warehouse as it is.
    orders
        The history that the moves should serve (payment status is ignored).
    params
        Scoring weights and the move budget; defaults when ``None``.
    zone_depots
        Measure depot distance from each zone's own depot (zone picking);
        otherwise from the layout's depot.

    Returns
    -------
    SlottingPlan
        Deterministic for the same inputs. O(R * C) work for R movable
        records and C candidate locations (every location of their zones);
        memory O(C) per position that a co-ordered SKU occupies.
    """
    params = params or SlottingParams()
    stats = demand_stats(orders)
    recs, occupied = _movable(layout, stock, skus, stats)
    n, m = len(recs.stock), recs.movable
    if m == 0:
        return SlottingPlan((), tuple(stock), 0.0, 0, 0)

    old_locs = [r.location_id for r in recs.stock]
    free = [loc for loc in all_location_ids(layout) if loc not in occupied]
    cand = old_locs + free  # candidate i < n is record i's own location
    cand_zone = recs.zone + [layout.zone_of(loc) for loc in free]
    geo = _Geometry(layout, cand)
    depot_d = np.zeros((len(cand),))
    for z in set(cand_zone):
        mask = np.array([cz == z for cz in cand_zone])
        d0 = geo.from_point(layout.depot(z if zone_depots else None))
        depot_d[mask] = d0[geo.pidx[mask]]

    # Greedy construction, best COI first; ties: more picks, then stock order.
    order = sorted(range(m), key=lambda i: (recs.coi[i], -recs.freq[i], i))
    taken = np.zeros(len(cand), dtype=bool)
    taken[m:n] = True
    assign = np.full(n, -1, dtype=np.int64)
    assign[m:n] = np.arange(m, n)
    zone_mask = {z: np.array([cz == z for cz in cand_zone]) for z in set(cand_zone)}
    w = params.cooccurrence_weight
    # Taking a location whose record is not yet placed forces that record to move too.
    displace = np.zeros(len(cand))
    displace[:m] = params.move_penalty_m
    for i in order:
        cost = recs.freq[i] * 2.0 * depot_d + params.move_penalty_m + displace
        cost[i] -= 2 * params.move_penalty_m
        placed = [(assign[j], wt) for j, wt in recs.partners[i] if assign[j] >= 0]
        if placed and w > 0:
            cost = cost + w * sum(wt * geo.to_candidates(int(c)) for c, wt in placed)
        cost[taken | ~zone_mask[recs.zone[i]]] = np.inf
        best = int(np.argmin(cost))  # ties: the lowest candidate index, so runs are repeatable
        assign[i] = best
        taken[best] = True
        displace[i] = 0.0

    def estimate(a: np.ndarray) -> float:
        total = float(recs.freq @ (2.0 * depot_d[a]))
        pair = sum(wt * geo.d(a[i], a[j]) for i in range(n) for j, wt in recs.partners[i] if j > i)
        return total + w * float(pair)

    components = _components(assign, n)
    current = np.arange(n, dtype=np.int64)
    start = estimate(current)
    budget = math.inf if params.max_moves is None else params.max_moves

    def gain_of(comp: list[int]) -> float:
        return _delta(current, assign, comp, recs, depot_d, geo, w)

    ranked = sorted(components, key=lambda c: (-gain_of(c[0]) / len(c[0]), c[0][0]))
    kept: list[tuple[list[int], bool]] = []
    used = 0
    for comp, is_cycle in ranked:
        if used + len(comp) > budget:
            continue
        if gain_of(comp) <= params.min_gain_m:
            continue
        current[comp] = assign[comp]
        kept.append((comp, is_cycle))
        used += len(comp)
    gain = start - estimate(current)

    moves = [Move(old_locs[i], cand[int(current[i])], recs.stock[i].sku) for comp, _ in kept for i in comp]
    new_loc = {id(r): cand[int(current[i])] for i, r in enumerate(recs.stock)}
    new_stock = tuple(
        StockRecord(r.sku, new_loc.get(id(r), r.location_id), r.qty) for r in stock
    )
    cycles = sum(c for _, c in kept)
    log.info("slotting: %d moves in %d chains and %d cycles, estimated gain %.1f m",
             len(moves), len(kept) - cycles, cycles, gain)
    return SlottingPlan(tuple(moves), new_stock, gain, len(kept) - cycles, cycles)


def _components(assign: np.ndarray, n: int) -> list[tuple[list[int], bool]]:
    """Split a reassignment into chains and cycles of records, in executable order.

    Record ``i`` sits at candidate ``i`` and goes to ``assign[i]``. A chain is
    listed from its end (the move into a free location) backwards, so each
    move's target is empty when it is made.
    """
    moving = [i for i in range(n) if assign[i] != i]
    occupant = {i: i for i in range(n)}  # candidate location -> record there now
    seen: set[int] = set()
    out: list[tuple[list[int], bool]] = []
    # record -> record whose target is my location (it moves into my place)
    into = {int(assign[i]): i for i in moving}
    # chain heads: records whose target is free (not any record's location) or whose
    # location's occupant is not moving... walk backwards from each free target.

    def walk(i: int) -> list[int]:
        """``i`` and the records that move into the place each one leaves, until none or a repeat."""
        run = [i]
        seen.add(i)
        j = into.get(i)
        while j is not None and j not in seen:
            run.append(j)
            seen.add(j)
            j = into.get(j)
        return run

    out += [(walk(i), False) for i in moving if int(assign[i]) not in occupant]
    out += [(walk(i), True) for i in moving if i not in seen]
    return out


def _delta(current: np.ndarray, assign: np.ndarray, comp: list[int], recs: _Records,
           depot_d: np.ndarray, geo: _Geometry, w: float) -> float:
    """How much applying ``comp`` (records moving to ``assign``) lowers the estimate."""
    moving = set(comp)
    after = current.copy()
    after[comp] = assign[comp]
    gain = 0.0
    for i in comp:
        gain += recs.freq[i] * 2.0 * (depot_d[current[i]] - depot_d[after[i]])
        for j, wt in recs.partners[i]:
            if j in moving and j < i:
                continue  # each pair inside the component once
            gain += w * wt * (geo.d(current[i], current[j]) - geo.d(after[i], after[j]))
    return float(gain)


def _write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return out


def write_moves(moves: Sequence[Move], path: str | Path) -> Path:
    """Write ``moves.csv`` (``from, to, sku``), in the order the moves can be made."""
    return _write_csv(path, ["from", "to", "sku"], ((m.from_location, m.to_location, m.sku) for m in moves))


def write_inventory(stock: Sequence[StockRecord], path: str | Path) -> Path:
    """Write an ``inventory.csv`` (SPEC section 3) for the stock after the moves."""
    return _write_csv(path, ["sku", "location_id", "qty"], ((r.sku, r.location_id, r.qty) for r in stock))
