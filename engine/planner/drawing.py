"""What the pictures show, as plain data: no matplotlib here.

Plots in :mod:`engine.planner.plots` only draw what these functions return, so
tests can check a drawing (a route polyline passes through its stops, its
length equals the layout's route length) without comparing pixels.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

from engine.layout import GraphLayout, Layout, RectangularLayout, RectPoint, location_id


@dataclass(frozen=True, slots=True)
class Segment:
    """A walkable line: an aisle, a cross aisle, or a graph edge."""

    kind: str  # "aisle" | "cross_aisle" | "edge"
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True, slots=True)
class Rect:
    """An axis-aligned rectangle (racking, or a zone's extent)."""

    label: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class Marker:
    """A labelled point: a depot, or a graph layout's location node."""

    label: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class LayoutDrawing:
    """Everything drawn for a layout, in metres.

    ``racks`` are the storage faces on both sides of each aisle (rectangular
    layouts); ``zones`` the extent of each zone; ``bounds`` is
    ``(xmin, ymin, xmax, ymax)`` with a margin.
    """

    name: str
    kind: str
    segments: tuple[Segment, ...]
    racks: tuple[Rect, ...]
    locations: tuple[Marker, ...]
    depots: tuple[Marker, ...]
    zones: tuple[Rect, ...]
    bounds: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class RoutePolyline:
    """A route as drawn: the path along aisles through every stop.

    Attributes
    ----------
    xy
        ``(n, 2)`` vertices of the drawn path, depot to depot.
    stop_xy
        ``(k, 2)`` positions of the stops, in visiting order.
    stop_vertex
        For each stop, the index into ``xy`` where the path reaches it.
    length_m
        Length of the path on the layout graph (equals the route length).
    """

    xy: np.ndarray
    stop_xy: np.ndarray
    stop_vertex: tuple[int, ...]
    length_m: float


@dataclass(frozen=True, slots=True)
class DensityMap:
    """Picks per location, with where each location is drawn.

    ``values`` counts picks (pick rows, i.e. order lines served) per location;
    ``units`` counts items. Locations without picks are absent.
    """

    location_ids: tuple[str, ...]
    xy: np.ndarray
    values: np.ndarray
    units: np.ndarray

    @property
    def total(self) -> float:
        return float(self.values.sum())


# --- layouts ------------------------------------------------------------------------
def _merge_markers(markers: list[Marker]) -> tuple[Marker, ...]:
    # Depots sharing a position get one marker with a joined label.
    merged: dict[tuple[float, float], list[str]] = {}
    for m in markers:
        merged.setdefault((m.x, m.y), []).append(m.label)
    return tuple(Marker(", ".join(labels), x, y) for (x, y), labels in merged.items())


def all_location_ids(layout: Layout) -> tuple[str, ...]:
    """Every location id of a layout, in a stable order.

    Rectangular layouts enumerate aisle, block, slot, side (``2 * A * K * S`` ids);
    graph layouts list their declared locations sorted by id.

    >>> lay = RectangularLayout("t", blocks=1, aisles=1, slots_per_side=2)
    >>> all_location_ids(lay)
    ('A01-B1-S001-L', 'A01-B1-S001-R', 'A01-B1-S002-L', 'A01-B1-S002-R')
    """
    if isinstance(layout, RectangularLayout):
        return tuple(
            location_id(a, b, s, side)
            for a in range(1, layout.aisles + 1)
            for b in range(1, layout.blocks + 1)
            for s in range(1, layout.slots_per_side + 1)
            for side in ("L", "R")
        )
    if isinstance(layout, GraphLayout):
        return tuple(sorted(layout.locations))
    raise TypeError(f"unsupported layout type {type(layout).__name__}")


def point_xy(layout: Layout, point: Hashable) -> tuple[float, float]:
    """Plan coordinates (metres) of a layout point (a RectPoint or a graph node)."""
    if isinstance(layout, GraphLayout):
        x, y = layout.nodes[str(point)]
        return float(x), float(y)
    p: RectPoint = point  # type: ignore[assignment]
    return float(p.x), float(p.y)


def location_xy(layout: Layout, loc: str) -> tuple[float, float]:
    """Where a location is drawn: rectangular sides sit a quarter pitch off the aisle centre."""
    if isinstance(layout, RectangularLayout):
        p = layout.point(loc)
        off = layout.aisle_pitch_m / 4
        return p.x - off if loc.endswith("L") else p.x + off, p.y
    return point_xy(layout, layout.point(loc))


def _rect_drawing(lay: RectangularLayout) -> LayoutDrawing:
    segments: list[Segment] = []
    racks: list[Rect] = []
    top = float(lay.cross_aisle_y(lay.blocks))
    for k in range(lay.blocks + 1):
        y = float(lay.cross_aisle_y(k))
        segments.append(Segment("cross_aisle", 0.0, y, lay.width_m, y))
    face = lay.aisle_pitch_m * 0.3
    for a in range(1, lay.aisles + 1):
        x = lay.aisle_x(a)
        segments.append(Segment("aisle", x, 0.0, x, top))
        for b in range(1, lay.blocks + 1):
            y0 = float(lay.cross_aisle_y(b - 1)) + lay.cross_aisle_width_m / 2
            for side, x0 in (("L", x - lay.aisle_pitch_m / 2 + 0.1), ("R", x + lay.aisle_pitch_m / 2 - 0.1 - face)):
                racks.append(Rect(f"A{a:02d}-B{b}-{side}", x0, y0, face, lay.block_depth_m))
    depots = [Marker("depot", lay.depot().x, 0.0)]
    zones: list[Rect] = []
    for z in lay.zones:
        assert z.aisles is not None
        depots.append(Marker(f"depot {z.zone_id}", lay.depot(z.zone_id).x, 0.0))
        x0 = lay.aisle_x(z.aisles[0]) - lay.aisle_pitch_m / 2
        x1 = lay.aisle_x(z.aisles[1]) + lay.aisle_pitch_m / 2
        zones.append(Rect(z.zone_id, x0, 0.0, x1 - x0, top))
    pad = lay.aisle_pitch_m
    return LayoutDrawing(lay.name, lay.kind, tuple(segments), tuple(racks), (), _merge_markers(depots), tuple(zones),
                         (-pad, -pad, lay.width_m + pad, top + pad))


def _graph_drawing(lay: GraphLayout) -> LayoutDrawing:
    segments = tuple(
        Segment("edge", *lay.nodes[str(u)], *lay.nodes[str(v)]) for u, v in sorted(lay.graph.edges, key=str)
    )
    locs = tuple(Marker(loc, *lay.nodes[node]) for loc, node in sorted(lay.locations.items()))
    depots = [Marker("depot", *lay.nodes[lay.depot_node])]
    zones: list[Rect] = []
    pad = 1.0
    for z in lay.zones:
        if z.depot_node is not None:
            depots.append(Marker(f"depot {z.zone_id}", *lay.nodes[z.depot_node]))
        xy = np.array([lay.nodes[n] for n in sorted(z.nodes) if n in lay.nodes], dtype=float).reshape(-1, 2)
        if len(xy):
            lo, hi = xy.min(axis=0) - pad / 2, xy.max(axis=0) + pad / 2
            zones.append(Rect(z.zone_id, float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])))
    allxy = np.array(list(lay.nodes.values()), dtype=float).reshape(-1, 2)
    lo, hi = allxy.min(axis=0), allxy.max(axis=0)
    pad = max(1.0, 0.05 * float(max(hi[0] - lo[0], hi[1] - lo[1])))
    return LayoutDrawing(lay.name, lay.kind, segments, (), locs, _merge_markers(depots), tuple(zones),
                         (float(lo[0]) - pad, float(lo[1]) - pad, float(hi[0]) + pad, float(hi[1]) + pad))


def layout_drawing(layout: Layout) -> LayoutDrawing:
    """The lines, racks, depots and zones of a layout of either kind.

    >>> d = layout_drawing(RectangularLayout("t", blocks=2, aisles=3, slots_per_side=10))
    >>> sum(s.kind == "cross_aisle" for s in d.segments), sum(s.kind == "aisle" for s in d.segments)
    (3, 3)
    """
    if isinstance(layout, RectangularLayout):
        return _rect_drawing(layout)
    if isinstance(layout, GraphLayout):
        return _graph_drawing(layout)
    raise TypeError(f"unsupported layout type {type(layout).__name__}")


# --- routes -------------------------------------------------------------------------
def route_polyline(layout: Layout, stops: Sequence[Hashable], zone_id: str | None = None) -> RoutePolyline:
    """The path a picker walks: depot, each stop in order, depot, along the aisles.

    Each leg is the shortest path on ``layout.to_networkx()`` (for a rectangular
    layout, the aisle graph built with the route's own points), weighted by
    ``length_m``, so the drawing follows aisles and cross aisles and its length
    equals ``layout.route_length(stops, zone_id)``. O(k (E + V log V)) for k stops.

    >>> lay = RectangularLayout("t", blocks=1, aisles=2, slots_per_side=4)
    >>> line = route_polyline(lay, [lay.point("A02-B1-S002-L")])
    >>> line.length_m, line.xy.tolist()
    (11.0, [[0.0, 0.0], [3.0, 0.0], [3.0, 2.5], [3.0, 0.0], [0.0, 0.0]])
    """
    depot = layout.depot(zone_id)
    # A rectangular aisle graph needs the route's own points as nodes.
    rect = isinstance(layout, RectangularLayout)
    graph = layout.to_networkx(list(stops)) if rect else layout.to_networkx()  # type: ignore[call-arg]
    seq = [depot, *stops, depot]
    nodes: list[Hashable] = [depot]
    stop_vertex: list[int] = []
    length = 0.0
    for u, v in itertools.pairwise(seq):
        path = nx.shortest_path(graph, u, v, weight="length_m")
        length += sum(graph.edges[a, b]["length_m"] for a, b in itertools.pairwise(path))
        nodes.extend(path[1:])
        stop_vertex.append(len(nodes) - 1)
    stop_vertex.pop()  # the last leg ends at the depot, not a stop
    xy = np.array([point_xy(layout, n) for n in nodes], dtype=float).reshape(-1, 2)
    stop_xy = np.array([point_xy(layout, s) for s in stops], dtype=float).reshape(-1, 2)
    return RoutePolyline(_drop_repeats(xy), stop_xy, _reindex(xy, stop_vertex), float(length))


def _drop_repeats(xy: np.ndarray) -> np.ndarray:
    # Zero-length edges (a depot on a junction) would draw as repeated vertices.
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(np.diff(xy, axis=0) != 0, axis=1)
    return xy[keep]


def _reindex(xy: np.ndarray, vertex: list[int]) -> tuple[int, ...]:
    keep = np.ones(len(xy), dtype=bool)
    keep[1:] = np.any(np.diff(xy, axis=0) != 0, axis=1)
    new_index = np.cumsum(keep) - 1
    return tuple(int(new_index[i]) for i in vertex)


# --- pick density -------------------------------------------------------------------
def pick_density(layout: Layout, picks: Iterable[tuple[str, int]]) -> DensityMap:
    """Picks and units per location from ``(location_id, qty)`` pairs.

    Each pair counts as one pick of ``qty`` units; locations are sorted by id.

    >>> lay = RectangularLayout("t", blocks=1, aisles=2, slots_per_side=4)
    >>> d = pick_density(lay, [("A01-B1-S001-L", 2), ("A01-B1-S001-L", 1), ("A02-B1-S003-R", 5)])
    >>> d.location_ids, d.values.tolist(), d.units.tolist()
    (('A01-B1-S001-L', 'A02-B1-S003-R'), [2.0, 1.0], [3.0, 5.0])
    """
    count: Counter[str] = Counter()
    units: Counter[str] = Counter()
    for loc, qty in picks:
        count[loc] += 1
        units[loc] += qty
    ids = tuple(sorted(count))
    xy = np.array([location_xy(layout, loc) for loc in ids], dtype=float).reshape(-1, 2)
    return DensityMap(ids, xy, np.array([count[i] for i in ids], dtype=float),
                      np.array([units[i] for i in ids], dtype=float))
