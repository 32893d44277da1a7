"""The classic heuristics: hand-checked stop orders on small layouts."""

from __future__ import annotations

from collections.abc import Hashable
from typing import cast

import pytest

from engine.layout import RectPoint
from engine.model import RoutingMethod
from engine.routing import RoutingParams, solve
from tests.routing.conftest import rect

# rect(): 5 aisles 3 m apart, block depth 10, cross aisles 2 m wide: slot s at y = s + 0.5.
IDS = ["A01-B1-S009-L", "A02-B1-S001-L", "A02-B1-S010-L", "A03-B1-S002-L", "A04-B1-S008-R"]


def order(method: RoutingMethod, ids: list[str] = IDS, **kw: float) -> list[str]:
    lay = rect(**kw)  # type: ignore[arg-type]
    points = [lay.point(i) for i in ids]
    r = solve(lay, points, RoutingParams(method))
    name: dict[Hashable, str] = {p: i for i, p in zip(ids, points, strict=True)}
    assert not r.proven and len(r.stops) == len(set(points)) and set(r.stops) == set(points)
    assert r.length_m == pytest.approx(lay.route_length(r.stops))
    return [name[p][:3] + name[p][7:11] for p in r.stops]


def test_s_shape_traverses_and_returns_in_the_odd_last_aisle() -> None:
    # aisles 1, 2, 3, 4 have picks: up 1, down 2, up 3, down 4
    assert order(RoutingMethod.S_SHAPE) == ["A01S009", "A02S010", "A02S001", "A03S002", "A04S008"]
    # three aisles: the third is entered from the front and left the same way
    three = IDS[:4]
    assert order(RoutingMethod.S_SHAPE, three) == ["A01S009", "A02S010", "A02S001", "A03S002"]


def test_return_serves_every_aisle_from_the_front() -> None:
    assert order(RoutingMethod.RETURN) == ["A01S009", "A02S001", "A02S010", "A03S002", "A04S008"]


def test_largest_gap_loops_with_first_and_last_aisle_traversed() -> None:
    # aisle 2: gaps 1.5 (front), 9 (between), 1.5 (back) -> S010 from the back, S001 from the front;
    # aisle 3: largest gap is to the back -> from the front
    assert order(RoutingMethod.LARGEST_GAP) == ["A01S009", "A02S010", "A04S008", "A03S002", "A02S001"]


def test_midpoint_splits_at_half_depth() -> None:
    # half of 12 m is 6: S010 (10.5) from the back, S001 and S002 from the front
    assert order(RoutingMethod.MIDPOINT) == ["A01S009", "A02S010", "A04S008", "A03S002", "A02S001"]


def test_combined_returns_where_cheaper() -> None:
    # from the front, aisle 1 (reach 9.5) is cheaper to traverse (12) than return (19)
    got = order(RoutingMethod.COMBINED)
    assert got[0] == "A01S009" and len(got) == 5


def test_sweep_starts_at_the_side_nearer_the_depot() -> None:
    got = order(RoutingMethod.S_SHAPE, depot_x=12.0)
    assert got[0] == "A04S008"


def test_multi_block_first_aisle_then_blocks_from_the_back() -> None:
    lay = rect(blocks=2)
    ids = ["A02-B1-S005-L", "A02-B2-S005-L", "A04-B2-S003-L", "A04-B1-S007-L", "A05-B1-S002-L"]
    points = [lay.point(i) for i in ids]
    stops = solve(lay, points, RoutingParams(RoutingMethod.S_SHAPE)).stops
    # up aisle 2 through block 1, then block 2 (aisles 2 and 4), then block 1 (aisles 4, 5)
    assert [(p.aisle, p.block) for p in cast(tuple[RectPoint, ...], stops)] == [(2, 1), (2, 2), (4, 2), (4, 1), (5, 1)]
    assert all(isinstance(p, RectPoint) for p in stops)
