"""The wave pipeline: release, split, batch, choose faces, route, explain.

:func:`plan_wave` is the one-call entry point; it runs three stages that may
also run apart (the Airflow DAG maps the middle one over its workers), with
frozen, picklable data between them:

- :func:`prepare_wave` -> :class:`WavePrep`: steps 1-2 and the partition of
  the parts into groups planned apart (zones, aisle regions, else one group);
- :func:`plan_group` -> :class:`GroupPlan`: steps 3-5 for one group;
- :func:`assemble_plan` -> :class:`Plan`: batch ids, picks, step 6.

Groups of distinct zones never draw on the same face, so each re-chooses its
faces and routes itself; aisle regions share stock, so their faces are
re-chosen in group order (and routed) by :func:`assemble_plan`. Either way the
plan is the one the stages give in one process.

Steps:

1. release rules and packing (:mod:`engine.wave.release`; the whole wave in
   one call, over ``pack_workers`` processes);
2. *parts*: an order becomes one part per zone (``zone`` method) and, when it
   is heavier or bulkier than a cart, several parts over trips;
3. batching (:mod:`engine.batching`), scored by exact route lengths (the
   compiled :class:`engine.routing.RouteScorer` on 1-4 blocks), per zone under
   ``zone``, per aisle region on a wave of more than :data:`REGION_ITEMS`
   parts; zones and regions run over the worker processes;
4. faces re-chosen per batch to shorten its route (stock never exceeded);
5. final routes by :func:`engine.routing.solve` (over the worker processes),
   picks in walking order;
6. baselines on the same released orders, and the summary.

Time budget (``time_limit_s`` covers the whole plan): release and packing
first, then the batching search gets what is left minus a reserve of
``min(RESERVE_SHARE * limit, 0.5 s + RESERVE_PER_PART_S * parts)``; faces are
re-chosen while half of that reserve lasts, the rest is for final routes and
baselines. A slow packing step therefore shortens the search; it cannot be
shortened itself.

Zones: under ``zone`` a picker never leaves its zone, so stock at locations
outside every zone is not allocated at all; an order needing it is held
``short_stock`` and the summary's notes say how many units were left out.
The baselines are measured from the main depot over whole orders.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import math
import time
from collections.abc import Callable, Hashable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import cast

import numpy as np

from engine.batching import BatchingParams, BatchingProblem, BatchingResult, Construction, RouteCache, first_come
from engine.batching import solve as solve_batching
from engine.batching.zones import group_shares, partition_by_keys
from engine.errors import InputError, Problem
from engine.io.config import config_to_mapping
from engine.layout import Layout, RectangularLayout, RectPoint
from engine.lifetime import die_with_parent
from engine.model import CartSpec, Method, Order, RoutingMethod, StockRecord
from engine.packing import PackResult, no_fit_holds, pack_orders, packing_params
from engine.routing import Route, RouteScorer, RoutingParams, route_length
from engine.routing.faces import FaceChoice, FaceProblem, solve_faces
from engine.routing.graph_tsp import warm_up as warm_graph_routing
from engine.wave.allocation import StockLedger, Take, choose_faces, rechoose_faces
from engine.wave.labour import batch_group, hold_later, labour_plan
from engine.wave.parallel import plan_groups, route_many
from engine.wave.plan import Baselines, Batch, Pick, Plan, PlanSummary, SearchStats
from engine.wave.problem import WaveProblem
from engine.wave.release import Release, release
from engine.wave.schedule import LabourPlan
from engine.wave.totes import ToteLoad, fill_totes, load_of, tote_rows, trip_groups

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class Part:
    """What one tote carries for one order: the whole order, or its share of a zone or trip."""

    order_id: str
    rank: int
    zone: str
    takes: tuple[Take, ...]
    weight_kg: float
    volume_l: float
    #: ``cart.tote`` under ``cluster``: each tote's SKU quantities (:mod:`engine.wave.totes`); else one tote.
    totes: tuple[ToteLoad, ...] = ()

    @property
    def tote_count(self) -> int:
        return max(1, len(self.totes))


class _Points:
    """Pick positions as integers: location id -> point index -> layout point."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.points: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        self._loc: dict[str, int] = {}
        self._cell: tuple[float, float, float] | None = None

    def of(self, location_id: str) -> int:
        idx = self._loc.get(location_id)
        if idx is None:
            p = self.layout.point(location_id)
            idx = self._index.setdefault(p, len(self.points))
            if idx == len(self.points):
                self.points.append(p)
            self._loc[location_id] = idx
        return idx

    def key(self, idx: int) -> int:
        """Neighbourhood key of a point: its aisle on rectangular layouts, else its plan cell.

        On a graph layout the key is the square cell of the node's coordinates in
        a grid of about ``4 sqrt(points)`` cells over the points known at the first
        call (register every location first), so that orders near each other share
        keys as orders in one aisle do; without coordinates, the point itself.
        """
        p = self.points[idx]
        if isinstance(self.layout, RectangularLayout):
            return int(p[0])  # type: ignore[index]
        xy = self.xy(idx)
        if xy is None:
            return idx
        if self._cell is None:
            coords = [c for c in (self.xy(i) for i in range(len(self.points))) if c is not None]
            x0, y0 = min(c[0] for c in coords), min(c[1] for c in coords)
            span = max(max(c[0] for c in coords) - x0, max(c[1] for c in coords) - y0, 1e-9)
            self._cell = (x0, y0, span / max(2.0, math.sqrt(len(coords)) ** 0.5 * 2))
        x0, y0, size = self._cell
        return int((xy[0] - x0) // size) * 100_003 + int((xy[1] - y0) // size)

    def xy(self, idx: int) -> tuple[float, float] | None:
        """Plan coordinates of a point, when the layout gives them."""
        p = self.points[idx]
        if isinstance(self.layout, RectangularLayout):
            q = cast(RectPoint, p)
            return (q.x, q.y)
        nodes = getattr(self.layout, "nodes", None)
        return None if nodes is None or p not in nodes else nodes[p]

    def route_cost(self, method: RoutingMethod, zone_id: str | None) -> RouteCache:
        """Cached route length of point-index sets.

        Optimal lengths on rectangular layouts go through a compiled
        :class:`~engine.routing.RouteScorer` over the points known now (register
        every location first); a set with a point added later falls back to
        :func:`~engine.routing.route_length` (same lengths, slower).
        """
        layout, points = self.layout, self.points

        def by_length(pts: frozenset[int]) -> float:
            return route_length(layout, [points[i] for i in sorted(pts)], method, zone_id)

        if not (method is RoutingMethod.OPTIMAL and isinstance(layout, RectangularLayout)
                and layout.blocks <= COMPILED_BLOCKS):
            return RouteCache(by_length)
        scorer = RouteScorer(layout, cast(list[RectPoint], list(points)), zone_id)
        size = scorer.size

        def by_scorer(pts: frozenset[int]) -> float:
            return scorer.length(pts) if max(pts) < size else by_length(pts)

        return RouteCache(by_scorer)


#: Largest block count on which moves are scored by the exact routing programme: the compiled
#: scorer costs about 0.03 ms per route on 1-2 blocks, 0.2 ms on 3 and 1.4 ms on 4 (30 picks).
EXACT_SCORING_BLOCKS = 4
#: Rectangular layouts up to this many blocks choose each batch's faces with its route (exact there).
FACES_MAX_BLOCKS = 5
#: Most seconds the joint face and route choice of one batch may take.
FACES_TIME_S = 1.0
#: Block counts the compiled scorer covers.
COMPILED_BLOCKS = 4


#: Items per aisle region: a bigger wave (or zone) is cut into regions batched apart (and in parallel).
REGION_ITEMS = 5000
#: Paid orders from which :func:`plan_wave` packs in a process of its own, alongside batching.
OVERLAP_PACKING_ORDERS = 2000
#: Most of the time limit a wave keeps back from the search for faces, final routes and baselines.
RESERVE_SHARE = 0.3
#: Reserve per part (seconds): faces, final route and baselines cost about this much per order.
RESERVE_PER_PART_S = 0.0015
#: The same on graph layouts, where a final route (local search, then a proof attempt) costs more.
GRAPH_RESERVE_PER_PART_S = 0.01


def scoring_method(layout: Layout, routing: RoutingMethod) -> RoutingMethod:
    """The routing method that scores batching moves.

    The configured method, except ``optimal`` on rectangular layouts of more than
    :data:`EXACT_SCORING_BLOCKS` blocks: scored by ``combined`` (final routes stay exact).
    """
    if (routing is RoutingMethod.OPTIMAL and isinstance(layout, RectangularLayout)
            and layout.blocks > EXACT_SCORING_BLOCKS):
        return RoutingMethod.COMBINED
    return routing


def _check(problem: WaveProblem) -> None:
    cfg, layout = problem.config, problem.layout
    if cfg.method is Method.ZONE and not layout.zones:
        raise InputError([Problem("wave config", f"method zone needs zones in layout {layout.name!r}",
                                  column="method")])
    if layout.kind != "rectangular" and cfg.routing is not RoutingMethod.OPTIMAL:
        raise InputError([Problem("wave config", f"routing {cfg.routing} needs a rectangular layout; "
                                  "graph layouts route optimal only", column="routing")])


def _fit_checker(problem: WaveProblem) -> Callable[[Sequence[Order]], list[PackResult]]:
    """A stand-in packer for release that decides holds only (:func:`engine.packing.no_fit_holds`).

    The cartons of the released orders are packed later (see :func:`plan_wave`);
    the holds are exactly those the packer would give.
    """
    params = packing_params(problem.config)

    def check(orders: Sequence[Order]) -> list[PackResult]:
        holds = no_fit_holds([(o.order_id, o.quantities()) for o in orders], problem.skus, problem.boxes, params)
        return [PackResult(o.order_id, (), 0.0, h) for o, h in zip(orders, holds, strict=True)]

    return check


def _packer(problem: WaveProblem, workers: int) -> Callable[[Sequence[Order]], list[PackResult]]:
    """The release step's packer.

    Without ``max_orders`` every paid order is likely released, so the first
    call packs them all at once: one process pool for the wave instead of one
    per release chunk. With a cap, chunks are packed as release asks.
    """
    cfg = problem.config
    params = packing_params(cfg)
    done: dict[str, PackResult] = {}
    paid = set(cfg.release_payment_statuses)
    on_hand: dict[str, int] = {}
    for rec in problem.stock:
        on_hand[rec.sku] = on_hand.get(rec.sku, 0) + rec.qty
    # Orders the stock cannot cover even alone are held short before packing: never packed ahead.
    ahead = [o for o in problem.orders if o.payment_status in paid
             and all(q <= on_hand.get(s, 0) for s, q in o.quantities().items())] if cfg.max_orders is None else []

    def run(orders: Sequence[Order]) -> None:
        todo = [o for o in orders if o.order_id not in done]
        for r in pack_orders([(o.order_id, o.quantities()) for o in todo], problem.skus, problem.boxes, params,
                             workers):
            done[r.order_id] = r

    def pack(orders: Sequence[Order]) -> list[PackResult]:
        if ahead:
            run(ahead)
            ahead.clear()
        run(orders)
        return [done[o.order_id] for o in orders]

    return pack


def _depot_distances(layout: Layout, locations: Sequence[str], by_zone: bool) -> dict[str, float]:
    """Distance from each location to its depot (its zone's when ``by_zone``), in chunks.

    A chunk of locations and the depot go through one ``distance_matrix`` call:
    O(n * CHUNK) work and O(CHUNK^2) memory instead of one call per location.
    """
    chunk = 256
    by_depot: dict[str | None, list[str]] = {}
    for loc in dict.fromkeys(locations):
        by_depot.setdefault(layout.zone_of(loc) if by_zone else None, []).append(loc)
    out: dict[str, float] = {}
    for zone, locs in by_depot.items():
        depot = layout.depot(zone)
        for i in range(0, len(locs), chunk):
            part = locs[i: i + chunk]
            row = layout.distance_matrix([depot, *(layout.point(loc) for loc in part)])[0, 1:]
            out.update(zip(part, row.tolist(), strict=True))
    return out


def _zoned_stock(problem: WaveProblem) -> tuple[tuple[StockRecord, ...], str]:
    """Stock a picker can reach, and a note on the rest.

    Under ``zone`` every picker stays in a zone, so stock at locations outside
    every zone cannot be picked: it is left out of allocation (an order that
    needs it is held ``short_stock``) and the plan says how much was left out.
    """
    layout = problem.layout
    if problem.config.method is not Method.ZONE:
        return problem.stock, ""
    inside = tuple(r for r in problem.stock if layout.zone_of(r.location_id) is not None)
    out = [r for r in problem.stock if r.qty > 0 and layout.zone_of(r.location_id) is None]
    if not out:
        return inside, ""
    return inside, (f"zone: {sum(r.qty for r in out)} units at {len({r.location_id for r in out})} locations "
                    "outside every zone are not allocated (no zone picker walks there); orders that need them "
                    "are held short_stock")


def split_parts(
    order: Order, rank: int, takes: Sequence[Take], problem: WaveProblem, by_zone: bool
) -> list[Part]:
    """The parts of one released order: per zone (when ``by_zone``), then per cart load.

    A part over the cart's weight or volume is cut, unit by unit in face order,
    into loads that fit (release guarantees each unit fits an empty cart).
    """
    skus, cart, layout = problem.skus, problem.config.cart, problem.layout
    groups: dict[str, list[Take]] = {}
    for t in takes:
        zone = (layout.zone_of(t.location_id) or "") if by_zone else ""
        groups.setdefault(zone, []).append(t)
    parts: list[Part] = []
    if cart.tote is not None and problem.config.method is Method.CLUSTER:
        for zone in sorted(groups):
            in_totes = fill_totes(groups[zone], skus, cart.tote, cart)
            for group in trip_groups(in_totes, skus, cart):
                trip = [t for k in group for t in in_totes[k]]
                parts.append(Part(order.order_id, rank, zone, tuple(trip),
                                  sum(t.qty * skus[t.sku].weight_kg for t in trip),
                                  sum(t.qty * skus[t.sku].volume_l for t in trip),
                                  tuple(load_of(in_totes[k]) for k in group)))
        return parts
    for zone in sorted(groups):
        loads: list[list[Take]] = [[]]
        w = v = 0.0
        for t in sorted(groups[zone], key=lambda t: (t.location_id, t.sku)):
            s = skus[t.sku]
            qty = t.qty
            while qty:
                room_w = (cart.max_weight_kg - w) / s.weight_kg if s.weight_kg > 0 else qty
                room_v = (cart.max_volume_l - v) / s.volume_l if s.volume_l > 0 else qty
                fit = min(qty, int(min(room_w, room_v) + 1e-9))
                if fit <= 0:
                    loads.append([])
                    w = v = 0.0
                    continue
                loads[-1].append(Take(t.order_id, t.sku, t.location_id, fit))
                w += fit * s.weight_kg
                v += fit * s.volume_l
                qty -= fit
        for load in loads:
            if load:
                parts.append(Part(order.order_id, rank, zone, tuple(load),
                                  sum(t.qty * skus[t.sku].weight_kg for t in load),
                                  sum(t.qty * skus[t.sku].volume_l for t in load)))
    return parts


def _batching_problem(parts: Sequence[Part], pts: _Points, cart: CartSpec) -> BatchingProblem:
    points = [sorted({pts.of(t.location_id) for t in p.takes}) for p in parts]
    keys = [sorted({pts.key(i) for i in pp}) for pp in points]
    centroid = None
    xy = [pts.xy(i) for i in range(len(pts.points))]
    if all(c is not None for c in xy):  # plan coordinates (rectangular, or graph nodes)
        cs = cast(list[tuple[float, float]], xy)
        centroid = [(sum(cs[i][0] for i in pp) / len(pp), sum(cs[i][1] for i in pp) / len(pp)) for pp in points]
    return BatchingProblem.build(points, keys, [p.weight_kg for p in parts], [p.volume_l for p in parts], cart,
                                 centroid, [p.tote_count for p in parts])


def _params(problem: WaveProblem, n: int, time_left: float) -> BatchingParams:
    cfg = problem.config
    # Fewer savings pairs on big waves so construction stays a small share of the budget.
    neighbours = 10 if n <= 30000 else 5
    return BatchingParams(time_limit_s=max(time_left, 0.05), max_iterations=cfg.max_iterations,
                          construction=Construction.SAVINGS, savings_neighbours=neighbours)


def _baselines(parts_by_order: Mapping[str, Sequence[Take]], orders: Sequence[Order], problem: WaveProblem,
               pts: _Points) -> tuple[Baselines, str]:
    """Single-order picking with optimal routes, and first-come carts with S-shape routes.

    Both from the main depot, on the faces release chose, over whole orders
    (split over trips only where a cart is too small).
    """
    optimal = pts.route_cost(RoutingMethod.OPTIMAL, None)
    rect = isinstance(problem.layout, RectangularLayout)
    sshape = pts.route_cost(RoutingMethod.S_SHAPE, None) if rect else optimal
    whole = [p for rank, o in enumerate(orders)
             for p in split_parts(o, rank, parts_by_order[o.order_id], problem, by_zone=False)]
    single = 0.0
    for o in orders:
        single += optimal(frozenset(pts.of(t.location_id) for t in parts_by_order[o.order_id]))
    if not whole:
        return Baselines(single, 0.0), ""
    arrival = sorted(range(len(whole)), key=lambda i: (orders[whole[i].rank].created_at, whole[i].rank))
    bp = _batching_problem(whole, pts, problem.config.cart)
    fc = sum(sshape(frozenset(q for i in b for q in bp.points[i])) for b in first_come(bp, arrival))
    note = "" if rect else "graph layout: the first-come baseline uses the best routes found, not S-shape"
    return Baselines(single, fc), note


@dataclass(frozen=True, slots=True)
class WavePrep:
    """Everything :func:`plan_group` and :func:`assemble_plan` need, after release; picklable.

    Attributes
    ----------
    problem
        The wave.
    release
        Released and held orders, their takes and cartons, and the stock left over.
    points
        Pick positions of every stock location (complete: no stage adds one).
    parts
        The released orders' parts, in rank order.
    groups
        Part indices of each group solved apart: one per zone under ``zone``, a
        wave (or zone) of more than :data:`REGION_ITEMS` parts cut into aisle
        regions, else one group.
    zone_ids
        Each group's zone (``None`` outside method ``zone``).
    params
        Each group's batching parameters: its share of the iterations (or of the
        search time, for ``workers`` processes at once).
    faces_s
        Seconds of the reserve each group may spend re-choosing faces (read only
        without ``max_iterations``).
    independent
        True when no two groups can draw on the same face (distinct zones), so
        :func:`plan_group` re-chooses faces and routes; otherwise faces are
        re-chosen in group order by :func:`assemble_plan`, as one ledger serves them all.
    zone_note
        Note on stock outside every zone (empty when none).
    prep_s
        Seconds :func:`prepare_wave` took.
    """

    problem: WaveProblem
    release: Release
    points: _Points
    parts: tuple[Part, ...]
    groups: tuple[tuple[int, ...], ...]
    zone_ids: tuple[str | None, ...]
    params: tuple[BatchingParams, ...]
    faces_s: tuple[float, ...]
    independent: bool
    zone_note: str
    prep_s: float


@dataclass(frozen=True, slots=True)
class GroupPlan:
    """One group's trips: parts per batch (faces re-chosen when the groups are independent).

    ``batches`` are sorted by their first rank; ``routes`` (one per batch, the
    final routes) are empty when faces are left to :func:`assemble_plan`.
    ``stats`` is the group's batching search, ``None`` under ``single``.
    """

    index: int
    batches: tuple[tuple[Part, ...], ...]
    routes: tuple[Route, ...]
    stats: BatchingResult | None
    runtime_s: float


def prepare_wave(
    problem: WaveProblem,
    workers: int = 1,
    *,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    defer_packing: bool = False,
    group_workers: int | None = None,
    started: float | None = None,
) -> WavePrep:
    """Release, packing, parts, and the partition of the parts into groups solved apart.

    With ``defer_packing`` release decides ``no_box_fits`` holds without packing
    (the same holds) and the released orders' cartons are left empty: the caller
    packs them while the groups are batched (as :func:`plan_wave` does on big waves).

    ``workers`` processes pack the wave; the groups' search time is shared so
    that ``workers`` processes running them at once stay within the budget
    (with ``config.max_iterations`` set the iterations are shared by part count,
    whatever ``workers``). ``group_workers``, when given, replaces ``workers``
    in that share: the groups' processes are not this one's (mapped Airflow
    tasks). ``started`` (a ``clock()`` reading) counts the budget from an
    earlier moment, e.g. the start of the process. O(orders * lines) plus packing.
    """
    t0 = clock() if started is None else started
    cfg, layout = problem.config, problem.layout
    _check(problem)
    if progress is not None:
        progress("release", 0.0)
    if not isinstance(layout, RectangularLayout):
        warm_graph_routing()  # compiled kernels loaded before the budget is shared out
    pts = _Points(layout)
    stock, zone_note = _zoned_stock(problem)
    ledger = StockLedger(stock, _depot_distances(layout, [r.location_id for r in stock],
                                                 cfg.method is Method.ZONE).get)
    for r in stock:  # every face a pick may use, so that the route scorers' point tables are complete
        pts.of(r.location_id)
    packer = _fit_checker(problem) if defer_packing else _packer(problem, workers)
    rel: Release = release(problem.orders, problem.held, problem.skus, ledger, cfg, packer)
    if cfg.labour is not None:  # SPEC section 8's horizon: orders that can wait are held `later`
        alone = pts.route_cost(RoutingMethod.OPTIMAL, None)
        rel = hold_later(rel, cfg, lambda takes: alone(frozenset(pts.of(t.location_id) for t in takes)))
    by_zone = cfg.method is Method.ZONE
    parts = [p for rank, o in enumerate(rel.released)
             for p in split_parts(o, rank, rel.takes[o.order_id], problem, by_zone)]
    # Groups solved apart: one per zone, and a huge wave (or zone) cut into aisle regions.
    groups: list[tuple[int, ...]] = []
    zone_ids: list[str | None] = []
    for z in sorted({p.zone for p in parts}):
        members = [i for i, p in enumerate(parts) if p.zone == z]
        regions = -(-len(members) // REGION_ITEMS)
        cuts = ([np.arange(len(members))] if regions <= 1 else
                partition_by_keys(_batching_problem([parts[i] for i in members], pts, cfg.cart), regions))
        for idx in cuts:
            groups.append(tuple(members[int(i)] for i in idx))
            zone_ids.append((z or None) if by_zone else None)
    # Budget: what is left of time_limit_s, minus a reserve for faces, final routes and baselines.
    per_part = RESERVE_PER_PART_S if isinstance(layout, RectangularLayout) else GRAPH_RESERVE_PER_PART_S
    reserve = min(RESERVE_SHARE * cfg.time_limit_s, 0.5 + per_part * len(parts))
    time_left = cfg.time_limit_s - (clock() - t0) - reserve
    sizes = [len(g) for g in groups]
    sharing = workers if group_workers is None else group_workers
    params = tuple(group_shares(sizes, _params(problem, len(parts), time_left), sharing)) if groups else ()
    total = max(1, len(parts))
    independent = len(groups) <= 1 or (by_zone and len(set(zone_ids)) == len(zone_ids))
    return WavePrep(problem, rel, pts, tuple(parts), tuple(groups), tuple(zone_ids), params,
                    tuple(reserve / 2 * n / total for n in sizes), independent, zone_note, clock() - t0)


def joint_faces(layout: Layout, routing: RoutingMethod) -> bool:
    """Whether each batch's faces are chosen together with its route (:func:`choose_faces`):
    rectangular layouts of up to :data:`FACES_MAX_BLOCKS` blocks with ``optimal`` routing."""
    return (isinstance(layout, RectangularLayout) and layout.blocks <= FACES_MAX_BLOCKS
            and routing is RoutingMethod.OPTIMAL)


def _rechoose(prep: WavePrep, index: int, batches: Sequence[Sequence[Part]], ledger: StockLedger,
              cache: RouteCache, until: float | None, clock: Callable[[], float]) -> list[tuple[Part, ...]]:
    """Faces re-chosen per batch, in batch order, from the stock left in ``ledger``.

    Past ``until`` batches keep the faces release chose (valid, only less short).
    """
    layout, zid = prep.problem.layout, prep.zone_ids[index]
    by_zone = prep.problem.config.method is Method.ZONE

    def allowed(loc: str) -> bool:
        return not by_zone or layout.zone_of(loc) == zid

    joint = joint_faces(layout, prep.problem.config.routing)
    pts = prep.points

    def solve(problem: FaceProblem) -> FaceChoice:
        # with max_iterations set (until None) the choice must not depend on the clock
        limit = FACES_TIME_S if until is None else max(0.01, min(FACES_TIME_S, until - clock()))
        return solve_faces(layout, problem, RoutingParams(time_limit_s=limit), zid, deterministic=until is None)

    out: list[tuple[Part, ...]] = []
    for members in batches:
        if until is not None and clock() > until:
            out.append(tuple(members))
            continue
        if joint:
            chosen = choose_faces([p.takes for p in members], ledger, lambda loc: pts.points[pts.of(loc)], solve,
                                  allowed)
            out.append(tuple(dataclasses.replace(p, takes=tuple(c)) for p, c in zip(members, chosen, strict=True)))
            continue
        new = rechoose_faces([t for p in members for t in p.takes], ledger, prep.points.of, cache, allowed)
        it = iter(new)
        out.append(tuple(dataclasses.replace(p, takes=tuple(next(it) for _ in p.takes)) for p in members))
    return out


def _members_at(prep: WavePrep, members: Sequence[Part]) -> tuple[list[Part], dict[int, set[str]]]:
    """A batch's parts in tote order, and the locations at each of its points."""
    ordered = sorted(members, key=lambda p: (p.rank, p.takes[0].location_id))
    locs_at: dict[int, set[str]] = {}
    for p in ordered:
        for t in p.takes:
            locs_at.setdefault(prep.points.of(t.location_id), set()).add(t.location_id)
    return ordered, locs_at


def _route_batches(prep: WavePrep, zone_ids: Sequence[str | None], batches: Sequence[Sequence[Part]],
                   workers: int, budget_s: float) -> list[Route]:
    """Final routes; each may take ``budget_s / batches`` (without ``max_iterations``).

    The cap binds where a route's exact search can run long (graph layouts, 6+
    blocks). With ``max_iterations`` the routes keep their fixed work budgets
    (the plan then does not depend on the clock) under the default cap.
    """
    cfg, pts = prep.problem.config, prep.points
    cap = RoutingParams().time_limit_s if cfg.max_iterations is not None else \
        max(0.05, budget_s / max(1, len(batches)))
    rparams = RoutingParams(method=cfg.routing, seed=max(cfg.seed, 0), time_limit_s=cap)
    jobs = [([pts.points[i] for i in sorted(_members_at(prep, m)[1])], z)
            for m, z in zip(batches, zone_ids, strict=True)]
    return route_many(prep.problem.layout, jobs, rparams, workers)


def plan_group(
    prep: WavePrep,
    index: int,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> GroupPlan:
    """Batch group ``index`` of ``prep``; re-choose its faces and route it when groups are independent.

    Group ``k`` is searched with seed ``config.seed + k`` and its share of the
    budget (``prep.params[k]``), so the result does not depend on which process
    runs it or on the other groups. ``workers`` processes route its batches.
    With ``config.max_iterations`` set the clock is never read for the plan.
    """
    t0 = clock()
    cfg, layout = prep.problem.config, prep.problem.layout
    parts = [prep.parts[i] for i in prep.groups[index]]
    zid = prep.zone_ids[index]
    cache = prep.points.route_cost(scoring_method(layout, cfg.routing), zid)
    stats: BatchingResult | None = None
    if cfg.method is Method.SINGLE:
        batches: list[tuple[Part, ...]] = [(p,) for p in parts]
    else:
        total = max(1, len(prep.parts))
        base = sum(len(g) for g in prep.groups[:index])

        def scaled(stage: str, frac: float) -> None:
            if progress is not None:
                progress(stage, (base + frac * len(parts)) / total)

        bp = _batching_problem(parts, prep.points, cfg.cart)
        if cfg.labour is not None:  # trips against the clock, from the distance batching (kept in stats)
            trips, stats = batch_group(parts, bp, cache, cfg, prep.release.released, prep.params[index],
                                       cfg.seed + index, clock)
        else:
            stats = solve_batching(bp, cache, prep.params[index], cfg.seed + index, scaled if progress else None,
                                   clock)
            trips = list(stats.batches)
        batches = [tuple(parts[i] for i in b) for b in trips]
    routes: tuple[Route, ...] = ()
    if prep.independent:
        # The ledger is a copy: distinct zones never draw on the same face, so no other group's
        # faces change what this one may take.
        ledger = copy.deepcopy(prep.release.ledger)
        until = None if cfg.max_iterations is not None else clock() + prep.faces_s[index]
        batches = _rechoose(prep, index, batches, ledger, cache, until, clock)
        batches.sort(key=lambda m: min(p.rank for p in m))
        routes = tuple(_route_batches(prep, [zid] * len(batches), batches, workers, prep.faces_s[index]))
    return GroupPlan(index, tuple(batches), routes, stats, clock() - t0)


def assemble_plan(
    prep: WavePrep,
    groups: Sequence[GroupPlan],
    *,
    workers: int = 1,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    started: float | None = None,
) -> Plan:
    """The plan from its groups: batch ids in group then first-rank order, picks, baselines, summary.

    ``groups`` are :func:`plan_group` of every group of ``prep`` (any order).
    When the groups share stock, faces are re-chosen here in group order and the
    batches routed over ``workers`` processes. ``summary.runtime_s`` is
    ``clock() - started`` when given, else the seconds the stages took summed.
    """
    t0 = clock()
    problem, rel, pts = prep.problem, prep.release, prep.points
    cfg, layout = problem.config, problem.layout
    by_index = {g.index: g for g in groups}
    if sorted(by_index) != list(range(len(prep.groups))):
        raise ValueError(f"need one GroupPlan per group 0..{len(prep.groups) - 1}, got {sorted(by_index)}")
    ordered = [by_index[k] for k in range(len(prep.groups))]
    final: list[tuple[int, tuple[Part, ...]]] = []
    routes: list[Route] = []
    if prep.independent:
        for g in ordered:
            final.extend((g.index, m) for m in g.batches)
            routes.extend(g.routes)
    else:
        ledger = copy.deepcopy(rel.ledger)
        until = None if cfg.max_iterations is not None else t0 + sum(prep.faces_s)
        for g in ordered:
            cache = pts.route_cost(scoring_method(layout, cfg.routing), prep.zone_ids[g.index])
            chosen = _rechoose(prep, g.index, g.batches, ledger, cache, until, clock)
            chosen.sort(key=lambda m: min(p.rank for p in m))
            final.extend((g.index, m) for m in chosen)
        routes = _route_batches(prep, [prep.zone_ids[k] for k, _ in final], [m for _, m in final], workers,
                                sum(prep.faces_s))
    results = [g.stats for g in ordered if g.stats is not None]
    if cfg.method is Method.SINGLE:
        stats = SearchStats(0.0, 0.0, 0, 0, "single")
    elif results:
        stats = SearchStats(
            sum(r.construction_cost for r in results), sum(r.descent_cost for r in results),
            sum(r.iterations for r in results), sum(r.evaluations for r in results), results[0].stopped_by)
    else:
        stats = SearchStats(0.0, 0.0, 0, 0, "empty")

    def report(stage: str, frac: float) -> None:
        if progress is not None:
            progress(stage, frac)

    report("routes", 0.0)
    spread: dict[str, int] = {}
    for _, members in final:
        for p in members:
            spread[p.order_id] = spread.get(p.order_id, 0) + 1
    consolidation_ids: dict[str, str] = {}
    for o in rel.released:
        if spread.get(o.order_id, 0) > 1:
            consolidation_ids[o.order_id] = f"C{len(consolidation_ids) + 1:04d}"
    batches: list[Batch] = []
    consolidation: dict[str, list[str]] = {}
    for n, ((k, members), route) in enumerate(zip(final, routes, strict=True), start=1):
        batch_id = f"B{n:04d}"
        zid = prep.zone_ids[k]
        tote_order, locs_at = _members_at(prep, members)
        index_of = {pts.points[i]: i for i in locs_at}
        stops = tuple(loc for pt in route.stops for loc in sorted(locs_at[index_of[pt]]))
        stop_no = {loc: s for s, loc in enumerate(stops, start=1)}
        picks: list[Pick] = []
        tote = 1  # totes numbered per trip from 1; a part with cart.tote loads takes several
        for p in tote_order:
            labels = [str(tote + k) for k in range(p.tote_count)]
            tote += p.tote_count
            if p.order_id in consolidation_ids:
                labels = [f"{lab}/{consolidation_ids[p.order_id]}" for lab in labels]
                consolidation.setdefault(consolidation_ids[p.order_id], []).append(batch_id)
            if p.totes:
                picks.extend(Pick(stop_no[loc], loc, sku, q, p.order_id, labels[k])
                             for loc, sku, q, k in tote_rows(p.takes, p.totes))
                continue
            qty: dict[tuple[str, str], int] = {}
            for t in p.takes:
                qty[(t.location_id, t.sku)] = qty.get((t.location_id, t.sku), 0) + t.qty
            picks.extend(Pick(stop_no[loc], loc, sku, q, p.order_id, labels[0]) for (loc, sku), q in qty.items())
        picks.sort(key=lambda k: (k.stop, int(k.tote.split("/")[0]), k.sku))
        distance = layout.route_length([layout.point(loc) for loc in stops], zid)
        batches.append(Batch(batch_id, zid or "", tuple(dict.fromkeys(p.order_id for p in tote_order)), stops,
                             tuple(picks), distance, route.proven, sum(p.weight_kg for p in tote_order),
                             sum(p.volume_l for p in tote_order)))
        report("routes", n / len(final))

    report("baselines", 0.0)
    initial = {oid: list(t) for oid, t in rel.takes.items()}
    baselines, base_note = _baselines(initial, rel.released, problem, pts)
    report("baselines", 1.0)

    held_by: dict[str, int] = {}
    for h in rel.held:
        held_by[str(h.reason)] = held_by.get(str(h.reason), 0) + 1
    notes = (_notes(cfg.method, bool(consolidation_ids), base_note, joint_faces(layout, cfg.routing))
             + ((prep.zone_note,) if prep.zone_note else ()))
    total = sum(b.distance_m for b in batches)
    runtime = (clock() - started if started is not None else
               prep.prep_s + sum(g.runtime_s for g in ordered) + clock() - t0)
    summary = PlanSummary(
        wave_id=problem.wave_id, method=cfg.method,
        orders_in=len(problem.orders) + len(problem.held), released=len(rel.released),
        held_by_reason=held_by,
        lines=sum(len(o.quantities()) for o in rel.released),
        units=sum(o.units for o in rel.released),
        batches=len(batches), picks=sum(len(b.picks) for b in batches),
        split_orders=len(consolidation_ids), distance_m=total,
        proven_routes=sum(b.proven for b in batches), baselines=baselines, search=stats,
        runtime_s=runtime, config=config_to_mapping(cfg), notes=notes,
        consolidation={c: tuple(dict.fromkeys(v)) for c, v in consolidation.items()},
        warnings=tuple(str(w) for w in problem.warnings),
    )
    cartons = tuple(rel.packs[o.order_id] for o in rel.released)
    log.info("wave %s: %d orders in %d batches, %.1f m", problem.wave_id, len(rel.released), len(batches), total)
    labour = _labour(prep, ordered, batches) if cfg.labour is not None else None
    return Plan(problem.wave_id, cfg.method, tuple(batches), cartons, rel.held, summary, labour)


def _labour(prep: WavePrep, groups: Sequence[GroupPlan], batches: Sequence[Batch]) -> LabourPlan:
    """Schedule and promises of the final trips, with SPEC section 8's two baselines on the same orders."""
    problem, rel, pts = prep.problem, prep.release, prep.points
    optimal = pts.route_cost(RoutingMethod.OPTIMAL, None)
    orders = rel.released
    whole = [p for rank, o in enumerate(orders)
             for p in split_parts(o, rank, rel.takes[o.order_id], problem, by_zone=False)]
    arrival = sorted(range(len(whole)), key=lambda i: (orders[whole[i].rank].created_at, whole[i].rank))
    fc = ([[whole[i] for i in b] for b in first_come(_batching_problem(whole, pts, problem.config.cart), arrival)]
          if whole else [])
    dist = [[prep.parts[prep.groups[g.index][i]] for i in b] for g in groups if g.stats is not None
            for b in g.stats.batches]
    if problem.config.method is Method.SINGLE:
        dist = [[p] for p in prep.parts]
    base = {"first_come_edd": (fc, optimal, pts.of), "distance_only_edd": (dist, optimal, pts.of)}
    held_later = sum(h.reason == "later" for h in rel.held)
    return labour_plan(problem.config, orders, batches, base, held_later)


def plan_wave(
    problem: WaveProblem,
    progress: Progress | None = None,
    *,
    pack_workers: int = 1,
    clock: Callable[[], float] = time.monotonic,
    started: float | None = None,
) -> Plan:
    """Plan one wave: who is released, which trips, which faces, which routes.

    :func:`prepare_wave`, then :func:`plan_group` for each group (one after
    another, or over ``pack_workers`` processes), then :func:`assemble_plan`.

    Parameters
    ----------
    problem
        The wave's data and config.
    progress
        Called with ``(stage, fraction)``; stages ``release``, ``construction``,
        ``search``, ``routes``, ``baselines``.
    pack_workers
        Processes for packing, for batching zones and aisle regions (a wave of
        more than :data:`REGION_ITEMS` parts is cut into regions) and for the
        final routes. With ``config.max_iterations`` set the plan does not
        depend on it.
    clock
        Seconds as a float (for the time budget; never read for the search when
        ``config.max_iterations`` is set).
    started
        A ``clock()`` reading from which ``time_limit_s`` counts (default: now);
        the command line passes the start of its process, so that reading the
        inputs and loading the libraries come out of the budget too.

    Returns
    -------
    Plan
        Deterministic for the same problem when ``config.max_iterations`` is set
        (except ``summary.runtime_s``).
    """
    t0 = clock() if started is None else started
    # On a big wave with a spare core, the cartons are packed in a process of their own while
    # the groups are batched, so packing does not eat the search's time (same cartons either way).
    overlap = pack_workers > 1 and sum(o.payment_status in problem.config.release_payment_statuses
                                       for o in problem.orders) >= OVERLAP_PACKING_ORDERS
    prep = prepare_wave(problem, pack_workers, progress=progress, clock=clock, defer_packing=overlap, started=t0)
    n = len(prep.groups)
    with contextlib.ExitStack() as stack:
        packing: Future[list[PackResult]] | None = None
        if overlap:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=1, initializer=die_with_parent))
            packing = pool.submit(pack_orders, [(o.order_id, o.quantities()) for o in prep.release.released],
                                  problem.skus, problem.boxes, packing_params(problem.config), 1)
        if pack_workers > 1 and n > 1:
            if progress is not None:
                progress("construction", 0.0)
            groups = plan_groups(plan_group, prep, range(n), pack_workers)
            if progress is not None:
                progress("search", 1.0)
        else:
            groups = [plan_group(prep, k, workers=pack_workers, progress=progress, clock=clock) for k in range(n)]
        if packing is not None:
            packs = {r.order_id: r for r in packing.result()}
            prep = dataclasses.replace(prep, release=dataclasses.replace(prep.release, packs=packs))
    return assemble_plan(prep, groups, workers=pack_workers, progress=progress, clock=clock, started=t0)


def _notes(method: Method, consolidated: bool, base_note: str, joint: bool) -> tuple[str, ...]:
    notes = {
        Method.SINGLE: "single: one order per trip (an order too large for the cart takes several trips)",
        Method.BATCH: "batch: each trip picks in bulk per SKU; one picklist row per order served, "
                      "tote = the order's sort slot at the pack station",
        Method.CLUSTER: "cluster: each order of a trip goes into its own tote on the cart (tote column)",
        Method.ZONE: "zone: each zone is picked from its own depot by its own picker; an order spanning "
                     "zones is split into one part per zone",
    }
    out = [notes[method],
           ("faces: each trip's faces are chosen together with its route (the shortest pair, proven where "
            "the route is), among faces with stock left; a line may be split over faces" if joint else
            "faces: each line is taken from the face that shortens its trip most, among faces with stock left"),
           "baselines: same released orders, faces as released, main depot, whole orders per tote"]
    if consolidated:
        out.append("tote '<n>/<Cxxxx>': tote n of this cart; the order's parts from several trips meet at "
                   "consolidation slot Cxxxx (see 'consolidation': slot -> batches)")
    if base_note:
        out.append(base_note)
    return tuple(out)


__all__ = ["GroupPlan", "Part", "WavePrep", "assemble_plan", "plan_group", "plan_wave", "prepare_wave",
           "scoring_method", "split_parts"]
