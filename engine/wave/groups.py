"""The middle stage of a wave: one group (a zone or an aisle region) batched, its faces re-chosen, routed.

:class:`WavePrep` (what :func:`engine.wave.pipeline.prepare_wave` gives) and
:class:`GroupPlan` (what :func:`plan_group` gives) are the frozen objects
between the stages; :mod:`engine.wave.parallel` and the Airflow DAG run
:func:`plan_group` apart. Split out of :mod:`engine.wave.pipeline`, which re-exports these names.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.batching import BatchingParams, BatchingResult, RouteCache
from engine.batching import solve as solve_batching
from engine.layout import Layout, RectangularLayout
from engine.model import Method, RoutingMethod
from engine.routing import Route, RoutingParams
from engine.routing.faces import FaceChoice, FaceProblem, quick_faces, solve_faces
from engine.scheduling.clock import trip_duration
from engine.scheduling.staffing import Staffing
from engine.wave import face_trips
from engine.wave.allocation import StockLedger, choose_faces, rechoose_faces
from engine.wave.labour import batch_group, pick_rows
from engine.wave.parallel import route_many
from engine.wave.parts import Part, _batching_problem, _Points, scoring_method
from engine.wave.problem import WaveProblem
from engine.wave.release import Release

Progress = Callable[[str, float], None]


#: Rectangular layouts up to this many blocks choose each batch's faces with its route (exact there).
FACES_MAX_BLOCKS = 5


#: Most seconds the joint face and route choice of one batch may take.
FACES_TIME_S = 1.0
#: Most batches of one group whose faces are chosen jointly with the route (more: one line at a time).
JOINT_FACES_MAX_BATCHES = 200


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
    ``stats`` is the group's batching search, ``None`` under ``single``;
    ``staffing`` the group's fewest pickers (its trips as indices into the
    group's parts) when the wave plans against the clock.
    """

    index: int
    batches: tuple[tuple[Part, ...], ...]
    routes: tuple[Route, ...]
    stats: BatchingResult | None
    runtime_s: float
    staffing: Staffing | None = None


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

    # Past JOINT_FACES_MAX_BATCHES the one-line re-choice: on the 10,000-order scale wave (1,136 batches)
    # the joint choice under the faces reserve planned 714,046 m against 625,706 m (benchmarks.scale).
    joint = joint_faces(layout, prep.problem.config.routing) and len(batches) <= JOINT_FACES_MAX_BATCHES
    pts = prep.points
    left = len(batches)

    def solve(problem: FaceProblem) -> FaceChoice:
        # with max_iterations set (until None) the choice must not depend on the clock
        if until is None:
            return solve_faces(layout, problem, RoutingParams(time_limit_s=FACES_TIME_S), zid, deterministic=True)
        # at least FACES_TIME_S, more when the batches still to come leave more of the reserve each
        rest = until - clock()
        limit = max(0.01, min(rest, max(FACES_TIME_S, rest / max(1, left))))
        return solve_faces(layout, problem, RoutingParams(time_limit_s=limit), zid)

    out: list[tuple[Part, ...]] = []
    for k, members in enumerate(batches):
        left = len(batches) - k  # this batch and those after it
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


#: Scattered storage: batching moves are scored with each trip's best faces (:mod:`engine.wave.face_trips`).
FACE_SCORING = True
#: Share of a time-limited group's search spent on release's faces before the search with best faces.
FIXED_FACES_SHARE = 0.5


def _face_trips(prep: WavePrep, index: int, parts: Sequence[Part], cache: RouteCache) -> face_trips.FaceTrips | None:
    """Face scoring for group ``index`` where it applies, else None (moves scored on release's faces).

    It applies with joint faces (:func:`joint_faces`) when the group's faces are chosen in
    :func:`plan_group` (``prep.independent``), the group has at most :data:`face_trips.MAX_PARTS`
    parts and some SKU of it has several faces open to it.
    """
    cfg, layout = prep.problem.config, prep.problem.layout
    if not (FACE_SCORING and prep.independent and joint_faces(layout, cfg.routing)
            and len(parts) <= face_trips.MAX_PARTS):
        return None
    zid = prep.zone_ids[index]
    by_zone = cfg.method is Method.ZONE

    def allowed(loc: str) -> bool:
        return not by_zone or layout.zone_of(loc) == zid

    return face_trips.FaceTrips.build(layout, zid, parts, prep.points, prep.release.ledger, allowed, cache, cfg.cart)


def _search_faces(trips_by_face: face_trips.FaceTrips, fixed: BatchingResult, params: BatchingParams, seed: int,
                  clock: Callable[[], float], t0: float) -> BatchingResult:
    """The batching search again from ``fixed``'s batches, every trip priced with its best faces.

    The first search (release's faces, every method of :func:`engine.batching.solve`, column
    generation included) gives a strong start; this one (ALNS and set partitioning over the trips
    it sees, all feasible trips listed only when :data:`face_trips.ENUMERATE_LIMIT` or fewer) has
    the same iterations, or the budget left. No lower bound is kept: the faces change what the
    first search bounded, and a trip whose choice was not proven is priced from above.
    """
    limit = min(params.enumerate_limit, face_trips.ENUMERATE_LIMIT)
    if params.max_iterations is None:
        params = dataclasses.replace(params, time_limit_s=max(0.05, params.time_limit_s - (clock() - t0)))
    params = dataclasses.replace(params, enumerate_limit=limit)
    res = solve_batching(trips_by_face.problem, trips_by_face.cache, params, seed, None, clock, start=fixed.batches)
    return dataclasses.replace(
        res, construction_cost=fixed.construction_cost, descent_cost=fixed.descent_cost,
        iterations=fixed.iterations + res.iterations, evaluations=fixed.evaluations + res.evaluations,
        stopped_by="iterations" if res.stopped_by == "optimal" else res.stopped_by, lower_bound=None)


def _length(prep: WavePrep, batches: Sequence[Sequence[Part]], cache: RouteCache) -> float:
    """Total route length of ``batches`` on their takes' faces."""
    of = prep.points.of
    return sum(cache(frozenset(of(t.location_id) for p in m for t in p.takes)) for m in batches)


def _finish_faces(prep: WavePrep, index: int, trips_by_face: face_trips.FaceTrips, trips: Sequence[Sequence[int]],
                  ledger: StockLedger, until: float | None, clock: Callable[[], float]) -> list[tuple[Part, ...]]:
    """Final takes of face-scored trips: chosen again exactly on the search's terms while time lasts."""
    layout, zid = prep.problem.layout, prep.zone_ids[index]
    by_zone = prep.problem.config.method is Method.ZONE
    pts = prep.points

    def allowed(loc: str) -> bool:
        return not by_zone or layout.zone_of(loc) == zid

    def solve(problem: FaceProblem) -> FaceChoice:
        if until is not None and clock() > until:  # past the reserve: the search's choice (valid) stays
            return quick_faces(layout, problem, zid)
        limit = FACES_TIME_S if until is None else max(0.01, min(FACES_TIME_S, until - clock()))
        return solve_faces(layout, problem, RoutingParams(time_limit_s=limit), zid, deterministic=until is None)

    return trips_by_face.finish(trips, ledger, solve, solve, lambda loc: pts.points[pts.of(loc)], allowed)


def _members_at(prep: WavePrep, members: Sequence[Part]) -> tuple[list[Part], dict[int, set[str]]]:
    """A batch's parts in tote order, and the locations at each of its points."""
    ordered = sorted(members, key=lambda p: (p.rank, p.takes[0].location_id))
    locs_at: dict[int, set[str]] = {}
    for p in ordered:
        for t in p.takes:
            locs_at.setdefault(prep.points.of(t.location_id), set()).add(t.location_id)
    return ordered, locs_at


def _final_durations(prep: WavePrep, index: int, parts: Sequence[Part], cache: RouteCache,
                     clock: Callable[[], float]) -> Callable[[Sequence[Sequence[int]]], list[float]]:
    """Durations of trips (indices into ``parts``) as the plan's last steps would give them.

    Faces are re-chosen as :func:`plan_group` re-chooses the plan's (in trip
    order, from a copy of release's stock, within ``prep.faces_s[index]``
    seconds with the clock), and each trip is timed by SPEC section 8 over its
    route by ``cache`` (the search's route cost, exact where the final routes
    are). So the fewest pickers' searches are judged as a plan is judged.
    """
    lab = prep.problem.config.labour
    assert lab is not None
    by_iter = prep.problem.config.max_iterations is not None

    def final(trips: Sequence[Sequence[int]]) -> list[float]:
        ledger = copy.deepcopy(prep.release.ledger)
        until = None if by_iter else clock() + prep.faces_s[index]
        batches = _rechoose(prep, index, [tuple(parts[i] for i in b) for b in trips], ledger, cache, until, clock)
        out = []
        for members in batches:
            takes = [t for p in members for t in p.takes]
            pts = frozenset(prep.points.of(t.location_id) for t in takes)
            rows = sum(pick_rows(p.takes) for p in members)  # per part, as PartTimes counts
            out.append(trip_duration(lab, cache(pts), len({t.location_id for t in takes}), rows,
                                     sum(t.qty for t in takes)))
        return out

    return final


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
    deadline: float | None = None,
) -> GroupPlan:
    """Batch group ``index`` of ``prep``; re-choose its faces and route it when groups are independent.

    Group ``k`` is searched with seed ``config.seed + k`` and its share of the
    budget (``prep.params[k]``), so the result does not depend on which process
    runs it or on the other groups. ``workers`` processes route its batches.
    ``deadline`` (a ``clock()`` reading), when given, ends the search earlier
    than its share would (groups run one after another: an overrun of one
    comes out of the next). With ``config.max_iterations`` set the clock is
    never read for the plan.
    """
    t0 = clock()
    cfg, layout = prep.problem.config, prep.problem.layout
    parts = [prep.parts[i] for i in prep.groups[index]]
    zid = prep.zone_ids[index]
    cache = prep.points.route_cost(scoring_method(layout, cfg.routing), zid)
    stats: BatchingResult | None = None
    staffing: Staffing | None = None
    trips_by_face: face_trips.FaceTrips | None = None
    trips: list[tuple[int, ...]] = [(i,) for i in range(len(parts))]
    fixed_trips = trips
    if cfg.method is Method.SINGLE:
        batches: list[tuple[Part, ...]] = [(p,) for p in parts]
    else:
        total = max(1, len(prep.parts))
        base = sum(len(g) for g in prep.groups[:index])

        def scaled(stage: str, frac: float) -> None:
            if progress is not None:
                progress(stage, (base + frac * len(parts)) / total)

        bp = _batching_problem(parts, prep.points, cfg.cart)
        params = prep.params[index]
        if params.max_iterations is None:
            # The scorer's set-up (compiled kernels loaded in a fresh process: 1-2 s) comes out of the search.
            left = params.time_limit_s - (clock() - t0)
            if deadline is not None:
                left = min(left, deadline - clock())
            params = dataclasses.replace(params, time_limit_s=max(0.05, left))
        if cfg.labour is not None:  # trips against the clock, from the distance batching (kept in stats)
            # independent groups re-choose their faces here, as the fewest pickers' searches are then judged
            final = _final_durations(prep, index, parts, cache, clock) if prep.independent else None
            trips, stats, staffing = batch_group(parts, bp, cache, cfg, prep.release.released, params,
                                                 cfg.seed + index, clock, len(parts) / max(1, len(prep.parts)),
                                                 final, prep.faces_s[index])
        else:
            trips_by_face = _face_trips(prep, index, parts, cache)
            first = params if trips_by_face is None or params.max_iterations is not None else \
                dataclasses.replace(params, time_limit_s=params.time_limit_s * FIXED_FACES_SHARE)
            stats = solve_batching(bp, cache, first, cfg.seed + index, scaled if progress else None, clock)
            trips = list(stats.batches)
            if trips_by_face is not None:  # scattered storage: on from there, every move scored with its best faces
                fixed_trips = trips
                stats = _search_faces(trips_by_face, stats, params, cfg.seed + index, clock, t0)
                trips = list(stats.batches)
        batches = [tuple(parts[i] for i in b) for b in trips]
    routes: tuple[Route, ...] = ()
    if prep.independent:
        # The ledger is a copy: distinct zones never draw on the same face, so no other group's
        # faces change what this one may take.
        ledger = copy.deepcopy(prep.release.ledger)
        until = None if cfg.max_iterations is not None else clock() + prep.faces_s[index]
        if until is not None and cfg.method is Method.SINGLE and cfg.labour is None:
            # No batching search ran: its share of the budget goes to the faces (a 5 s plan of one
            # scattered-storage list gave its face choice 0.25 s and left the rest unused).
            search_s = prep.params[index].time_limit_s - (clock() - t0)
            until += max(0.0, search_s if deadline is None else min(search_s, deadline - clock()))
        if trips_by_face is not None:
            # The search's trips on its faces, exactly; or the first search's trips with faces re-chosen
            # batch by batch from the whole stock left (what they were before face scoring): the shorter.
            fixed = _rechoose(prep, index, [tuple(parts[i] for i in b) for b in fixed_trips], copy.deepcopy(ledger),
                              cache, until, clock)
            batches = _finish_faces(prep, index, trips_by_face, trips, ledger, until, clock)
            if _length(prep, fixed, cache) < _length(prep, batches, cache) - 1e-9:
                batches = fixed
        else:
            batches = _rechoose(prep, index, batches, ledger, cache, until, clock)
        batches.sort(key=lambda m: min(p.rank for p in m))
        routes = tuple(_route_batches(prep, [zid] * len(batches), batches, workers, prep.faces_s[index]))
    return GroupPlan(index, tuple(batches), routes, stats, clock() - t0, staffing)
