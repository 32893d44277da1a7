"""Stock ledger and face re-choice."""

from __future__ import annotations

import pytest

from engine.model import StockRecord
from engine.wave import StockLedger, Take, rechoose_faces


def test_ledger_takes_preferred_faces_first_and_splits_lines() -> None:
    led = StockLedger([StockRecord("A", "far", 5), StockRecord("A", "near", 2), StockRecord("A", "near", 1)],
                      {"far": 10.0, "near": 1.0}.get)
    assert led.available("A") == 8
    takes = led.take("o", "A", 4)
    assert [(t.location_id, t.qty) for t in takes] == [("near", 3), ("far", 1)]
    assert led.can_serve({"A": 5}) is not None and led.can_serve({"A": 4}) is None
    with pytest.raises(ValueError):
        led.take("o", "A", 5)


def test_rechoose_moves_a_line_next_to_the_rest_of_the_batch_within_stock() -> None:
    led = StockLedger([StockRecord("A", "p1", 1), StockRecord("A", "p9", 5), StockRecord("B", "p8", 5)],
                      {"p1": 1.0, "p9": 9.0, "p8": 8.0}.get)
    takes = [*led.take("o1", "A", 1), *led.take("o1", "B", 1), *led.take("o2", "A", 1)]
    assert [t.location_id for t in takes] == ["p1", "p8", "p9"]
    pos = {"p1": 1, "p8": 8, "p9": 9}
    new = rechoose_faces(takes, led, pos.__getitem__, lambda pts: float(max(pts) + len(pts)))
    # Both A lines now sit at p9 next to B at p8; p1 is free again.
    assert [t.location_id for t in new] == ["p9", "p8", "p9"]
    assert led.left[("A", "p1")] == 1 and led.left[("A", "p9")] == 3
    assert sum(t.qty for t in new) == 3


def test_rechoose_respects_allowed_faces() -> None:
    led = StockLedger([StockRecord("A", "p1", 1), StockRecord("A", "p9", 5)], {"p1": 1.0, "p9": 9.0}.get)
    takes = [*led.take("o", "A", 1), Take("o", "B", "p8", 1)]
    new = rechoose_faces(takes, led, {"p1": 1, "p8": 8, "p9": 9}.__getitem__, lambda pts: float(max(pts)),
                         allowed=lambda loc: loc != "p9")
    assert new[0].location_id == "p1"


# --- faces chosen with the route ------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from engine.layout import RectangularLayout, location_id  # noqa: E402
from engine.routing import RoutingParams  # noqa: E402
from engine.routing.faces import solve_faces  # noqa: E402
from engine.wave import choose_faces  # noqa: E402

LAY = RectangularLayout("t", blocks=1, aisles=6, slots_per_side=10, slot_length_m=1.0, aisle_pitch_m=3.0,
                        cross_aisle_width_m=1.0, depot_x_m=0.0)


def _solver(p):  # type: ignore[no-untyped-def]
    return solve_faces(LAY, p, RoutingParams(time_limit_s=30.0), deterministic=True)


def test_choose_faces_moves_a_batch_to_one_aisle_and_splits_a_line() -> None:
    """Release took the faces nearest the depot; together A and B sit best in aisle 6, A's line split there."""
    stock = [StockRecord("A", "A01-B1-S009-L", 5), StockRecord("A", "A06-B1-S002-L", 2),
             StockRecord("A", "A06-B1-S003-R", 1), StockRecord("B", "A06-B1-S001-L", 4)]
    led = StockLedger(stock, lambda loc: LAY.distance(LAY.depot(), LAY.point(loc)))
    parts = [led.take("o1", "A", 3), led.take("o1", "B", 1)]
    assert parts[0] == [Take("o1", "A", "A01-B1-S009-L", 3)]
    new = choose_faces(parts, led, LAY.point, _solver)
    assert sorted((t.location_id, t.qty) for t in new[0]) == [("A06-B1-S002-L", 2), ("A06-B1-S003-R", 1)]
    assert new[1] == [Take("o1", "B", "A06-B1-S001-L", 1)]
    assert led.left[("A", "A01-B1-S009-L")] == 5 and led.left[("A", "A06-B1-S002-L")] == 0
    assert led.available("A") == 5 and led.available("B") == 3


def test_choose_faces_keeps_takes_when_a_held_face_is_not_allowed() -> None:
    led = StockLedger([StockRecord("A", "A01-B1-S009-L", 1), StockRecord("A", "A06-B1-S002-L", 1)],
                      {"A01-B1-S009-L": 1.0, "A06-B1-S002-L": 2.0}.get)
    parts = [led.take("o1", "A", 2)]
    before = dict(led.left)
    new = choose_faces(parts, led, LAY.point, _solver, allowed=lambda loc: loc.startswith("A06"))
    assert new == [list(parts[0])]
    assert led.left == before


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[StockRecord], list[tuple[str, str, int]]]:
    cells = st.tuples(st.integers(1, 6), st.integers(1, 10), st.sampled_from("LR"))
    stock = []
    for sku in ("A", "B", "C"):
        for a, s, side in draw(st.lists(cells, min_size=1, max_size=4, unique=True)):
            stock.append(StockRecord(sku, location_id(a, 1, s, side), draw(st.integers(1, 3))))
    lines = [(f"o{draw(st.integers(1, 3))}", draw(st.sampled_from("ABC")), draw(st.integers(1, 3)))
             for _ in range(draw(st.integers(1, 5)))]
    return stock, lines


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_choose_faces_never_exceeds_stock_and_keeps_every_line(case) -> None:  # type: ignore[no-untyped-def]
    stock, lines = case
    led = StockLedger(stock, lambda loc: LAY.distance(LAY.depot(), LAY.point(loc)))
    total = {k: v for k, v in led.left.items()}
    parts = []
    for order, sku, qty in lines:
        if led.available(sku) >= qty:
            parts.append(led.take(order, sku, qty))
    new = choose_faces(parts, led, LAY.point, _solver)
    assert len(new) == len(parts)
    for old, got in zip(parts, new, strict=True):
        assert sum(t.qty for t in got) == sum(t.qty for t in old)
        assert {(t.order_id, t.sku) for t in got} == {(t.order_id, t.sku) for t in old}
        assert all(t.qty > 0 for t in got)
    used: dict[tuple[str, str], int] = {}
    for got in new:
        for t in got:
            used[(t.sku, t.location_id)] = used.get((t.sku, t.location_id), 0) + t.qty
    for key, q in total.items():
        assert led.left[key] == q - used.get(key, 0) >= 0
    # and the batch's route through the chosen faces is no longer than through release's
    from engine.routing import route_length
    before = route_length(LAY, list({LAY.point(t.location_id) for p in parts for t in p}))
    after = route_length(LAY, list({LAY.point(t.location_id) for p in new for t in p}))
    assert after <= before + 1e-9
