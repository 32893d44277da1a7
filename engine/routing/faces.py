"""One trip with scattered storage: which pick faces to visit, chosen together with the route.

A demand (``qty`` units of a SKU) may be served from any of several faces, each holding some
units; a demand larger than one face's stock is split over faces, never beyond a face's stock.
:func:`solve_faces` chooses the faces and the route that together make the trip shortest.

Rectangular layouts (``optimal`` routing, up to five blocks): exact, after Heßler & Irnich
(2024), who show that every walk the aisle programme of :mod:`engine.routing.aisle_dp` builds
is a path through its state space even when the picks are not fixed: a block segment's option
then says how far the walk reaches in from the front and from the back, and a face is
*covered* when its depth is within a reach (or the segment is traversed). Covering the demands
is a side constraint no dynamic programme carries, so it is solved in stages, each exact:

1. a narrow beam of the labels below gives a first trip (when the next stage does not prove
   one optimal at once, also a greedy choice: faces by the route they add, then improved one
   demand at a time);
2. :func:`engine.routing.face_labels.solve_labels` sweeps the programme with labels that carry
   each demand's missing units, dropping dominated labels and those whose cost plus a lower
   bound (per demand: the cheapest way to finish the tour taking its missing units) cannot
   beat the best trip: most trips are proven optimal here in milliseconds (the sweep is
   compiled, :mod:`engine.routing.face_kernel`);
3. if the labels grow too many, prizes per demand and unit (subgradient ascent on the labels'
   Lagrangian bound, :func:`engine.routing.face_labels.subgradient_prizes`, in milliseconds;
   on small programmes also the duals of the covering rows of the relaxation of stage 4,
   GLOP, the better kept) guide beams and exact searches around the best trip
   (:func:`_by_windows`) to shorter trips (before them, with :data:`LNS_SHARE` of the time left,
   a ruin and recreate search from the best trip, :func:`_lns`, which also gets whatever time
   is left when nothing proved a trip; without the clock, ``deterministic``, a fixed number of its
   steps), and bound the labels again (the last label pass), now
   with groups of demands covered exactly inside the Lagrangian bound
   (:func:`face_labels.group_tables`);
4. on layouts of up to :data:`MIP_MAX_BLOCKS` blocks (not ``deterministic``), before that last
   label pass and with :data:`MIP_SHARE` of the time left, the *covering programme*: the path
   through the state space, one binary "ladder" per candidate depth whose rungs cost twice the
   step between depths, one covering row per demand and, for a demand no face of which another
   demand shares, its minimal covers written out (one of them chosen, each of its faces taken:
   the row alone lets a face count in part, the weak spot of the bound on varying demands), and
   where two faces holding a demand's units lie in one block segment, a second row counting them
   once (:func:`_segment_rows`; else half a traversal of that aisle covers the demand in the
   relaxation), searching only walks shorter than the best trip (HiGHS): infeasible proves that trip
   shortest, optimal gives the shortest. Where the labels do not apply (faces two demands
   share, too many demands) it runs after the greedy trip while enough of the limit is left.

The faces of the shortest walk are then routed by the exact programme
(:func:`engine.routing.compiled.optimal_tour`), never longer than the walk: the trip is
optimal and ``route.proven`` says a stage proved it (not when the time limit cut the search;
:attr:`FaceChoice.bound_m` is then the best bound known).

Everything else (graph layouts, heuristic routing, more blocks): the greedy choice, ``proven``
False, ``bound_m`` the length through the faces that cannot be avoided.

Measured on Heßler & Irnich's 1,430 one-block instances: ``benchmarks/results/sprp_ss.md``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from engine.layout.base import Layout
from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.model import RoutingMethod
from engine.routing import aisle_dp, compiled, face_labels
from engine.routing.solve import ESTIMATE_EXACT_STOPS, route_length, route_lengths, solve
from engine.routing.tables import MAX_BLOCKS, compiled_tables
from engine.routing.types import Route, RoutingParams

__all__ = ["MIP_MAX_BLOCKS", "QUICK_WORK", "FaceChoice", "FaceDemand", "FaceProblem", "quick_faces", "solve_faces"]

#: Block counts solved by the exact programme (the state space grows fast beyond: 112 states at 3).
MIP_MAX_BLOCKS = 3
#: Above this many path arcs the exact programme is not built (the greedy choice serves, unproven).
MAX_ARCS = 40000
_EPS = 1e-6
#: Labels per state of the heuristic passes (least cost plus bound first) and their share of the time.
BEAM = 8
BEAM_SHARE = 0.1
#: Work (labels made and compared; about 30 million a second on one core) of the first beam and
#: the first exact pass: enough for the easy trips, little lost on the hard ones.
BEAM_WORK = 1_500_000
FAST_WORK = 4_000_000
#: First exact pass (bounded demand by demand): most labels alive and share of the time limit.
FAST_LABELS = 30000
FAST_SHARE = 0.2
#: Subgradient steps for the prizes of the Lagrangian bound, and their most share of the time left.
SUBGRADIENT_STEPS = 80
PRIZE_SHARE = 0.2
#: Most columns for which the covering programme's linear relaxation is solved for prizes too
#: (GLOP, some 0.1-0.4 s there; the subgradient alone beyond).
LP_COLUMNS = 30
LP_SHARE = 0.4
#: Share of the time left the greedy trip may spend improving itself.
GREEDY_SHARE = 0.2
#: Share of the time left the ruin and recreate search (:func:`_lns`) gets on a hard trip, and its
#: most steps (about a millisecond each).
LNS_SHARE = 0.25
LNS_ITERATIONS = 5000
#: It stops after this many steps without a shorter trip.
LNS_STALL = 250
#: Least time (s) left for which the covering programme is presolved (see :func:`_solve_programme`).
PRESOLVE_MIN_S = 1.0
#: Time (s) HiGHS takes per column of the covering programme beyond its time limit (0.1-0.4 s on
#: 3,000-5,000 columns, one core, presolve and symmetry detection off; it grows with the load): taken
#: off the limit it is given, so the programme ends by its deadline. The least estimate, and the
#: first of each trip (:class:`_HighsClock`, which follows what its programmes stopped by the limit
#: overran).
HIGHS_SETUP_S = 40e-6
HIGHS_SETUP_START_S = 75e-6
#: Least time limit (s) HiGHS is started with (below, the programme is not solved).
HIGHS_MIN_S = 0.1
#: The last exact pass (its groups' tables take a moment) runs only with this share of the limit left.
LAST_SHARE = 0.1
#: Exact searches around the best trip (:func:`_by_windows`): labels alive each, share of the time left.
WINDOW_LABELS = 20000
WINDOW_SHARE = 0.3
#: Aisles in a narrow window (a wide one has twice as many).
WINDOW_AISLES = 6
#: The covering programme runs only with this share of the time limit left.
MIP_MIN_SHARE = 0.3
#: Share of the time left the covering programme gets, searching below the best trip, before the
#: last label pass (one-block to :data:`MIP_MAX_BLOCKS`-block layouts; not when ``deterministic``).
MIP_SHARE = 0.9
#: Share of the time left the exact searches around the best trip get when the programme follows.
WINDOW_SHARE_MIP = 0.2
#: Most minimal covers of one demand written into the programme (beyond, its covering row alone).
MAX_COVERS = 120
#: Second exact pass (with prizes and exact groups): most labels alive, share of the time left.
MAX_LABELS = 400000
LABEL_SHARE = 0.85
#: Work of each of the two label passes of :func:`quick_faces` (labels made and compared; some
#: milliseconds): what scoring one batching move may cost.
QUICK_WORK = 300_000
#: Ruin and recreate steps (:func:`_lns`, about a millisecond each) on a hard trip when the clock is not
#: read (``deterministic``; the steps then repeat exactly).
DETERMINISTIC_LNS = 1500
#: Work limit of each label pass when the clock is not read (``deterministic``): labels made and
#: compared, about a second of work on one core.
DETERMINISTIC_WORK = 30_000_000


#: What the label search is given: layout, face points, stock, demands ``(units, faces)``, depot x.
_LabelArgs = tuple[RectangularLayout, tuple[RectPoint, ...], tuple[int, ...], list[tuple[int, tuple[int, ...]]], float]


@dataclass(frozen=True, slots=True)
class FaceDemand:
    """``qty`` units to take from the faces at ``faces`` (indices into :attr:`FaceProblem.points`)."""

    qty: int
    faces: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FaceProblem:
    """The faces one trip may use and what it must take; immutable, validated.

    Parameters
    ----------
    points
        The pick point of each face (what ``layout.point`` returns); several faces may share a point.
    stock
        Units at each face (at least 1).
    demands
        What the trip must take. Two demands may name the same face: they share its stock.

    Examples
    --------
    >>> FaceProblem(("p", "q"), (1, 2), (FaceDemand(2, (0, 1)),)).demands[0].qty
    2
    """

    points: tuple[Hashable, ...]
    stock: tuple[int, ...]
    demands: tuple[FaceDemand, ...]

    def __post_init__(self) -> None:
        if len(self.points) != len(self.stock):
            raise ValueError("points and stock must have one entry per face")
        if any(s <= 0 for s in self.stock):
            raise ValueError("every face must hold at least one unit")
        for i, d in enumerate(self.demands):
            if d.qty <= 0:
                raise ValueError(f"demand {i}: qty must be positive")
            if len(set(d.faces)) != len(d.faces) or any(not 0 <= f < len(self.points) for f in d.faces):
                raise ValueError(f"demand {i}: faces must be distinct indices of points")
            if sum(self.stock[f] for f in d.faces) < d.qty:
                raise ValueError(f"demand {i}: {d.qty} units asked, its faces hold "
                                 f"{sum(self.stock[f] for f in d.faces)}")


@dataclass(frozen=True, slots=True)
class FaceChoice:
    """The faces and route of one trip.

    ``takes`` are ``(demand, face, units)``: every demand's units exactly, no face beyond its
    stock. ``route`` visits the points of the faces taken from (``route.proven``: the pair of
    faces and route is proven shortest). ``bound_m`` is a proven lower bound on the shortest
    trip (equal to ``route.length_m`` when proven).
    """

    takes: tuple[tuple[int, int, int], ...]
    route: Route
    bound_m: float


def solve_faces(
    layout: Layout,
    problem: FaceProblem,
    params: RoutingParams | None = None,
    zone_id: str | None = None,
    *,
    deterministic: bool = False,
    polish_steps: int | None = None,
) -> FaceChoice:
    """Choose faces and route for one trip (see the module docstring).

    ``params.time_limit_s`` bounds the search; with ``deterministic`` the clock is never read
    (:data:`DETERMINISTIC_WORK` bounds each label pass, the ruin and recreate search takes
    ``polish_steps`` steps, :data:`DETERMINISTIC_LNS` by default, and the programme is not run), so
    the same problem gives the same choice whatever the load. ``polish_steps=0`` skips that search
    (what :func:`quick_faces` asks: it scores batching moves).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> far, near = lay.point("A03-B1-S009-L"), lay.point("A01-B1-S002-L")
    >>> choice = solve_faces(lay, FaceProblem((far, near), (1, 1), (FaceDemand(1, (0, 1)),)))
    >>> choice.takes, choice.route.length_m, choice.route.proven
    (((0, 1, 1),), 5.0, True)
    """
    params = params if params is not None else RoutingParams()
    if isinstance(layout, RectangularLayout) and params.method is RoutingMethod.OPTIMAL:
        face_labels.warm_up()  # loading compiled code is not the search's time
    deadline = math.inf if deterministic else time.monotonic() + params.time_limit_s
    if not problem.demands:
        return FaceChoice((), Route((), 0.0, True, params.method), 0.0)
    forced = _forced_faces(problem)
    choosing = any(len(d.faces) > 1 for d in problem.demands)
    exact = (isinstance(layout, RectangularLayout) and params.method is RoutingMethod.OPTIMAL
             and layout.blocks <= MAX_BLOCKS)
    scoring = RoutingMethod.OPTIMAL if exact else params.method
    if choosing and exact:
        rect = cast(RectangularLayout, layout)

        def first(until: float) -> tuple[tuple[tuple[int, int, int], ...], float]:
            """The greedy trip (improved until ``until``) and the length of its route."""
            got = _greedy(layout, problem, scoring, zone_id, min(until, deadline))
            pts = list(dict.fromkeys(cast(RectPoint, problem.points[f]) for _, f, _ in got))
            return got, compiled.optimal_length(rect, pts, float(rect.depot(zone_id).x))

        steps = DETERMINISTIC_LNS if polish_steps is None else polish_steps
        found = _solve_exact(rect, problem, forced, first, deadline, zone_id, deterministic, params.time_limit_s,
                             steps)
        if found is not None:
            return found
    takes = _greedy(layout, problem, scoring, zone_id, deadline)
    pts = list(dict.fromkeys(problem.points[f] for _, f, _ in takes))
    route = solve(layout, pts, params, zone_id)
    if not choosing:
        return FaceChoice(takes, route, route.length_m if route.proven else 0.0)
    forced_points = list(dict.fromkeys(problem.points[f] for f in forced))
    bound = route_length(layout, forced_points, RoutingMethod.OPTIMAL, zone_id) if forced_points else 0.0
    if not isinstance(layout, RectangularLayout) and len(forced_points) > ESTIMATE_EXACT_STOPS:
        bound = 0.0  # route_length is an upper estimate there, not a bound
    return FaceChoice(takes, Route(route.stops, route.length_m, False, route.method), min(bound, route.length_m))


def quick_faces(layout: Layout, problem: FaceProblem, zone_id: str | None = None, *,
                work: int = QUICK_WORK) -> FaceChoice:
    """A fast, work-bounded choice of faces and route for one trip (scoring batching moves).

    The first two stages of :func:`solve_faces` only, each bounded by ``work`` instead of the
    clock, so the same problem always gives the same choice: a beam of the labels, then the exact
    labels bounded demand by demand below the beam's trip. When the exact pass ends within its work
    the choice is proven shortest (``route.proven``); otherwise it is the beam's trip (or the greedy
    one), a real trip whose length bounds the optimum from above. Layouts the labels do not cover
    (graphs, heuristic routing, more blocks, faces two demands share): :func:`solve_faces` with
    ``deterministic``. O(``work``) plus building the search's arrays (a few milliseconds).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> far, near = lay.point("A03-B1-S009-L"), lay.point("A01-B1-S002-L")
    >>> choice = quick_faces(lay, FaceProblem((far, near), (1, 1), (FaceDemand(1, (0, 1)),)))
    >>> choice.takes, choice.route.length_m, choice.route.proven
    (((0, 1, 1),), 5.0, True)
    """
    shared = len({f for d in problem.demands for f in d.faces}) < sum(len(d.faces) for d in problem.demands)
    if (not problem.demands or shared or not isinstance(layout, RectangularLayout) or layout.blocks > MAX_BLOCKS
            or len(problem.demands) > face_labels.MAX_DEMANDS):
        return solve_faces(layout, problem, RoutingParams(), zone_id, deterministic=True, polish_steps=0)
    face_labels.warm_up()
    forced = _forced_faces(problem)
    depot_x = float(layout.depot(zone_id).x)
    demands = [(d.qty, d.faces) for d in problem.demands]
    args: _LabelArgs = (layout, cast(tuple[RectPoint, ...], problem.points), problem.stock, demands, depot_x)
    prep = face_labels.prepare(*args)
    beam = face_labels.solve_labels(*args, math.inf, math.inf, beam=BEAM, max_work=work, prepared=prep)
    upper = beam[0] if beam is not None and beam[1] else math.inf
    exact = face_labels.solve_labels(*args, upper + _EPS, math.inf, max_labels=FAST_LABELS, max_work=work,
                                     prepared=prep)
    found: FaceChoice | None = None
    if exact is not None and exact[1]:
        found = _finish(layout, problem, forced, exact[1], exact[0], True, exact[0], zone_id, True)
    elif beam is not None and beam[1]:
        found = _finish(layout, problem, forced, beam[1], beam[0], exact is not None, 0.0, zone_id, True)
    if found is not None:
        return found
    takes = _greedy(layout, problem, RoutingMethod.OPTIMAL, zone_id, math.inf)
    chosen = list(dict.fromkeys(cast(RectPoint, problem.points[f]) for _, f, _ in takes))
    stops, _ = compiled.optimal_tour(layout, chosen, depot_x)
    return FaceChoice(takes, Route(stops, layout.route_length(stops, zone_id), False, RoutingMethod.OPTIMAL), 0.0)


def _forced_faces(problem: FaceProblem) -> list[int]:
    """Faces every feasible choice uses: a demand's only face, or all its faces when it needs them all.

    Sound only for faces no other demand shares (a shared face's stock may go elsewhere).
    """
    users: dict[int, int] = {}
    for d in problem.demands:
        for f in d.faces:
            users[f] = users.get(f, 0) + 1
    out: list[int] = []
    for d in problem.demands:
        if sum(problem.stock[f] for f in d.faces) == d.qty or len(d.faces) == 1:
            out.extend(f for f in d.faces if users[f] == 1 or len(d.faces) == 1)
    return sorted(set(out))


# --- the exact programme ----------------------------------------------------------------------

@dataclass(slots=True)
class _HighsClock:
    """One trip's estimate of what HiGHS overruns its limit by, per column (state of one solve only,
    so a trip's result does not depend on the trips solved before it)."""

    per_column: float = HIGHS_SETUP_START_S


@dataclass(slots=True)
class _Segment:
    """Candidate depths of one block segment of one column and the programme's variables there."""

    depths: list[float]
    must: set[int]  # depth indices that must be covered (faces every choice uses)
    codes: dict[int, list[object]]  # option code -> arc variables
    up: list[object]  # bottom ladder: rung i covers depths[i]
    down: list[object]  # top ladder: rung i covers depths[i]


def _solve_exact(
    layout: RectangularLayout,
    problem: FaceProblem,
    forced: Sequence[int],
    first: Callable[[float], tuple[tuple[tuple[int, int, int], ...], float]],
    deadline: float,
    zone_id: str | None,
    deterministic: bool = False,
    time_limit: float = 0.0,
    polish_steps: int = 0,
) -> FaceChoice | None:
    """Labels when no face is shared and they stay few, else the programme; None past both.

    ``first(until)`` gives the greedy trip (improved while the clock is before ``until``) and its
    length, asked for only when the first label passes do not prove a trip optimal.
    """
    depot_x = float(layout.depot(zone_id).x)
    shared = len({f for d in problem.demands for f in d.faces}) < sum(len(d.faces) for d in problem.demands)
    best: tuple[float, Sequence[int] | tuple[tuple[int, int, int], ...], bool] = (math.inf, (), False)
    lower = 0.0
    use_mip = layout.blocks <= MIP_MAX_BLOCKS and not deterministic
    tried_mip = False
    clock = _HighsClock()

    def seed(until: float = math.inf) -> None:
        nonlocal best
        takes, length = first(until)
        if length < best[0] - _EPS:
            best = (length, takes, False)

    def share(part: float) -> float:
        now = time.monotonic()
        return now + part * (deadline - now)

    def polish(until: float, steps: int = LNS_ITERATIONS) -> None:
        """The best trip improved by ruin and recreate until ``until`` (at most ``steps`` steps)."""
        nonlocal best
        takes = (_assign(problem, cast(Sequence[int], best[1]), set(forced)) if best[2]
                 else cast(tuple[tuple[int, int, int], ...], best[1]))
        if takes:
            got, length = _lns(layout, problem, takes, best[0], until, zone_id, steps)
            if length < best[0] - _EPS:
                best = (length, got, False)

    if shared or len(problem.demands) > face_labels.MAX_DEMANDS:
        seed()
        if use_mip:
            polish(share(LNS_SHARE))
        elif deterministic and polish_steps:
            polish(math.inf, polish_steps)
    else:
        demands = [(d.qty, d.faces) for d in problem.demands]
        args: _LabelArgs = (layout, cast(tuple[RectPoint, ...], problem.points), problem.stock, demands, depot_x)
        prep = face_labels.prepare(*args)
        work = DETERMINISTIC_WORK if deterministic else None

        def improve(found: tuple[float, list[int]] | None) -> None:
            nonlocal best
            if found is not None and found[1] and found[0] < best[0] - _EPS:
                best = (found[0], found[1], True)

        def capped(cap: int) -> int:
            return cap if work is None else min(cap, work)

        # a narrow beam first: a first trip, often the best, and a bound for the rest
        improve(face_labels.solve_labels(*args, math.inf, share(BEAM_SHARE), beam=BEAM, max_work=capped(BEAM_WORK),
                                         prepared=prep))
        # exact labels bounded demand by demand: most trips are proven here in milliseconds
        found = face_labels.solve_labels(*args, best[0] + _EPS, share(FAST_SHARE), max_labels=FAST_LABELS,
                                         max_work=capped(FAST_WORK), prepared=prep)
        if found is not None and not found[1] and not best[2]:
            found = None  # pragma: no cover - nothing shorter than no trip: the labels found none at all
        prizes: list[float] | None = None
        h = layout.block_depth_m + layout.cross_aisle_width_m
        if found is None:
            # else prizes bound them far better: subgradient ascent on the Lagrangian bound, and on
            # small programmes the duals of the covering rows of its linear relaxation; the better kept
            duals = None
            if layout.blocks <= MIP_MAX_BLOCKS and prep.ncol <= LP_COLUMNS:
                duals = _solve_programme(layout, problem, [], best, share(LP_SHARE), zone_id, relax=True)
            prizes = face_labels.subgradient_prizes(prep, h, best[0], SUBGRADIENT_STEPS, share(PRIZE_SHARE))[0]
            if isinstance(duals, list) and face_labels.root_bound(prep, duals, h) > face_labels.root_bound(
                    prep, prizes, h):
                prizes = duals
        if found is None:
            # shorter trips: beams guided by the prizes, the greedy trip, exact searches around the best
            for width in (BEAM, 4 * BEAM) if prizes is not None else ():
                improve(face_labels.solve_labels(*args, best[0] + _EPS, share(BEAM_SHARE), beam=width,
                                                 prizes=prizes, max_work=work, prepared=prep))
            seed(share(GREEDY_SHARE))
            if not deterministic:
                polish(share(LNS_SHARE))
            elif polish_steps:
                polish(math.inf, polish_steps)
            faces = best[1] if best[2] else [f for _, f, _ in cast(tuple[tuple[int, int, int], ...], best[1])]
            improve(_by_windows(args, demands, cast(Sequence[int], faces), best[0],
                                share(WINDOW_SHARE_MIP if use_mip else WINDOW_SHARE),
                                None if work is None else work // 10, prizes))
        if found is None and use_mip:
            # the covering programme below the best trip: proves it (infeasible) or finds the optimum
            tried_mip = True
            got = _solve_programme(layout, problem, forced, best, share(MIP_SHARE), zone_id, clock=clock)
            if isinstance(got, FaceChoice):
                if got.route.proven:
                    return got
                if got.route.length_m < best[0] - _EPS:
                    best = (got.route.length_m, got.takes, False)
        if found is None and prizes is not None and time.monotonic() < deadline - LAST_SHARE * time_limit:
            found = face_labels.solve_labels(*args, best[0] + _EPS, share(LABEL_SHARE), max_labels=MAX_LABELS,
                                             prizes=prizes, max_work=work, prepared=prep, groups=face_labels.GROUPS)
        if found is not None:
            cost, covered = found
            if covered:
                return _finish(layout, problem, forced, covered, cost, True, cost, zone_id, True)
            return _finish(layout, problem, forced, best[1], best[0], True, best[0], zone_id, best[2])
        lower = face_labels.root_bound(prep, prizes, h)
    if (use_mip and not tried_mip
            and time.monotonic() < deadline - MIP_MIN_SHARE * time_limit):
        found_mip = _solve_programme(layout, problem, forced, best, deadline, zone_id, clock=clock)
        if isinstance(found_mip, FaceChoice):
            return found_mip
    if best[1] and use_mip:  # unproven: what time is left goes to shorter trips
        polish(deadline)
    if not best[1]:
        seed()
    return _finish(layout, problem, forced, best[1], best[0], False, lower, zone_id, best[2])


def _by_windows(
    args: _LabelArgs,
    demands: list[tuple[int, tuple[int, ...]]],
    faces: Sequence[int],
    length: float,
    deadline: float,
    max_work: int | None,
    prizes: Sequence[float] | None = None,
) -> tuple[float, list[int]] | None:
    """A shorter walk by exact labels over neighbourhoods of the best one; None if none is found.

    Each neighbourhood keeps every demand to the faces the walk ``faces`` covers plus its faces in a
    window of aisles (side by side, :data:`WINDOW_AISLES` wide, then twice that): the current walk stays
    feasible, the labels find the best one within, usually in milliseconds. The first improvement
    is kept and the windows go on from it. O(windows) label searches of at most
    :data:`WINDOW_LABELS` labels each.
    """
    points = args[1]
    aisles = sorted({points[f].aisle for _, fs in demands for f in fs})
    lo, hi = aisles[0], aisles[-1]
    span = hi - lo + 1
    cur = set(faces)
    out: tuple[float, list[int]] | None = None
    for width in sorted({max(2, min(WINDOW_AISLES, span // 4)), max(2, min(2 * WINDOW_AISLES, span // 2))}):
        step = width
        starts = list(range(lo, hi - width + 2, step)) or [lo]
        for k, a in enumerate(starts):
            now = time.monotonic()
            if now >= deadline:
                return out
            sub = [(q, tuple(f for f in fs if f in cur or a <= points[f].aisle < a + width)) for q, fs in demands]
            found = face_labels.solve_labels(args[0], points, args[2], sub, args[4], length + _EPS,
                                             now + (deadline - now) / (len(starts) - k),
                                             max_labels=WINDOW_LABELS, max_work=max_work, prizes=prizes)
            if found is not None and found[1] and found[0] < length - _EPS:
                length, cur = found[0], set(found[1])
                out = (length, sorted(cur))
    return out


def _finish(
    layout: RectangularLayout,
    problem: FaceProblem,
    forced: Sequence[int],
    faces: Sequence[int] | tuple[tuple[int, int, int], ...],
    walk: float,
    proven_walk: bool,
    bound: float,
    zone_id: str | None,
    is_cover: bool,
) -> FaceChoice | None:
    """Takes from the faces a walk covers (``is_cover``) or given takes, and the exact route.

    ``walk`` is the length of a walk through them (the route is never longer).
    """
    takes = (_assign(problem, cast(Sequence[int], faces), set(forced)) if is_cover
             else cast(tuple[tuple[int, int, int], ...], faces))
    if takes is None:  # pragma: no cover - the covering guarantees an assignment
        return None
    depot_x = float(layout.depot(zone_id).x)
    chosen = list(dict.fromkeys(cast(RectPoint, problem.points[fi]) for _, fi, _ in takes))
    stops, _ = compiled.optimal_tour(layout, chosen, depot_x)
    length = layout.route_length(stops, zone_id)
    tol = 1e-6 * max(1.0, walk)
    if length > walk + tol:  # pragma: no cover - the walk is a tour through these faces
        raise RuntimeError(f"route {length} through the chosen faces exceeds the optimal walk {walk}")
    proven = proven_walk and length <= walk + tol
    return FaceChoice(takes, Route(stops, length, proven, RoutingMethod.OPTIMAL),
                      length if proven else min(bound, length))


def _solve_programme(
    layout: RectangularLayout,
    problem: FaceProblem,
    forced: Sequence[int],
    best: tuple[float, Sequence[int] | tuple[tuple[int, int, int], ...], bool],
    deadline: float,
    zone_id: str | None,
    relax: bool = False,
    clock: _HighsClock | None = None,
) -> FaceChoice | list[float] | None:
    """The mixed-integer programme of the module docstring; None when too large or out of time.

    With ``relax`` its linear relaxation instead: the duals of the covering rows (one per demand,
    per unit; 0 for a demand its forced faces serve), for :func:`face_labels.solve_labels`.
    ``clock`` (the trip's, else a fresh one) estimates HiGHS's overrun and learns from this run.
    """
    clock = clock if clock is not None else _HighsClock()
    from ortools.linear_solver import pywraplp

    K = layout.blocks
    t = compiled_tables(K)
    h = layout.block_depth_m + layout.cross_aisle_width_m
    depot_x = float(layout.depot(zone_id).x)
    pts = cast(tuple[RectPoint, ...], problem.points)
    used = sorted({f for d in problem.demands for f in d.faces})
    forced_set = set(forced)
    cl = face_labels.columns(layout, [pts[i].aisle for i in used], depot_x)
    cols, col_of, depot_col = cl.cols, cl.col_of, cl.depot_col
    last_req = max([depot_col, *(col_of[pts[i].aisle] for i in forced_set)])
    # candidate depths per segment
    segs: dict[tuple[int, int], _Segment] = {}
    where: dict[int, tuple[tuple[int, int], int]] = {}  # face -> (segment key, depth index)
    by_seg: dict[tuple[int, int], set[float]] = {}
    for i in used:
        p = pts[i]
        by_seg.setdefault((col_of[p.aisle], p.block - 1), set()).add(p.y - (p.block - 1) * h)
    for key, depth_set in by_seg.items():
        segs[key] = _Segment(sorted(depth_set), set(), {}, [], [])
    for i in used:
        p = pts[i]
        key = (col_of[p.aisle], p.block - 1)
        k = segs[key].depths.index(p.y - (p.block - 1) * h)
        where[i] = (key, k)
        if i in forced_set:
            segs[key].must.add(k)

    n = t.n_states
    # Arcs of the layered graph: nodes (column, phase 0..K, state); phase K is after the verticals.
    # Forward reachability from the empty state, then backward from the closing states.
    Node = tuple[int, int, int]
    vert: list[tuple[Node, Node, int, float]] = []  # (from, to, code, fixed cost)
    hori: list[tuple[Node, Node, float]] = []
    reach = {(0, 0, t.empty)}
    frontier = [t.empty]
    for ci, (x, a, dep) in enumerate(cols):
        for b in range(K):
            nxt: set[int] = set()
            seg = segs.get((ci, b))
            if a == 0:
                codes: tuple[int, ...] = (aisle_dp.NONE,)
            elif seg is None:
                codes = (aisle_dp.NONE, aisle_dp.T1, aisle_dp.T2)
            else:
                codes = tuple(range(6)) if not seg.must else tuple(range(1, 6))
                if len(seg.depths) < 2:
                    codes = tuple(c for c in codes if c != aisle_dp.SPLIT)
            for s in frontier:
                for code in codes:
                    ns = int(t.seg[b, code, s])
                    fixed = h if code == aisle_dp.T1 else 2 * h if code == aisle_dp.T2 else 0.0
                    vert.append(((ci, b, s), (ci, b + 1, ns), code, fixed))
                    nxt.add(ns)
            frontier = sorted(nxt)
            reach.update((ci, b + 1, s) for s in frontier)
        if ci == len(cols) - 1:
            break
        dx = cols[ci + 1][0] - x
        nxt = set()
        fs = set(frontier)
        for ns in range(n):
            for m in range(int(t.hor_ptr[dep, ns]), int(t.hor_ptr[dep, ns + 1])):
                s = int(t.hor_src[m])
                if s in fs:
                    hori.append(((ci, K, s), (ci + 1, 0, ns), float(t.hor_edges[m]) * dx))
                    nxt.add(ns)
        frontier = sorted(nxt)
        reach.update((ci + 1, 0, s) for s in frontier)
        if len(vert) + len(hori) > MAX_ARCS or time.monotonic() > deadline:
            return None
    sinks = [(ci, K, s) for ci in range(last_req, len(cols)) for s in range(n)
             if t.final[cols[ci][2], s] and (ci, K, s) in reach]
    if not sinks:  # pragma: no cover - the depot alone always closes
        return None
    alive = set(sinks)
    # backward pass: arcs by their tail node, last first (tails (column, phase) are topological)
    arcs: list[tuple[Node, Node, int, float]] = [*vert, *((a, b, -1, fx) for a, b, fx in hori)]
    arcs.sort(key=lambda e: e[0], reverse=True)
    live_arcs = []
    for frm, to, code, fx in arcs:
        if to in alive:
            alive.add(frm)
            live_arcs.append((frm, to, code, fx))
    if (0, 0, t.empty) not in alive:  # pragma: no cover
        return None

    solver = (pywraplp.Solver.CreateSolver("GLOP") if relax else
              pywraplp.Solver.CreateSolver("HIGHS") or pywraplp.Solver.CreateSolver("SCIP"))
    if solver is None:  # pragma: no cover - OR-Tools ships both
        return None
    solver.SuppressOutput()
    highs_options = ""  # HiGHS's options, set once the cut-off is known
    if relax:  # presolve costs GLOP more than it saves on these sparse path programmes
        solver.SetSolverSpecificParametersAsString("use_preprocessing: false")
    else:
        # HiGHS's presolve does not stop at the time limit (3 s on a 5,500-column programme given
        # 0.4 s): without it when little time is left
        quick = deadline - time.monotonic() < PRESOLVE_MIN_S
        # nor does its symmetry detection (some 0.2 s on these programmes, little symmetry in a path)
        highs_options = "output_flag=false\nmip_detect_symmetry=false\n" + ("presolve=off\n" if quick else "")
    inf = solver.infinity()

    def binary() -> object:
        return solver.NumVar(0.0, 1.0, "") if relax else solver.BoolVar("")

    out_of: dict[Node, list[object]] = {}
    into: dict[Node, list[object]] = {}
    objective = solver.Objective()
    var_of: list[tuple[object, Node, Node, int]] = []
    for frm, to, code, fx in live_arcs:
        v = binary()
        var_of.append((v, frm, to, code))
        out_of.setdefault(frm, []).append(v)
        into.setdefault(to, []).append(v)
        if fx:
            objective.SetCoefficient(v, fx)
        if code >= 0:
            seg = segs.get((frm[0], frm[1]))
            if seg is not None:
                seg.codes.setdefault(code, []).append(v)
    sink_vars = {}
    for node in sinks:
        if node in alive:
            v = binary()
            sink_vars[node] = v
            out_of.setdefault(node, []).append(v)
    source = (0, 0, t.empty)
    for node in alive:
        c = solver.Constraint(1.0 if node == source else 0.0, 1.0 if node == source else 0.0)
        for v in out_of.get(node, ()):
            c.SetCoefficient(v, 1.0)
        for v in into.get(node, ()):
            c.SetCoefficient(v, -1.0)
    def ladder(costs: Sequence[float], entry: Sequence[object]) -> list[object]:
        """Binary steps ``u_0 >= u_1 >= ...`` with ``u_0 <=`` the sum of ``entry``, each at its cost."""
        steps: list[object] = []
        for cost in costs:
            u = binary()
            objective.SetCoefficient(u, cost)
            c = solver.Constraint(-inf, 0.0)
            c.SetCoefficient(u, 1.0)
            for v in (entry if not steps else (steps[-1],)):
                c.SetCoefficient(v, -1.0)
            steps.append(u)
        return steps

    # ladders and coverage per segment
    cover: dict[tuple[tuple[int, int], int], list[object]] = {}
    for key, seg in segs.items():
        ds = seg.depths
        full = seg.codes.get(aisle_dp.T1, []) + seg.codes.get(aisle_dp.T2, [])
        bot = seg.codes.get(aisle_dp.BOT, []) + seg.codes.get(aisle_dp.SPLIT, [])
        top = seg.codes.get(aisle_dp.TOP, []) + seg.codes.get(aisle_dp.SPLIT, [])
        n = len(ds)
        # Reach from the bottom (k ascending) and from the top (k descending): each step is taken only
        # after the one before it, the first only on an arc entering from that end.
        seg.up = ladder([2.0 * (ds[k] - (ds[k - 1] if k else 0.0)) for k in range(n)], bot)
        seg.down = ladder([2.0 * ((ds[k + 1] if k + 1 < n else h) - ds[k]) for k in reversed(range(n))], top)[::-1]
        for k in range(len(ds)):
            terms = [*full, seg.up[k], seg.down[k]]
            cover[(key, k)] = terms
            if k in seg.must:
                c = solver.Constraint(1.0, inf)
                for v in terms:
                    c.SetCoefficient(v, 1.0)
    # covered faces and demands: y_f <= coverage of its depth; units from covered faces
    users: dict[int, list[int]] = {}
    for di, d in enumerate(problem.demands):
        for fi in d.faces:
            users.setdefault(fi, []).append(di)
    yvar = {}
    rows: dict[int, object] = {}
    for fi in used:
        if fi in forced_set:
            continue
        y = solver.NumVar(0.0, 1.0, "")
        c = solver.Constraint(-inf, 0.0)
        c.SetCoefficient(y, 1.0)
        for v in cover[where[fi]]:
            c.SetCoefficient(v, -1.0)
        yvar[fi] = y
    for di, d in enumerate(problem.demands):
        if all(fi in forced_set for fi in d.faces):
            continue
        c = solver.Constraint(float(d.qty), inf)
        rows[di] = c
        shared = [fi for fi in d.faces if len(users[fi]) > 1]
        for fi in d.faces:
            if len(users[fi]) > 1:
                continue
            if fi in forced_set:
                c.SetLb(c.Lb() - min(problem.stock[fi], d.qty))
            else:
                c.SetCoefficient(yvar[fi], float(min(problem.stock[fi], d.qty)))
        if not shared and not relax:
            # the demand's covers exactly: one of its minimal sets of faces, each face of it taken
            # (the convex hull of the row's integer points; the row alone lets a face count in part)
            free = [fi for fi in d.faces if fi not in forced_set]
            need = d.qty - sum(min(problem.stock[fi], d.qty) for fi in d.faces if fi in forced_set)
            mins = _minimal_covers([min(problem.stock[fi], d.qty) for fi in free], need)
            if mins and any(len(m) > 1 for m in mins):
                zrow = solver.Constraint(1.0, inf)
                links = {fi: solver.Constraint(-inf, 0.0) for fi in free}
                for fi in free:
                    links[fi].SetCoefficient(yvar[fi], -1.0)
                for cov in mins:
                    z = solver.NumVar(0.0, 1.0, "")
                    zrow.SetCoefficient(z, 1.0)
                    for k in cov:
                        links[free[k]].SetCoefficient(z, 1.0)
        if shared:  # units of shared faces: x[d, f], all demands together within the face's stock
            for fi in shared:
                x = solver.NumVar(0.0, float(min(problem.stock[fi], d.qty)), "")
                c.SetCoefficient(x, 1.0)
                yvar[(fi, di)] = x  # type: ignore[index]
    if not relax:
        _segment_rows(solver, problem, segs, where, users, yvar, forced_set)
    for fi, ds_ in users.items():
        if len(ds_) < 2:
            continue
        c = solver.Constraint(-inf, 0.0)
        for di in ds_:
            if (fi, di) in yvar:
                c.SetCoefficient(yvar[(fi, di)], 1.0)  # type: ignore[index]
        if fi in forced_set:
            c.SetUb(float(problem.stock[fi]))
        else:
            c.SetCoefficient(yvar[fi], -float(problem.stock[fi]))
    objective.SetMinimization()
    cutoff = math.isfinite(best[0]) and not relax
    if cutoff:  # only walks shorter than the best trip known: infeasible proves that trip shortest
        below = best[0] - _EPS * max(1.0, best[0])
        row = solver.Constraint(-inf, below)
        for v in solver.variables():
            cf = objective.GetCoefficient(v)
            if cf:
                row.SetCoefficient(v, cf)
        # the same limit as HiGHS's own objective bound: it prunes nodes and fixes columns by reduced
        # cost against it as against an incumbent of that length (the row alone does neither): proofs
        # 1.2-2.4 times faster on three 25- and 50-aisle lists
        highs_options += f"objective_bound={below!r}\n"
    if not relax:
        solver.SetSolverSpecificParametersAsString(highs_options)
    left = deadline - time.monotonic()
    if not relax:  # what HiGHS spends past its time limit (setting up, the first LP), as measured
        left -= clock.per_column * solver.NumVariables()
        if left < HIGHS_MIN_S:
            return None
    if left <= 0:
        return None
    limit_ms = max(1, int(1000 * left)) if math.isfinite(left) else None
    if limit_ms is not None:
        solver.SetTimeLimit(limit_ms)
    mp = pywraplp.MPSolverParameters()
    mp.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    started = time.monotonic()
    status = solver.Solve(mp)
    if not relax and limit_ms is not None and status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.INFEASIBLE):
        # stopped by its time limit: how far past it, per column, for the next programme's limit
        over = time.monotonic() - started - limit_ms / 1000.0
        clock.per_column = max(HIGHS_SETUP_S, 0.5 * clock.per_column + 0.5 * over / max(1, solver.NumVariables()))
    if relax:
        if status != pywraplp.Solver.OPTIMAL:
            return None
        return [max(0.0, float(rows[di].dual_value())) if di in rows else 0.0  # type: ignore[attr-defined]
                for di in range(len(problem.demands))]
    if cutoff and status == pywraplp.Solver.INFEASIBLE:
        return _finish(layout, problem, forced, best[1], best[0], True, best[0], zone_id, best[2])
    if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    proven_opt = status == pywraplp.Solver.OPTIMAL
    walk = objective.Value()
    bound = objective.BestBound() if not proven_opt else walk
    # the faces the walk covers
    covered_depth = {where_key for where_key, terms in cover.items()
                     if sum(v.solution_value() for v in terms) > 0.5}  # type: ignore[attr-defined]
    covered = [fi for fi in used if fi in forced_set or where[fi] in covered_depth]
    if walk >= best[0] - _EPS:  # the best trip known is as short
        return _finish(layout, problem, forced, best[1], best[0], proven_opt, bound, zone_id, best[2])
    return _finish(layout, problem, forced, covered, walk, proven_opt, bound, zone_id, True)




def _segment_rows(
    solver: object,
    problem: FaceProblem,
    segs: dict[tuple[int, int], _Segment],
    where: dict[int, tuple[tuple[int, int], int]],
    users: dict[int, list[int]],
    yvar: dict[int, object],
    forced: set[int],
) -> int:
    """A second covering row per demand, its faces that hold it all counted once per segment; rows added.

    Each face's ``y_f <= coverage of its depth`` lets a demand with two such faces in one block
    segment count both from one reach (half a traversal of the aisle then covers it in the
    relaxation). Any one of them is enough, and the walk takes one of them exactly when it traverses
    the segment, reaches in from the front to the nearest of them or from the back to the farthest:
    ``t_s <= traversal + front rung of the nearest + back rung of the farthest`` (``t_s <= 1``)
    stands for all of them, and ``qty * sum_s t_s + sum(units of the other faces * y_f) >= qty`` is
    valid for every walk and tighter where such segments exist (written only there). Not for
    demands with a shared or forced face. O(faces).
    """
    s = cast(Any, solver)
    inf = s.infinity()
    added = 0
    for d in problem.demands:
        if any(fi in forced or len(users[fi]) > 1 for fi in d.faces):
            continue
        per: dict[tuple[int, int], list[int]] = {}
        for fi in d.faces:
            if problem.stock[fi] >= d.qty:
                per.setdefault(where[fi][0], []).append(where[fi][1])
        if all(len(ks) < 2 for ks in per.values()):
            continue
        row = s.Constraint(float(d.qty), inf)
        for fi in d.faces:
            if problem.stock[fi] < d.qty:
                row.SetCoefficient(yvar[fi], float(problem.stock[fi]))
            elif len(per[where[fi][0]]) == 1:
                row.SetCoefficient(yvar[fi], float(d.qty))
        for key, ks in per.items():
            if len(ks) < 2:
                continue
            seg = segs[key]
            t = s.NumVar(0.0, 1.0, "")
            row.SetCoefficient(t, float(d.qty))
            c = s.Constraint(-inf, 0.0)
            c.SetCoefficient(t, 1.0)
            for v in (*seg.codes.get(aisle_dp.T1, ()), *seg.codes.get(aisle_dp.T2, ()),
                      seg.up[min(ks)], seg.down[max(ks)]):
                c.SetCoefficient(v, c.GetCoefficient(v) - 1.0)
        added += 1
    return added


def _minimal_covers(units: Sequence[int], need: int, most: int = MAX_COVERS) -> list[tuple[int, ...]] | None:
    """Every minimal set of indices whose ``units`` sum to at least ``need``; None past ``most`` of them.

    Minimal: no index can be dropped. Depth-first over the units largest first, a set closed as
    soon as it reaches ``need`` (it is minimal when its smallest cannot go). O(2^len(units)) at
    worst, cut at ``most`` sets.

    Examples
    --------
    >>> _minimal_covers([3, 4, 2], 5)
    [(0, 1), (1, 2), (0, 2)]
    >>> _minimal_covers([5, 1], 5)
    [(0,)]
    """
    n = len(units)
    order = sorted(range(n), key=lambda k: -units[k])
    out: list[tuple[int, ...]] = []

    def rec(pos: int, chosen: list[int], total: int) -> bool:
        if total >= need:
            # minimal: dropping the smallest chosen breaks it (chosen in descending units)
            if total - units[chosen[-1]] < need:
                out.append(tuple(sorted(chosen)))
            return len(out) <= most
        for j in range(pos, n):
            k = order[j]
            chosen.append(k)
            ok = rec(j + 1, chosen, total + units[k])
            chosen.pop()
            if not ok:
                return False
        return True

    if need <= 0:
        return []
    return out if rec(0, [], 0) else None


def _assign(problem: FaceProblem, covered: Sequence[int], forced: set[int]) -> tuple[tuple[int, int, int], ...] | None:
    """Units per demand from the covered faces, within stock: few faces, points already chosen first.

    Greedy in demand order (fewest covered faces first); if that strands a demand (faces shared
    between demands), an integral maximum flow decides.
    """
    cov = set(covered)
    left = {fi: problem.stock[fi] for fi in covered}
    order = sorted(range(len(problem.demands)),
                   key=lambda di: (sum(1 for fi in problem.demands[di].faces if fi in cov), di))
    chosen_points: set[Hashable] = {problem.points[fi] for fi in forced}
    takes: list[tuple[int, int, int]] = []
    for di in order:
        d = problem.demands[di]
        need = d.qty
        cands = sorted((fi for fi in d.faces if fi in cov),
                       key=lambda fi: (problem.points[fi] not in chosen_points, -min(left[fi], need), fi))
        for fi in cands:
            if need == 0:
                break
            q = min(left[fi], need)
            if q <= 0:
                continue
            left[fi] -= q
            need -= q
            takes.append((di, fi, q))
            chosen_points.add(problem.points[fi])
        if need:
            return _assign_by_flow(problem, covered)
    return tuple(sorted(takes))


def _assign_by_flow(problem: FaceProblem, covered: Sequence[int]) -> tuple[tuple[int, int, int], ...] | None:
    import networkx as nx

    if not covered:
        return None
    g = nx.DiGraph()
    total = 0
    for di, d in enumerate(problem.demands):
        g.add_edge("s", ("d", di), capacity=d.qty)
        total += d.qty
        for fi in d.faces:
            if fi in covered:
                g.add_edge(("d", di), ("f", fi), capacity=d.qty)
    for fi in covered:
        g.add_edge(("f", fi), "t", capacity=problem.stock[fi])
    value, flow = nx.maximum_flow(g, "s", "t")
    if value < total:
        return None
    out = []
    for di in range(len(problem.demands)):
        for (_, fi), q in flow.get(("d", di), {}).items():
            if q:
                out.append((di, fi, int(q)))
    return tuple(sorted(out))


# --- the greedy choice (any layout, any method) ----------------------------------------------

def _greedy(
    layout: Layout,
    problem: FaceProblem,
    method: RoutingMethod,
    zone_id: str | None,
    deadline: float,
    passes: int = 2,
) -> tuple[tuple[int, int, int], ...]:
    """Faces chosen demand by demand by the route they add, then improved one demand at a time.

    Demands with one face first, then the others: each takes its units from the face whose
    point lengthens the route through the points chosen so far least (ties: most stock, then
    index), again while units are missing. Then up to ``passes`` times (while time lasts)
    each demand with a choice is re-chosen with every other fixed, kept when the route gets
    shorter. One :func:`~engine.routing.route_lengths` call per choice: O(passes * demands)
    calls over O(faces) point sets each.
    """
    pts = problem.points
    left = list(problem.stock)
    chosen: dict[int, list[tuple[int, int]]] = {}  # demand -> (face, units)

    def base_points(skip: int) -> list[Hashable]:
        return list(dict.fromkeys(pts[fi] for di, v in chosen.items() if di != skip for fi, _ in v))

    def take(di: int) -> None:
        d = problem.demands[di]
        need = d.qty
        picks: list[tuple[int, int]] = []
        base = base_points(di)
        while need:
            used = {p for p, _ in picks}
            cands = [fi for fi in d.faces if left[fi] > 0 and fi not in used]
            if len(cands) == 1:
                best = cands[0]
            else:
                lengths = route_lengths(layout, [[*base, pts[fi]] for fi in cands], method, zone_id)
                best = min(range(len(cands)), key=lambda k: (round(float(lengths[k]), 9),
                                                             -min(left[cands[k]], need), cands[k]))
                best = cands[best]
            q = min(left[best], need)
            left[best] -= q
            need -= q
            picks.append((best, q))
            base.append(pts[best])
        chosen[di] = picks

    def total() -> float:
        ps = base_points(-1)
        return route_length(layout, ps, method, zone_id) if ps else 0.0

    order = sorted(range(len(problem.demands)), key=lambda di: (len(problem.demands[di].faces) > 1,
                                                                -problem.demands[di].qty, di))
    for di in order:
        take(di)
    for _ in range(passes):
        improved = False
        for di in order:
            if len(problem.demands[di].faces) < 2 or time.monotonic() > deadline:
                continue
            before = total()
            old = chosen.pop(di)
            for fi, q in old:
                left[fi] += q
            take(di)
            if total() < before - _EPS:
                improved = True
            else:
                for fi, q in chosen.pop(di):
                    left[fi] += q
                for fi, q in old:
                    left[fi] -= q
                chosen[di] = old
        if not improved:
            break
    return tuple(sorted((di, fi, q) for di, v in chosen.items() for fi, q in v))


# --- ruin and recreate (one-block to few-block rectangular layouts, hard trips only) -------------

def _lns(
    layout: RectangularLayout,
    problem: FaceProblem,
    takes: tuple[tuple[int, int, int], ...],
    length: float,
    deadline: float,
    zone_id: str | None,
    max_iterations: int = LNS_ITERATIONS,
) -> tuple[tuple[tuple[int, int, int], ...], float]:
    """A shorter trip by ruin and recreate around ``takes``; the best found and its route length.

    Each step drops the demands served in a window of one to three of the visited aisles (half the
    time also barring that window's faces), or a demand and those served nearest to it, or a few
    demands at random, then gives each dropped demand back its units greedily, face by face from
    the one that lengthens the exact route least (:class:`~engine.routing.compiled.RouteScorer`,
    one compiled call per unit step), in random order. A step is kept when the route gets no
    longer, or within a small, falling tolerance (annealing); the shortest trip is returned. The
    generator is seeded from the problem's size, so the steps repeat for the same problem; the
    clock (or ``max_iterations``) ends the search. O(iterations * dropped demands * faces) route
    lengths of O(aisles) each.
    """
    import random

    pts = cast(tuple[RectPoint, ...], problem.points)
    uniq = list(dict.fromkeys(pts))
    pid = {p: k for k, p in enumerate(uniq)}
    fpt = [pid[p] for p in pts]
    scorer = compiled.RouteScorer(layout, uniq, zone_id)
    nd = len(problem.demands)
    movable = [di for di, d in enumerate(problem.demands) if len(d.faces) > 1]
    if not movable:
        return takes, length
    rng = random.Random(len(pts) * 1_000_003 + nd)
    aisles = sorted({pts[fi].aisle for di in movable for fi in problem.demands[di].faces})
    chosen: dict[int, list[tuple[int, int]]] = {di: [] for di in range(nd)}
    left = list(problem.stock)
    count = [0] * len(uniq)
    for di, fi, q in takes:
        chosen[di].append((fi, q))
        left[fi] -= q
        count[fpt[fi]] += 1

    def current() -> list[int]:
        return [k for k, c in enumerate(count) if c]

    def drop(di: int) -> None:
        for fi, q in chosen[di]:
            left[fi] += q
            count[fpt[fi]] -= 1
        chosen[di] = []

    def give(di: int, barred: set[int]) -> float:
        """Units back to ``di`` face by face, cheapest route first; the route length after."""
        need = problem.demands[di].qty
        base = current()
        got = 0.0
        while need:
            used = {fi for fi, _ in chosen[di]}
            cands = [fi for fi in problem.demands[di].faces if left[fi] > 0 and fi not in used and fi not in barred]
            if not cands:
                cands = [fi for fi in problem.demands[di].faces if left[fi] > 0 and fi not in used]
            if not cands:  # shared faces: the others took the stock
                return math.inf
            lengths = scorer.lengths([[*base, fpt[fi]] for fi in cands])
            k = min(range(len(cands)), key=lambda k: (round(float(lengths[k]), 9), -min(left[cands[k]], need),
                                                       rng.random()))
            fi = cands[k]
            q = min(left[fi], need)
            left[fi] -= q
            need -= q
            chosen[di].append((fi, q))
            if count[fpt[fi]] == 0:
                base.append(fpt[fi])
            count[fpt[fi]] += 1
            got = float(lengths[k])
        return got

    cur_len = scorer.length(current())
    best_takes, best_len = (takes, cur_len) if cur_len < length - _EPS else (takes, length)
    temp0 = 0.01 * cur_len
    start = time.monotonic()
    span = max(deadline - start, 1e-9)
    step = 0
    last = 0
    while step < max_iterations and step - last < LNS_STALL and (now := time.monotonic()) < deadline:
        step += 1
        kind = rng.random()
        barred: set[int] = set()
        anchors: list[int] = []
        if kind < 0.2:  # an aisle walked through end to end (its outermost faces held while rebuilding)
            j = rng.choice(aisles)
            ends = sorted((f for f in range(len(pts)) if pts[f].aisle == j), key=lambda f: pts[f].y)
            anchors = [fpt[ends[0]], fpt[ends[-1]]]
            out = ([di for di in movable if any(pts[fi].aisle == j for fi in problem.demands[di].faces)]
                   if rng.random() < 0.6 else list(movable))
        elif kind < 0.3:  # the outermost visited aisles: the walk narrower
            visited = sorted({pts[fi].aisle for di in movable for fi, _ in chosen[di]})
            w = rng.randint(1, max(1, min(4, len(visited) - 1)))
            edge = set(visited[:w] if rng.random() < 0.5 else visited[-w:])
            out = [di for di in movable if any(pts[fi].aisle in edge for fi, _ in chosen[di])]
            barred = {fi for di in out for fi in problem.demands[di].faces if pts[fi].aisle in edge}
        elif kind < 0.6:  # an aisle window
            visited = sorted({pts[fi].aisle for di in movable for fi, _ in chosen[di]})
            a = rng.choice(visited)
            w = rng.choice((1, 1, 2, 3, 5))
            lo = a - rng.randrange(w)
            window = range(lo, lo + w)
            out = [di for di in movable if any(pts[fi].aisle in window for fi, _ in chosen[di])]
            if rng.random() < 0.7:
                barred = {fi for di in out for fi in problem.demands[di].faces if pts[fi].aisle in window}
        elif kind < 0.85:  # a demand and its neighbours
            di0 = rng.choice(movable)
            p0 = [pts[fi] for fi, _ in chosen[di0]]
            dist = {di: min(abs(p.x - q.x) + abs(p.y - q.y) for p in p0 for q in (pts[fi] for fi, _ in chosen[di]))
                    for di in movable}
            k = rng.randint(min(2, len(movable)), min(8, len(movable)))
            out = sorted(movable, key=lambda di: (dist[di], rng.random()))[:k]
        else:
            out = rng.sample(movable, rng.randint(1, min(6, len(movable))))
        if not out:
            continue
        saved = {di: list(chosen[di]) for di in out}
        for di in out:
            drop(di)
        rng.shuffle(out)
        for k in anchors:
            count[k] += 1
        new_len = cur_len
        for di in out:
            new_len = give(di, barred)
            if time.monotonic() >= deadline:  # a step rebuilding every demand takes some 20 ms: not past the limit
                new_len = math.inf
                break
        if anchors:
            for k in anchors:
                count[k] -= 1
            if math.isfinite(new_len):
                new_len = scorer.length(current())
        temp = temp0 * (1.0 - max(step / max_iterations, (now - start) / span))
        if new_len <= cur_len + _EPS or (temp > 0 and rng.random() < math.exp(-(new_len - cur_len) / temp)):
            cur_len = new_len
            if new_len < best_len - _EPS:
                best_len, last = new_len, step
                best_takes = tuple(sorted((di, fi, q) for di, v in chosen.items() for fi, q in v))
        else:
            for di in out:
                drop(di)
                for fi, q in saved[di]:
                    left[fi] -= q
                    count[fpt[fi]] += 1
                chosen[di] = saved[di]
    return best_takes, best_len
