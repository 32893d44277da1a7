"""The routing entry points: :func:`solve` and :func:`route_length`."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Hashable, Sequence
from typing import cast

from engine.layout.base import Layout
from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.model import RoutingMethod
from engine.routing import aisle_dp
from engine.routing.graph_tsp import ortools_tour, two_opt_tour
from engine.routing.held_karp import held_karp
from engine.routing.heuristics import heuristic_stops
from engine.routing.types import Route, RoutingParams

logger = logging.getLogger(__name__)

HELD_KARP_STOPS = 12  # exact and proven up to here on any layout (about 0.1 s at 12)
ESTIMATE_EXACT_STOPS = 8  # route_length on graph layouts: exact up to here, 2-opt beyond

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
      Roodbergen & de Koster for two, the same rules for more), proven. With 3+
      blocks it runs under ``params.time_limit_s``; past it, Held-Karp if the
      list is short, else the best heuristic route, marked not proven.
    - Rectangular layouts, a heuristic: its stop order, never marked proven.
    - Graph layouts (any other layout): ``optimal`` only; Held-Karp up to
      ``HELD_KARP_STOPS`` stops (proven), else OR-Tools under the time limit
      (not proven).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> r = solve(lay, [lay.point("A03-B1-S002-L"), lay.point("A01-B1-S009-R")])
    >>> [p.aisle for p in r.stops], r.length_m, r.proven
    ([3, 1], 36.0, True)
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

    The hot path of the batching optimiser: on rectangular layouts with
    ``optimal`` it runs the aisle programme without building the stop order
    (over 1,000 routes/s for 30 picks on 25 aisles, one or two blocks), and
    remembers the last 65,536 point sets it scored. On graph
    layouts it is exact (Held-Karp) up to ``ESTIMATE_EXACT_STOPS`` stops and a
    2-opt upper bound beyond: use :func:`solve` for the final route.

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=2, aisles=4, slots_per_side=5,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> route_length(lay, [lay.point("A01-B2-S001-L")])
    17.0
    """
    method = RoutingMethod(method)
    pts = list(dict.fromkeys(points))
    if not pts:
        return 0.0
    if isinstance(layout, RectangularLayout):
        rect = cast(list[RectPoint], pts)
        depot_x = layout.depot(zone_id).x
        if method is RoutingMethod.OPTIMAL:
            return _cached_optimal_length(layout, frozenset(rect), depot_x)
        return layout.route_length(heuristic_stops(layout, rect, method, depot_x), zone_id)
    _require_optimal(method)
    dist = layout.distance_matrix([layout.depot(zone_id), *pts])
    if len(pts) <= ESTIMATE_EXACT_STOPS:
        return held_karp(dist)[1]
    return two_opt_tour(dist)[1]


@functools.lru_cache(maxsize=1 << 16)
def _cached_optimal_length(layout: RectangularLayout, points: frozenset[RectPoint], depot_x: float) -> float:
    # The optimiser re-scores the same batches again and again; the length depends on
    # the set of points only. Points are sorted so the float sum is order-independent.
    return aisle_dp.optimal_length(layout, sorted(points), depot_x)


def _solve_rectangular(
    layout: RectangularLayout,
    pts: tuple[RectPoint, ...],
    params: RoutingParams,
    zone_id: str | None,
) -> tuple[tuple[RectPoint, ...], bool]:
    depot_x = layout.depot(zone_id).x
    if params.method is not RoutingMethod.OPTIMAL:
        return heuristic_stops(layout, pts, params.method, depot_x), False
    deadline = None if layout.blocks <= 2 else time.monotonic() + params.time_limit_s
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
    if len(pts) <= HELD_KARP_STOPS:
        order, _ = held_karp(dist)
        proven = True
    else:
        order = ortools_tour(dist, params.time_limit_s, params.seed)
        proven = False
    return tuple(pts[i - 1] for i in order), proven


def _require_optimal(method: RoutingMethod) -> None:
    if method is not RoutingMethod.OPTIMAL:
        raise ValueError(f"routing {method.value!r} needs a rectangular layout; graph layouts use 'optimal'")
