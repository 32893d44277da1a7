"""The wave pipeline: release, split, batch, choose faces, route, explain.

:func:`plan_wave` is the one-call entry point; it runs three stages that may
also run apart (the Airflow DAG maps the middle one over its workers), with
frozen, picklable data between them:

- :func:`prepare_wave` -> :class:`WavePrep`: steps 1-2 and the partition of
  the parts into groups planned apart (zones, aisle regions, else one group);
- :func:`plan_group` -> :class:`GroupPlan`: steps 3-5 for one group;
- :func:`assemble_plan` -> :class:`Plan`: batch ids, picks, step 6.

The stages live in their own modules: the parts of orders and pick points in
:mod:`engine.wave.parts`, one group's plan in :mod:`engine.wave.groups`, the
assembly in :mod:`engine.wave.assemble`; this module prepares the wave, runs
the three in one call (:func:`plan_wave`) and re-exports their names.

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
``min(RESERVE_SHARE * limit, 0.5 s + RESERVE_PER_PART_S * parts)``
(``REGION_RESERVE_PER_PART_S`` for a wave cut into aisle regions whose faces
are re-chosen one line at a time); faces are re-chosen while half of that
reserve lasts, the rest is for final routes and baselines. A slow packing step
therefore shortens the search; it cannot be shortened itself. On a big wave
(:data:`OVERLAP_PACKING_ORDERS`) with two or more workers the cartons are
packed in a process of its own at lower priority (:data:`PACKING_NICE`) beside
the search, and asked for only after the baselines: the search keeps its
cores, the packing takes those the faces and baselines leave.

Zones: under ``zone`` a picker never leaves its zone, so stock at locations
outside every zone is not allocated at all; an order needing it is held
``short_stock`` and the summary's notes say how many units were left out.
The baselines are measured from the main depot over whole orders.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from engine.batching import BatchingParams, Construction
from engine.batching.zones import group_shares, partition_by_keys
from engine.errors import InputError, Problem
from engine.layout import Layout, RectangularLayout
from engine.lifetime import die_with_parent
from engine.model import Method, Order, RoutingMethod, StockRecord
from engine.packing import PackResult, no_fit_holds, pack_orders, packing_params
from engine.wave.allocation import StockLedger
from engine.wave.assemble import (  # noqa: F401 (re-exported: the pipeline's names stay importable)
    _baselines,
    _labour,
    _lower_bound,
    _notes,
    assemble_plan,
)
from engine.wave.groups import (  # noqa: F401 (re-exported: the pipeline's names stay importable)
    FACES_MAX_BLOCKS,
    FACES_TIME_S,
    JOINT_FACES_MAX_BATCHES,
    GroupPlan,
    Progress,
    WavePrep,
    _members_at,
    _rechoose,
    _route_batches,
    joint_faces,
    plan_group,
)
from engine.wave.labour import hold_later
from engine.wave.parallel import plan_groups
from engine.wave.parts import (  # noqa: F401 (re-exported: the pipeline's names stay importable)
    COMPILED_BLOCKS,
    EXACT_SCORING_BLOCKS,
    Part,
    _batching_problem,
    _Points,
    scoring_method,
    split_parts,
)
from engine.wave.plan import Plan
from engine.wave.problem import WaveProblem
from engine.wave.release import Release, release
from engine.wave.warm import for_wave as warm_kernels

log = logging.getLogger(__name__)


#: Items per aisle region: a bigger wave (or zone) is cut into regions batched apart (and in parallel).
REGION_ITEMS = 5000
#: Paid orders from which :func:`plan_wave` packs in a process of its own, alongside batching.
OVERLAP_PACKING_ORDERS = 2000
#: Niceness added to the packing process of a big wave (it runs beside the batching search, which has a deadline).
PACKING_NICE = 5
#: Most of the time limit a wave keeps back from the search for faces, final routes and baselines.
RESERVE_SHARE = 0.3
#: Reserve per part (seconds): faces, final route and baselines cost about this much per order.
RESERVE_PER_PART_S = 0.0015
#: The same on a wave cut into aisle regions whose faces are re-chosen one line at a time (too many batches
#: for the joint choice): on the 10,000-order scale wave (8,953 parts, 1,136 batches) faces, final routes and
#: baselines take 0.44 + 0.30 + 0.77 s of CPU, 5-7 s of wall with the route workers and the packing tail (8.6 s kept).
REGION_RESERVE_PER_PART_S = 0.0009
#: The same on graph layouts, where a final route (local search, then a proof attempt) costs more.
GRAPH_RESERVE_PER_PART_S = 0.01


def _packing_worker() -> None:
    """Initializer of the process that packs a big wave beside the batching: lower priority than the search.

    The search has a deadline and the packing none (its cartons are asked for
    last, see :func:`assemble_plan`), so on a busy machine the packing takes
    the cores the search leaves (the faces, the baselines) instead of theirs.
    """
    die_with_parent()
    with contextlib.suppress(OSError):
        os.nice(PACKING_NICE)


def _cartons(packing: Future[list[PackResult]]) -> Callable[[], dict[str, PackResult]]:
    """The cartons of a packing process, by order id, waited for when asked."""
    return lambda: {r.order_id: r for r in packing.result()}


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


def _params(problem: WaveProblem, n: int, time_left: float) -> BatchingParams:
    cfg = problem.config
    # Fewer savings pairs on big waves so construction stays a small share of the budget.
    neighbours = 10 if n <= 30000 else 5
    return BatchingParams(time_limit_s=max(time_left, 0.05), max_iterations=cfg.max_iterations,
                          construction=Construction.SAVINGS, savings_neighbours=neighbours)


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
    joint = joint_faces(layout, cfg.routing) and len(parts) <= JOINT_FACES_MAX_BATCHES * max(1, cfg.cart.totes)
    # compiled kernels loaded (compiled, on an empty cache) before the budget is shared out: inside the clock
    defaults = BatchingParams()
    warm_kernels(layout, joint_faces=joint, pricing=cfg.method is not Method.SINGLE and defaults.set_partitioning
                  and any(2 <= len(g) <= defaults.partition_max_items for g in groups))
    independent = len(groups) <= 1 or (by_zone and len(set(zone_ids)) == len(zone_ids))
    # Budget: what is left of time_limit_s, minus a reserve for faces, final routes and baselines.
    per_part = (GRAPH_RESERVE_PER_PART_S if not isinstance(layout, RectangularLayout) else
                RESERVE_PER_PART_S if joint or independent else REGION_RESERVE_PER_PART_S)
    reserve = min(RESERVE_SHARE * cfg.time_limit_s, 0.5 + per_part * len(parts))
    time_left = cfg.time_limit_s - (clock() - t0) - reserve
    sizes = [len(g) for g in groups]
    sharing = workers if group_workers is None else group_workers
    params = tuple(group_shares(sizes, _params(problem, len(parts), time_left), sharing)) if groups else ()
    total = max(1, len(parts))
    return WavePrep(problem, rel, pts, tuple(parts), tuple(groups), tuple(zone_ids), params,
                    tuple(reserve / 2 * n / total for n in sizes), independent, zone_note, clock() - t0)


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
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=1, initializer=_packing_worker))
            packing = pool.submit(pack_orders, [(o.order_id, o.quantities()) for o in prep.release.released],
                                  problem.skus, problem.boxes, packing_params(problem.config), 1)
        if pack_workers > 1 and n > 1:
            if progress is not None:
                progress("construction", 0.0)
            groups = plan_groups(plan_group, prep, range(n), pack_workers)
            if progress is not None:
                progress("search", 1.0)
        else:
            # one after another: group k's search ends by the sum of the shares so far (with the earlier groups'
            # reserve for faces and routes when they are routed here), whatever the others took
            t1 = clock()
            ends = np.cumsum([p.time_limit_s for p in prep.params]).tolist()
            if prep.independent:
                ends = [e + 2 * sum(prep.faces_s[:k]) for k, e in enumerate(ends)]
            groups = [plan_group(prep, k, workers=pack_workers, progress=progress, clock=clock,
                                 deadline=None if problem.config.max_iterations is not None else t1 + ends[k])
                      for k in range(n)]
        # the cartons are asked for last: the packing goes on while faces, routes and baselines are made
        packs = None if packing is None else _cartons(packing)
        return assemble_plan(prep, groups, workers=pack_workers, progress=progress, clock=clock, started=t0,
                             packs=packs)


__all__ = ["GroupPlan", "Part", "WavePrep", "assemble_plan", "plan_group", "plan_wave", "prepare_wave",
           "scoring_method", "split_parts"]
