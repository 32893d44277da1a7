"""The last stage of a wave: the Plan from its groups (batch ids, picks, consolidation, baselines, summary).

Split out of :mod:`engine.wave.pipeline`, which re-exports :func:`assemble_plan`.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Mapping, Sequence

from engine.batching import BatchingResult, first_come
from engine.io.config import config_to_mapping
from engine.layout import RectangularLayout
from engine.model import Method, Order, RoutingMethod
from engine.packing.result import PackResult
from engine.routing import Route
from engine.wave.allocation import Take
from engine.wave.groups import GroupPlan, Progress, WavePrep, _members_at, _rechoose, _route_batches, joint_faces
from engine.wave.labour import labour_plan
from engine.wave.parts import Part, _batching_problem, _Points, scoring_method, split_parts
from engine.wave.plan import Baselines, Batch, Pick, Plan, PlanSummary, SearchStats
from engine.wave.problem import WaveProblem
from engine.wave.schedule import LabourPlan
from engine.wave.totes import tote_rows

log = logging.getLogger(__name__)


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
    fc = sum(sshape(bp.trip_points(b)) for b in first_come(bp, arrival))
    note = "" if rect else "graph layout: the first-come baseline uses the best routes found, not S-shape"
    return Baselines(single, fc), note


def assemble_plan(
    prep: WavePrep,
    groups: Sequence[GroupPlan],
    *,
    workers: int = 1,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    started: float | None = None,
    packs: Callable[[], Mapping[str, PackResult]] | None = None,
) -> Plan:
    """The plan from its groups: batch ids in group then first-rank order, picks, baselines, summary.

    ``groups`` are :func:`plan_group` of every group of ``prep`` (any order).
    When the groups share stock, faces are re-chosen here in group order and the
    batches routed over ``workers`` processes. ``summary.runtime_s`` is
    ``clock() - started`` when given, else the seconds the stages took summed.
    ``packs``, when given, gives the released orders' cartons (packed elsewhere,
    e.g. in a process of its own): it is called last, after the baselines, so
    that the packing may go on while the faces, routes and baselines are made.
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
    lower = _lower_bound(prep, results)
    packed = rel.packs if packs is None else packs()
    cartons = tuple(packed[o.order_id] for o in rel.released)
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
        warnings=tuple(str(w) for w in problem.warnings), lower_bound_m=lower,
    )
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
    staffed = [g for g in groups if g.staffing is not None]
    witness = [([prep.parts[prep.groups[g.index][i]].order_id for i in trip], d) for g in staffed
               if g.staffing is not None and g.staffing.needed is not None
               for trip, d in zip(g.staffing.trips, g.staffing.durations, strict=True)]
    if any(g.staffing is not None and g.staffing.needed is None for g in staffed):
        witness = []  # a group has no punctual plan at any count: neither has the wave
    profiles = [g.staffing.profile for g in staffed if g.staffing is not None]
    return labour_plan(problem.config, orders, batches, base, held_later, witness, profiles)


def _lower_bound(prep: WavePrep, results: Sequence[BatchingResult]) -> float | None:
    """The batching search's proven bound when it bounds the plan: one group (or zones), one face per SKU.

    With a choice of faces the final routes may use other faces than those the
    bound was proven on, and aisle regions restrict the batching, so then none.
    """
    cfg = prep.problem.config
    if cfg.method is Method.SINGLE or not results or any(r.lower_bound is None for r in results):
        return None
    if len(prep.groups) > 1 and not (cfg.method is Method.ZONE and prep.independent):
        return None
    faces: dict[str, int] = {}
    for r in prep.problem.stock:
        if r.qty > 0:
            faces[r.sku] = faces.get(r.sku, 0) + 1
    if any(faces.get(t.sku, 0) > 1 for p in prep.parts for t in p.takes):
        return None
    return float(sum(r.lower_bound for r in results if r.lower_bound is not None))


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
           ("faces: each trip's faces are chosen together with its route (an exact search, cut short by "
            "its time or work budget), among faces with stock left; a line may be split over faces; "
            "proven_routes counts routes proven shortest through the faces chosen, not proofs that no other "
            "faces give a shorter trip"
            if joint else
            "faces: each line is taken from the face that shortens its trip most, among faces with stock left"),
           "baselines: same released orders, faces as released, main depot, whole orders per tote"]
    if consolidated:
        out.append("tote '<n>/<Cxxxx>': tote n of this cart; the order's parts from several trips meet at "
                   "consolidation slot Cxxxx (see 'consolidation': slot -> batches)")
    if base_note:
        out.append(base_note)
    return tuple(out)
