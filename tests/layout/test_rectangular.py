"""Hand-computed distances on a 2-block layout (SPEC section 2)."""

import itertools

import networkx as nx
import numpy as np
import pytest

from engine.layout import RectangularLayout, Zone, location_id


@pytest.fixture
def two_block() -> RectangularLayout:
    # D = 10, cross aisles at y = 0, 12, 24; aisles at x = 0, 3, 6
    return RectangularLayout("t", blocks=2, aisles=3, slots_per_side=10, slot_length_m=1.0,
                             aisle_pitch_m=3.0, cross_aisle_width_m=2.0)


def test_location_id_format() -> None:
    assert location_id(3, 1, 17, "L") == "A03-B1-S017-L"
    assert location_id(123, 2, 1234, "R") == "A123-B2-S1234-R"


def test_pick_positions(two_block: RectangularLayout) -> None:
    p = two_block.point("A03-B2-S010-R")
    assert (p.x, p.y) == (6.0, 22.5)
    assert two_block.point("A01-B1-S001-L").y == 1.5
    # both sides of an aisle at one slot share one pick position
    assert two_block.point("A02-B1-S004-L") == two_block.point("A02-B1-S004-R")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("A01-B1-S002-L", "A01-B1-S007-R", 5.0),  # same aisle, same block
        ("A01-B1-S009-L", "A01-B2-S002-L", 5.0),  # same aisle, across cross aisle 1
        ("A01-B1-S002-L", "A03-B1-S003-L", 12.0),  # 2.5 + 6 + 3.5 via the front cross aisle
        ("A01-B1-S009-L", "A03-B1-S008-L", 12.0),  # 2.5 + 6 + 3.5 via the middle cross aisle
        ("A01-B1-S005-L", "A02-B2-S005-L", 15.0),  # 6.5 + 3 + 5.5: other aisle and block
    ],
)
def test_distances(two_block: RectangularLayout, a: str, b: str, expected: float) -> None:
    assert two_block.distance(two_block.point(a), two_block.point(b)) == pytest.approx(expected)
    assert two_block.distance(two_block.point(b), two_block.point(a)) == pytest.approx(expected)


def test_depot_distances() -> None:
    lay = RectangularLayout("t", blocks=2, aisles=3, slots_per_side=10, slot_length_m=1.0,
                            aisle_pitch_m=3.0, cross_aisle_width_m=2.0, depot_x_m=4.5,
                            zones=(Zone("Z1", aisles=(1, 1), depot_x_m=0.0),))
    depot = lay.depot()
    assert lay.distance(depot, lay.point("A02-B1-S001-L")) == pytest.approx(3.0)
    # the depot leaves only by cross aisle 0: 1.5 + 12 + 10.5 beats going round the back
    assert lay.distance(depot, lay.point("A03-B2-S010-L")) == pytest.approx(1.5 + 12 + 10.5)
    assert lay.distance(lay.depot("Z1"), lay.point("A01-B1-S001-L")) == pytest.approx(1.5)
    assert lay.route_length([lay.point("A02-B1-S001-L")]) == pytest.approx(6.0)
    assert lay.zone_of("A01-B2-S003-L") == "Z1"
    assert lay.zone_of("A02-B2-S003-L") is None


def test_closed_form_equals_graph_shortest_paths(two_block: RectangularLayout) -> None:
    pts = [two_block.depot()] + [
        two_block.make_point(a, b, s) for a, b, s in itertools.product((1, 2, 3), (1, 2), (1, 4, 10))
    ]
    graph = two_block.to_networkx()
    matrix = two_block.distance_matrix(pts)
    for i, p in enumerate(pts):
        lengths = nx.single_source_dijkstra_path_length(graph, p, weight="length_m")
        assert np.allclose([lengths[q] for q in pts], matrix[i])


def test_matrix_is_symmetric_metric(two_block: RectangularLayout) -> None:
    pts = [two_block.make_point(a, b, s) for a in (1, 3) for b in (1, 2) for s in (1, 6)]
    m = two_block.distance_matrix(pts)
    assert np.allclose(m, m.T)
    assert np.allclose(np.diag(m), 0.0)
    n = len(pts)
    for i, j, k in itertools.product(range(n), repeat=3):
        assert m[i, j] <= m[i, k] + m[k, j] + 1e-9


@pytest.mark.parametrize("bad", ["A04-B1-S001-L", "A01-B3-S001-L", "A01-B1-S011-L", "X-1", "A1-B1-S001-L"])
def test_unknown_locations(two_block: RectangularLayout, bad: str) -> None:
    assert not two_block.has_location(bad)
    with pytest.raises(KeyError):
        two_block.point(bad)


def test_invalid_geometry_refused() -> None:
    with pytest.raises(ValueError, match="depot"):
        RectangularLayout("t", blocks=1, aisles=2, slots_per_side=5, depot_x_m=10.0)
    with pytest.raises(ValueError, match="zone"):
        RectangularLayout("t", blocks=1, aisles=2, slots_per_side=5, zones=(Zone("Z", aisles=(2, 3)),))
