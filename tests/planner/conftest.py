"""Small layouts of both kinds for the planner tests."""

import pytest

from engine.layout import GraphLayout, RectangularLayout, Zone


@pytest.fixture
def rect() -> RectangularLayout:
    # cross aisles at y = 0, 12, 24; aisles at x = 0, 3, 6, 9; two zones with their own depots
    zones = (Zone("Z1", aisles=(1, 2), depot_x_m=0.0), Zone("Z2", aisles=(3, 4), depot_x_m=6.0))
    return RectangularLayout("t", blocks=2, aisles=4, slots_per_side=10, slot_length_m=1.0,
                             aisle_pitch_m=3.0, cross_aisle_width_m=2.0, depot_x_m=1.5, zones=zones)


@pytest.fixture
def graph() -> GraphLayout:
    # An L-shaped floor with a ramp longer than the plan shows (7.5 m for 5 m on plan).
    nodes = {"dock": (0, 0), "n1": (4, 0), "n2": (8, 0), "n3": (8, 5), "n4": (2, 5)}
    edges = [("dock", "n1", None), ("n1", "n2", None), ("n2", "n3", 7.5), ("n3", "n4", None), ("dock", "n4", 20.0)]
    locations = {"L1": "n1", "L2": "n2", "L3": "n3", "L4": "n4", "L4b": "n4"}
    zones = (Zone("up", nodes=frozenset({"n3", "n4"}), depot_node="n3"),)
    return GraphLayout.build("lshape", nodes, edges, locations, "dock", zones)
