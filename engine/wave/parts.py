"""What batching works on: parts of orders (per zone, per cart load), pick points, the scoring route method.

Split out of :mod:`engine.wave.pipeline`, which re-exports these names.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import cast

from engine.batching import BatchingProblem, RouteCache, colgen
from engine.layout import Layout, RectangularLayout, RectPoint
from engine.model import CartSpec, Method, Order, RoutingMethod
from engine.routing import RouteScorer, route_length
from engine.wave.allocation import Take
from engine.wave.problem import WaveProblem
from engine.wave.totes import ToteLoad, fill_totes, load_of, trip_groups


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
        colgen.warm_up(scorer)
        size = scorer.size

        def by_scorer(pts: frozenset[int]) -> float:
            return scorer.length(pts) if max(pts) < size else by_length(pts)

        def many(sets: Sequence[frozenset[int]]) -> Sequence[float]:
            if all(max(p, default=0) < size for p in sets):
                return scorer.lengths(sets).tolist()
            return [by_scorer(p) if p else 0.0 for p in sets]

        return RouteCache(by_scorer, many, scorer)


#: Largest block count on which moves are scored by the exact routing programme: the compiled
#: scorer costs about 0.03 ms per route on 1-2 blocks, 0.2 ms on 3 and 1.4 ms on 4 (30 picks).
EXACT_SCORING_BLOCKS = 4


#: Block counts the compiled scorer covers.
COMPILED_BLOCKS = 4


def scoring_method(layout: Layout, routing: RoutingMethod) -> RoutingMethod:
    """The routing method that scores batching moves.

    The configured method, except ``optimal`` on rectangular layouts of more than
    :data:`EXACT_SCORING_BLOCKS` blocks: scored by ``combined`` (final routes stay exact).
    """
    if (routing is RoutingMethod.OPTIMAL and isinstance(layout, RectangularLayout)
            and layout.blocks > EXACT_SCORING_BLOCKS):
        return RoutingMethod.COMBINED
    return routing


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
