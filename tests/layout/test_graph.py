"""Graph layouts: an irregular shape with a ramp longer than the plan shows."""

import pytest

from engine.layout import GraphLayout, Zone


@pytest.fixture
def l_shape() -> GraphLayout:
    # An L-shaped floor: dock -> n1 -> n2 along the bottom, a ramp n2 -> n3 (7.5 m, 5 m on plan),
    # and a mezzanine n3 -> n4; a shortcut dock -> n4 that is long (20 m).
    nodes = {"dock": (0, 0), "n1": (4, 0), "n2": (8, 0), "n3": (8, 5), "n4": (2, 5)}
    edges = [("dock", "n1", None), ("n1", "n2", None), ("n2", "n3", 7.5), ("n3", "n4", None), ("dock", "n4", 20.0)]
    locations = {"L1": "n1", "L2": "n2", "L3": "n3", "L4": "n4", "L4b": "n4"}
    zones = (Zone("up", nodes=frozenset({"n3", "n4"}), depot_node="n3"),)
    return GraphLayout.build("lshape", nodes, edges, locations, "dock", zones)


def test_shortest_paths(l_shape: GraphLayout) -> None:
    p = l_shape.point
    assert l_shape.distance(l_shape.depot(), p("L2")) == pytest.approx(8.0)
    assert l_shape.distance(l_shape.depot(), p("L3")) == pytest.approx(15.5)
    # via the ramp: 8 + 7.5 + 6 = 21.5 beats the 20 m shortcut? No: the shortcut wins.
    assert l_shape.distance(l_shape.depot(), p("L4")) == pytest.approx(20.0)
    assert l_shape.distance(p("L1"), p("L4")) == pytest.approx(min(4 + 20, 4 + 7.5 + 6))


def test_route_length_and_zones(l_shape: GraphLayout) -> None:
    p = l_shape.point
    assert l_shape.route_length([p("L2"), p("L3")]) == pytest.approx(8 + 7.5 + 15.5)
    assert l_shape.route_length([p("L4")], zone_id="up") == pytest.approx(12.0)
    assert l_shape.zone_of("L4b") == "up"
    assert l_shape.zone_of("L1") is None
    m = l_shape.distance_matrix([p("L1"), p("L4"), p("L4b")])
    assert m[1, 2] == 0.0 and m[0, 1] == m[1, 0]


def test_bad_graphs_refused() -> None:
    with pytest.raises(ValueError, match="unknown node"):
        GraphLayout.build("x", {"a": (0, 0)}, [("a", "b", None)], {}, "a")
    with pytest.raises(ValueError, match="not reachable"):
        GraphLayout.build("x", {"a": (0, 0), "b": (1, 0)}, [], {"L": "b"}, "a")
