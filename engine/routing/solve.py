"""The routing entry points: :func:`solve`, :func:`route_length` and :func:`route_lengths`."""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable, Iterable, Sequence
from typing import cast

import numpy as np

from engine.layout.base import Layout
from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.model import RoutingMethod
from engine.routing import aisle_dp, compiled
from engine.routing.graph_tsp import best_tour, heuristic_tour
from engine.routing.held_karp import DP_STOPS, held_karp
from engine.routing.heuristics import heuristic_stops
from engine.routing.types import Route, RoutingParams

logger = logging.getLogger(__name__)

HELD_KARP_STOPS = 12  # exact and proven up to here on any layout (about 2 ms at 12)
ESTIMATE_EXACT_STOPS = DP_STOPS  # route_length on graph layouts: exact up to here, local search beyond
#: Graph layouts: lists up to this many stops get a proof attempt after the local search.
EXACT_STOPS = 150
#: route_length on graph layouts beyond ESTIMATE_EXACT_STOPS: kicks of the iterated local search per stop.
ESTIMATE_KICKS_PER_STOP = 2

HEURISTICS = tuple(m for m in RoutingMethod if m is not RoutingMethod.OPTIMAL)


def solve(
    layout: Layout,
    points: Sequence[Hashable],
    params: RoutingParams | None = None,
    zone_id: str | None = None,
) -> Route:
    """Route one picker through ``points`` from the depot (of ``zone_id``) and back.

    Duplicate points collapse to one stop. ``length_m`` is always
    ``layout.route_length(stops, zone_id)`` (SPEC section 2).

    - Rectangular layouts, ``optimal``: the exact aisle-sweep programme
      (:mod:`engine.routing.aisle_dp`; Ratliff & Rosenthal for one block,
      Roodbergen & de Koster for two, the same rules for more), proven. Up to
      five blocks it is the compiled sweep, the stops rebuilt from its argmin
      path (:func:`engine.routing.compiled.optimal_tour`, milliseconds). With
      six or more blocks the reference programme runs under
      ``params.time_limit_s``; past it, Held-Karp if the list is short, else
      the best heuristic route, marked not proven.
    - Rectangular layouts, a heuristic: its stop order, never marked proven.
    - Graph layouts (any other layout): ``optimal`` only; Held-Karp up to
      ``DP_STOPS`` stops (proven); else an iterated 2-opt/Or-opt local search
      (:func:`engine.routing.graph_tsp.heuristic_tour`), then, up to
      ``EXACT_STOPS`` stops, a proof from it (1-tree branch and bound, then
      branch and cut; :func:`engine.routing.graph_tsp.best_tour`) that stops
      as soon as the tour is proven optimal, or past its fixed work budget or
      ``params.time_limit_s`` (then marked not proven).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> r = solve(lay, [lay.point("A03-B1-S002-L"), lay.point("A01-B1-S009-R")])
    >>> [p.aisle for p in r.stops], r.length_m, r.proven
    ([1, 3], 36.0, True)
    """
    params = params if params is not None else RoutingParams()
    method = params.method
    pts = tuple(dict.fromkeys(points))
    if not pts:
        return Route((), 0.0, True, method)
    stops: tuple[Hashable, ...]
    if isinstance(layout, RectangularLayout):
        stops, proven = _solve_rectangular(layout, cast(tuple[RectPoint, ...], pts), params, zone_id)
    else:
        stops, proven = _solve_matrix(layout, pts, params, zone_id)
    return Route(stops, layout.route_length(stops, zone_id), proven, method)


def route_length(
    layout: Layout,
    points: Sequence[Hashable],
    method: RoutingMethod = RoutingMethod.OPTIMAL,
    zone_id: str | None = None,
) -> float:
    """Length in metres of the route ``method`` gives through ``points``.

    The hot path of the batching optimiser. On rectangular layouts with
    ``optimal`` it runs the compiled aisle programme
    (:mod:`engine.routing.kernel`) without building the stop order: for 30
    picks on 25 aisles a median of about 0.04 ms with one block, 0.07 ms with
    two, 0.2 ms with three and 0.75 ms with four (7-27x less than the
    pure-Python reference; ``benchmarks/results/sprp.md``), up to five blocks;
    the reference programme beyond. The first exact call of a process loads
    numba and the cached kernel (0.5-2 s). The length depends on the set of
    points only (order and duplicates do not matter). To score many subsets of
    one point table, build a :class:`~engine.routing.compiled.RouteScorer` once
    instead (another 1.2-2x less per call). On graph
    layouts it is exact (Held-Karp) up to ``ESTIMATE_EXACT_STOPS`` stops and beyond
    the length of a real tour from a short iterated local search
    (``ESTIMATE_KICKS_PER_STOP`` kicks per stop; deterministic): use :func:`solve`
    for the final route.

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=2, aisles=4, slots_per_side=5,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> route_length(lay, [lay.point("A01-B2-S001-L")])
    17.0
    """
    method = RoutingMethod(method)
    if isinstance(layout, RectangularLayout) and method is RoutingMethod.OPTIMAL:
        if not points:
            return 0.0
        rect = cast(Sequence[RectPoint], points)
        depot_x = layout.depot(zone_id).x
        if layout.blocks <= compiled.MAX_BLOCKS:
            return compiled.optimal_length(layout, rect, depot_x)
        return aisle_dp.optimal_length(layout, sorted(set(rect)), depot_x)
    pts = list(dict.fromkeys(points))
    if not pts:
        return 0.0
    if isinstance(layout, RectangularLayout):
        rect_pts = cast(list[RectPoint], pts)
        return layout.route_length(heuristic_stops(layout, rect_pts, method, layout.depot(zone_id).x), zone_id)
    _require_optimal(method)
    dist = layout.distance_matrix([layout.depot(zone_id), *pts])
    if len(pts) <= ESTIMATE_EXACT_STOPS:
        return held_karp(dist)[1]
    return heuristic_tour(dist, ESTIMATE_KICKS_PER_STOP * len(pts))[1]


def route_lengths(
    layout: Layout,
    point_sets: Iterable[Sequence[Hashable]],
    method: RoutingMethod = RoutingMethod.OPTIMAL,
    zone_id: str | None = None,
) -> np.ndarray:
    """:func:`route_length` of each point set, as a float64 array, in one call.

    For scoring many candidate batches at once (e.g. every insertion position
    of an order). On rectangular layouts with ``optimal`` (up to five blocks)
    all sets go to the compiled kernel in one call, so the Python cost is one
    pass over the points; otherwise it loops over :func:`route_length`.
    O(total points + sets * aisles * (K * states + moves)).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=2, aisles=4, slots_per_side=5,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> a, b = lay.point("A01-B2-S001-L"), lay.point("A04-B1-S001-L")
    >>> route_lengths(lay, [[a], [b], [a, b], []]).tolist()
    [17.0, 21.0, 35.0, 0.0]
    """
    method = RoutingMethod(method)
    if (
        isinstance(layout, RectangularLayout)
        and method is RoutingMethod.OPTIMAL
        and layout.blocks <= compiled.MAX_BLOCKS
    ):
        sets = cast(Iterable[Sequence[RectPoint]], point_sets)
        return compiled.optimal_lengths(layout, sets, layout.depot(zone_id).x)
    return np.array([route_length(layout, s, method, zone_id) for s in point_sets], dtype=np.float64)


def _solve_rectangular(
    layout: RectangularLayout,
    pts: tuple[RectPoint, ...],
    params: RoutingParams,
    zone_id: str | None,
) -> tuple[tuple[RectPoint, ...], bool]:
    depot_x = layout.depot(zone_id).x
    if params.method is not RoutingMethod.OPTIMAL:
        return heuristic_stops(layout, pts, params.method, depot_x), False
    if layout.blocks <= compiled.MAX_BLOCKS:
        return compiled.optimal_tour(layout, pts, depot_x)[0], True
    deadline = time.monotonic() + params.time_limit_s
    try:
        return aisle_dp.solve_tour(layout, pts, depot_x, deadline)[0], True
    except aisle_dp.DeadlineExceededError:
        logger.warning(
            "exact routing of %d stops on %d blocks passed %.1f s",
            len(pts), layout.blocks, params.time_limit_s,
        )
    if len(pts) <= HELD_KARP_STOPS:
        order, _ = held_karp(layout.distance_matrix([layout.depot(zone_id), *pts]))
        return tuple(pts[i - 1] for i in order), True
    candidates = [heuristic_stops(layout, pts, m, depot_x) for m in HEURISTICS]
    return min(candidates, key=lambda s: layout.route_length(s, zone_id)), False


def _solve_matrix(
    layout: Layout, pts: tuple[Hashable, ...], params: RoutingParams, zone_id: str | None
) -> tuple[tuple[Hashable, ...], bool]:
    _require_optimal(params.method)
    dist = layout.distance_matrix([layout.depot(zone_id), *pts])
    res = best_tour(dist, exact_stops=EXACT_STOPS, time_limit_s=params.time_limit_s, seed=params.seed)
    return tuple(pts[i - 1] for i in res.order), res.proven


def _require_optimal(method: RoutingMethod) -> None:
    if method is not RoutingMethod.OPTIMAL:
        raise ValueError(f"routing {method.value!r} needs a rectangular layout; graph layouts use 'optimal'")
