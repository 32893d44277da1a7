"""The block path for big orders: every unit placed, valid cartons, linear work."""

import pytest

from engine.model import Box, Sku
from engine.packing import PackingParams, result_violations, solve
from engine.packing.solver import BLOCK_MIN_UNITS

SKUS = {"a": Sku("a", 10, 8, 5, 0.3), "f": Sku("f", 7, 7, 9, 0.2, fragile=True),
        "u": Sku("u", 12, 5, 20, 1.0, upright=True), "h": Sku("h", 5, 5, 5, 4.0)}
BOXES = [Box("S", 20, 20, 10, 5, 0.5), Box("M", 30, 25, 20, 15, 0.9), Box("L", 40, 30, 30, 25, 1.4, tare_kg=0.5)]


@pytest.mark.parametrize("qty", [{"a": 300}, {"f": 400}, {"u": 333}, {"h": 500},
                                 {"a": 100, "f": 100, "u": 80, "h": 30}, {"a": 1000, "f": 7, "u": 3},
                                 {"a": 20_000}])
def test_big_orders_are_valid_and_complete(qty: dict[str, int]) -> None:
    assert sum(qty.values()) > BLOCK_MIN_UNITS
    params = PackingParams()
    r = solve("o", qty, SKUS, BOXES, params)
    assert r.packed and [c.carton_no for c in r.cartons] == list(range(1, len(r.cartons) + 1))
    assert result_violations(r, qty, SKUS, BOXES, params.fragile_padding_cm) == []


def test_a_hundred_thousand_identical_units() -> None:
    r = solve("big", {"a": 100_000}, SKUS, BOXES)
    assert sum(len(c.placements) for c in r.cartons) == 100_000
    # L holds a grid of 90 (8 x 10 x 5 standing on edge, 5 x 3 x 6) but its 24.5 kg payload only 81 units
    full = [c for c in r.cartons if len(c.placements) == 81]
    assert {c.box_id for c in full} == {"L"} and len(full) == 100_000 // 81


def test_block_path_is_no_dearer_per_unit_than_the_search_at_the_threshold() -> None:
    small = solve("s", {"a": BLOCK_MIN_UNITS}, SKUS, BOXES)
    big = solve("b", {"a": BLOCK_MIN_UNITS + 1}, SKUS, BOXES)
    assert big.cost <= small.cost * (BLOCK_MIN_UNITS + 1) / BLOCK_MIN_UNITS + 1.5


def test_thousands_of_distinct_skus_take_bounded_search() -> None:
    skus = {f"s{i}": Sku(f"s{i}", 3 + i % 7, 2 + i % 5, 1 + i % 3, 0.1) for i in range(700)}
    qty = {s: 1 for s in skus}
    params = PackingParams()
    r = solve("many", qty, skus, BOXES, params)
    assert result_violations(r, qty, skus, BOXES, params.fragile_padding_cm) == []
