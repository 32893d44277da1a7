"""The plotted data: routes follow aisles through their stops; layouts and densities."""

import itertools

import numpy as np
import pytest

from engine.layout import GraphLayout, RectangularLayout
from engine.planner.drawing import (
    all_location_ids,
    layout_drawing,
    location_xy,
    pick_density,
    route_polyline,
)


def _on_walkable_lines(lay: RectangularLayout, xy: np.ndarray) -> None:
    """Every leg of the polyline runs along an aisle or a cross-aisle centre line."""
    aisle_x = {lay.aisle_x(a) for a in range(1, lay.aisles + 1)}
    cross_y = {float(lay.cross_aisle_y(k)) for k in range(lay.blocks + 1)}
    for (x0, y0), (x1, y1) in itertools.pairwise(xy.tolist()):
        if x0 == x1:
            assert x0 in aisle_x, f"vertical leg at x={x0} is not an aisle"
        else:
            assert y0 == y1 and y0 in cross_y, f"leg ({x0},{y0})-({x1},{y1}) leaves the cross aisles"


@pytest.mark.parametrize("seed", range(6))
def test_rect_route_passes_through_stops_along_aisles(rect: RectangularLayout, seed: int) -> None:
    rng = np.random.default_rng(seed)
    ids = all_location_ids(rect)
    stops = [rect.point(ids[i]) for i in rng.choice(len(ids), size=7, replace=False)]
    line = route_polyline(rect, stops)
    depot = rect.depot()
    assert tuple(line.xy[0]) == (depot.x, depot.y) == tuple(line.xy[-1])
    assert line.stop_xy.tolist() == [[p.x, p.y] for p in stops]
    np.testing.assert_array_equal(line.xy[list(line.stop_vertex)], line.stop_xy)
    assert list(line.stop_vertex) == sorted(line.stop_vertex)
    _on_walkable_lines(rect, line.xy)
    # Manhattan length of what is drawn equals the contract's route length.
    drawn = float(np.abs(np.diff(line.xy, axis=0)).sum())
    assert drawn == pytest.approx(rect.route_length(stops))
    assert line.length_m == pytest.approx(rect.route_length(stops))


def test_rect_route_uses_zone_depot(rect: RectangularLayout) -> None:
    stops = [rect.point("A04-B2-S003-R")]
    line = route_polyline(rect, stops, zone_id="Z2")
    assert tuple(line.xy[0]) == (6.0, 0.0)
    # 3 m along the front cross aisle, up 12 + 1 + 2.5, and back
    assert line.length_m == pytest.approx(2 * (3 + 15.5)) == pytest.approx(rect.route_length(stops, "Z2"))


def test_rect_route_crossing_blocks_goes_via_middle_cross_aisle(rect: RectangularLayout) -> None:
    # A01 block 2 slot 1 then A02 block 2 slot 1: best via the middle cross aisle (y = 12).
    stops = [rect.point("A01-B2-S001-L"), rect.point("A02-B2-S001-L")]
    line = route_polyline(rect, stops)
    assert [0.0, 12.0] in line.xy.tolist() and [3.0, 12.0] in line.xy.tolist()


def test_graph_route_follows_edges_and_ramp_length(graph: GraphLayout) -> None:
    stops = [graph.point("L3"), graph.point("L4")]
    line = route_polyline(graph, stops)
    node_xy = {tuple(map(float, xy)) for xy in graph.nodes.values()}
    assert all(tuple(v) in node_xy for v in line.xy.tolist())
    np.testing.assert_array_equal(line.xy[list(line.stop_vertex)], line.stop_xy)
    # dock-n1-n2-n3 (15.5, with the 7.5 m ramp), n3-n4 (6), n4-dock (20 m shortcut)
    assert line.length_m == pytest.approx(41.5) == pytest.approx(graph.route_length(stops))


def test_empty_route_is_depot_only(graph: GraphLayout) -> None:
    line = route_polyline(graph, [])
    assert line.xy.tolist() == [[0.0, 0.0]] and line.length_m == 0.0 and line.stop_vertex == ()


def test_layout_drawing_rect(rect: RectangularLayout) -> None:
    d = layout_drawing(rect)
    assert sum(s.kind == "aisle" for s in d.segments) == 4
    assert sum(s.kind == "cross_aisle" for s in d.segments) == 3
    assert len(d.racks) == 4 * 2 * 2  # aisles x blocks x sides
    assert [z.label for z in d.zones] == ["Z1", "Z2"]
    # the depot of Z1 sits at x = 0, the layout depot at 1.5 and Z2's at 6: three markers
    assert sorted((m.x, m.label) for m in d.depots) == [(0.0, "depot Z1"), (1.5, "depot"), (6.0, "depot Z2")]
    xmin, ymin, xmax, ymax = d.bounds
    assert xmin < 0 < 9 < xmax and ymin < 0 < 24 < ymax


def test_layout_drawing_graph_merges_coincident_depots(graph: GraphLayout) -> None:
    d = layout_drawing(graph)
    assert len(d.segments) == graph.graph.number_of_edges()
    assert len(d.locations) == 5
    assert sorted(m.label for m in d.depots) == ["depot", "depot up"]
    assert [z.label for z in d.zones] == ["up"]


def test_all_location_ids(rect: RectangularLayout, graph: GraphLayout) -> None:
    ids = all_location_ids(rect)
    assert len(ids) == len(set(ids)) == 4 * 2 * 10 * 2
    assert all(rect.has_location(i) for i in ids)
    assert all_location_ids(graph) == ("L1", "L2", "L3", "L4", "L4b")


def test_pick_density_counts_and_positions(rect: RectangularLayout) -> None:
    picks = [("A02-B1-S004-L", 1), ("A02-B1-S004-R", 3), ("A02-B1-S004-L", 2)]
    d = pick_density(rect, picks)
    assert d.location_ids == ("A02-B1-S004-L", "A02-B1-S004-R")
    assert d.values.tolist() == [2.0, 1.0] and d.units.tolist() == [3.0, 3.0] and d.total == 3.0
    # the two sides of one pick position are drawn either side of the aisle centre
    assert d.xy[:, 1].tolist() == [4.5, 4.5] and d.xy[0, 0] < 3.0 < d.xy[1, 0]
    assert location_xy(rect, "A02-B1-S004-R") == (3.75, 4.5)
