"""Exact search, lower bounds, extreme points and the CSV rows."""

from __future__ import annotations

import numpy as np
import pytest

from engine.model import Box, Sku
from engine.packing import Carton, PackingParams, PackResult, Placement, cartons_rows
from engine.packing.bounds import cover_bound, may_fit_one_box, order_cost_bound
from engine.packing.exact import Status, exact_place
from engine.packing.extreme_points import STRATEGIES, place
from engine.packing.geometry import PieceType, piece_type
from engine.packing.params import PackingParams as Params


def _pt(length: float, width: float, height: float, w: float = 1.0, fragile: bool = False) -> PieceType:
    return piece_type(Sku("x", length, width, height, w, fragile=fragile), Params(fragile_padding_cm=1.0))


def test_exact_proves_fit_and_no_fit() -> None:
    cube = _pt(2, 2, 2)
    status, placed, _ = exact_place([cube] * 8, np.array([4.0, 4.0, 4.0]), time_limit_s=5, seed=0)
    assert status is Status.FEASIBLE and placed is not None and len(placed) == 8
    status, _, _ = exact_place([cube] * 9, np.array([4.0, 4.0, 4.0]), time_limit_s=5, seed=0)
    assert status is Status.INFEASIBLE


def test_exact_finds_a_rotation_packing() -> None:
    # 3x1x1 rods: two lie along x, one must stand along y to fill a 3x3x1 tray with three
    rod = _pt(3, 1, 1)
    status, placed, _ = exact_place([rod] * 3, np.array([3.0, 3.0, 1.0]), time_limit_s=5, seed=1)
    assert status is Status.FEASIBLE and placed is not None


def test_heuristic_fills_cube_exactly() -> None:
    cube = _pt(2, 2, 2)
    assert all(place([cube] * 8, np.array([4.0, 4.0, 4.0]), 100, s) is not None for s in STRATEGIES[:6])


def test_stack_bound_rejects_too_many_flat_items() -> None:
    sheet = _pt(21, 29.7, 0.8, w=0.3)
    tray = Box("T", 37.4, 36.4, 4.0, 3.0, 1.0)
    assert may_fit_one_box([sheet] * 5, tray)
    assert not may_fit_one_box([sheet] * 6, tray)  # volume alone would allow 10


def test_cover_bound_and_order_bound() -> None:
    assert cover_bound(0, 0, [(1.0, 1.0, 1.0)]) == 0
    assert cover_bound(2.5, 0, [(1.0, 1.0, 10.0), (2.5, 3.0, 10.0)]) == pytest.approx(2.5)
    skus = [_pt(10, 10, 10)] * 2
    boxes = [Box("one", 10, 10, 10, 5, 1.0), Box("two", 20, 10, 10, 5, 3.0)]
    assert order_cost_bound(skus, boxes, PackingParams()) == 2.0


def test_cartons_rows_are_spec_rows() -> None:
    r = PackResult("o1", (Carton(1, "B", (Placement("a", 0.1 + 0.2, 0, 2.5, 1, 2, 3),), 1.0, 1.0),), 1.0)
    assert cartons_rows([r]) == [("o1", "1", "B", "a", "0.3", "0", "2.5", "1", "2", "3")]
