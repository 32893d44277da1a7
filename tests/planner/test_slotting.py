"""Slotting: moves that respect capacity and zones, and that shorten the replayed history."""

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.layout import RectangularLayout, Zone
from engine.model import Order, OrderLine, Sku, StockRecord, WaveConfig
from engine.planner.evaluate import History, Scenario, evaluate
from engine.planner.params import SlottingParams
from engine.planner.slotting import (
    Move,
    demand_stats,
    recommend_slotting,
    write_inventory,
    write_moves,
)
from engine.synth.generate import SynthParams, generate

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _orders(*baskets: tuple[str, ...]) -> list[Order]:
    return [Order(f"o{i}", tuple(OrderLine(f"o{i}", s, 1, j) for j, s in enumerate(b, 1)), T0, "captured")
            for i, b in enumerate(baskets)]


def _skus(names: str) -> dict[str, Sku]:
    return {s: Sku(s, 10, 10, 10, 1.0) for s in names}


def _apply_in_order(stock: list[StockRecord], moves: tuple[Move, ...]) -> list[StockRecord]:
    """Carry the moves out one by one; each target must be empty when its move is made."""
    where = {r.location_id: r for r in stock}
    parked: dict[str, StockRecord] = {}
    for m in moves:
        rec = parked.pop(m.from_location) if m.from_location in parked else where.pop(m.from_location)
        assert rec.sku == m.sku
        if m.to_location in where:  # a cycle: park the occupant until its own move
            parked[m.to_location] = where.pop(m.to_location)
        where[m.to_location] = StockRecord(rec.sku, m.to_location, rec.qty)
    assert not parked
    return list(where.values())


@pytest.fixture
def small() -> RectangularLayout:
    return RectangularLayout("s", blocks=1, aisles=3, slots_per_side=5)


def test_frequent_far_sku_moves_to_a_free_front_slot(small: RectangularLayout) -> None:
    stock = [StockRecord("A", "A03-B1-S005-L", 10), StockRecord("B", "A01-B1-S001-L", 10)]
    plan = recommend_slotting(small, _skus("AB"), stock, _orders(*[("A",)] * 5, ("B",)))
    # A goes to the free other side of B's slot (nearest the depot) instead of pushing B out.
    assert plan.moves == (Move("A03-B1-S005-L", "A01-B1-S001-R", "A"),)
    assert plan.estimated_gain_m == pytest.approx(5 * 2 * (6 + 5.5 - 1.5))
    assert sorted(plan.stock, key=lambda r: r.sku) == [StockRecord("A", "A01-B1-S001-R", 10), stock[1]]


def test_mixed_locations_keep_their_skus_and_take_no_new_ones(small: RectangularLayout) -> None:
    stock = [StockRecord("A", "A03-B1-S005-L", 10), StockRecord("C", "A01-B1-S001-L", 1),
             StockRecord("D", "A01-B1-S001-L", 1), StockRecord("C", "A01-B1-S001-R", 1)]
    plan = recommend_slotting(small, _skus("ACD"), stock, _orders(*[("A",)] * 5, ("C", "D")))
    assert all(m.from_location != "A01-B1-S001-L" and m.to_location != "A01-B1-S001-L" for m in plan.moves)
    # A (5 orders) takes the front slot beside the mixed one; C (1 order, split over 2 faces) makes way,
    # moving first so that A's target is empty when A moves.
    assert [(m.sku, m.from_location) for m in plan.moves] == [("C", "A01-B1-S001-R"), ("A", "A03-B1-S005-L")]
    assert plan.moves[1].to_location == "A01-B1-S001-R"
    per_loc: dict[str, set[str]] = {}
    for r in plan.stock:
        per_loc.setdefault(r.location_id, set()).add(r.sku)
    assert per_loc.pop("A01-B1-S001-L") == {"C", "D"}
    assert all(len(s) == 1 for s in per_loc.values())


def test_records_stay_in_their_zone() -> None:
    lay = RectangularLayout("z", blocks=1, aisles=4, slots_per_side=5,
                            zones=(Zone("Z1", aisles=(1, 2), depot_x_m=0.0), Zone("Z2", aisles=(3, 4), depot_x_m=6.0)))
    stock = [StockRecord("A", "A04-B1-S005-L", 10), StockRecord("B", "A02-B1-S005-L", 10)]
    plan = recommend_slotting(lay, _skus("AB"), stock, _orders(*[("A",)] * 4, *[("B",)] * 2), zone_depots=True)
    assert {m.sku: lay.zone_of(m.to_location) for m in plan.moves} == {"A": "Z2", "B": "Z1"}
    new = {r.sku: r.location_id for r in plan.stock}
    # A lands next to its zone's depot (aisle 3, x = 6), not next to the layout depot.
    assert lay.point(new["A"]).aisle == 3 and lay.point(new["A"]).slot == 1


def test_cooccurrence_pulls_partners_together() -> None:
    # Depot at the middle aisle. X sits (with W, a mixed location, so it stays) in aisle 1, slot 1.
    # Y is always ordered with X: alone it would go to aisle 2 slot 1 (1.5 m from the depot);
    # pulled by X it goes to the free other side of X's slot (4.5 m from the depot, 0 m from X).
    lay = RectangularLayout("c", blocks=1, aisles=3, slots_per_side=5, depot_x_m=3.0)
    stock = [StockRecord("X", "A01-B1-S001-L", 10), StockRecord("W", "A01-B1-S001-L", 10),
             StockRecord("Y", "A03-B1-S005-L", 10)]
    orders = _orders(*[("X", "Y")] * 4)
    together = recommend_slotting(lay, _skus("XYW"), stock, orders, SlottingParams(cooccurrence_weight=5.0))
    apart = recommend_slotting(lay, _skus("XYW"), stock, orders, SlottingParams(cooccurrence_weight=0.0))
    assert together.moves == (Move("A03-B1-S005-L", "A01-B1-S001-R", "Y"),)
    assert apart.moves == (Move("A03-B1-S005-L", "A02-B1-S001-L", "Y"),)


def test_move_budget_and_executable_order() -> None:
    inst = generate(SynthParams(blocks=1, aisles=6, slots_per_side=6, skus=30, orders=60), seed=2)
    skus = {s.sku: s for s in inst.skus}
    full = recommend_slotting(inst.layout, skus, inst.stock, inst.orders)
    assert len(full.moves) > 6
    capped = recommend_slotting(inst.layout, skus, inst.stock, inst.orders, SlottingParams(max_moves=6))
    assert 0 < len(capped.moves) <= 6
    assert 0 < capped.estimated_gain_m <= full.estimated_gain_m
    for plan in (full, capped):
        after = _apply_in_order(list(inst.stock), plan.moves)
        key = lambda r: (r.sku, r.location_id, r.qty)  # noqa: E731
        assert sorted(after, key=key) == sorted(plan.stock, key=key)
        assert len({r.location_id for r in plan.stock}) == len(plan.stock)  # one SKU per location
    assert recommend_slotting(inst.layout, skus, inst.stock, inst.orders) == full  # deterministic


def test_no_history_no_moves(small: RectangularLayout) -> None:
    stock = [StockRecord("A", "A03-B1-S005-L", 10)]
    assert recommend_slotting(small, _skus("A"), stock, []).moves == ()


def test_demand_stats_counts_orders_not_lines() -> None:
    st = demand_stats(_orders(("A", "A", "B"), ("B", "C"), ("A",)))
    assert dict(st.picks) == {"A": 2, "B": 2, "C": 1}
    assert dict(st.together) == {("A", "B"): 1, ("B", "C"): 1}


def test_writers(tmp_path: Path) -> None:
    moves = (Move("A01-B1-S001-L", "A02-B1-S001-L", "X"),)
    assert write_moves(moves, tmp_path / "m.csv").read_text() == "from,to,sku\nA01-B1-S001-L,A02-B1-S001-L,X\n"
    text = write_inventory([StockRecord("X", "A02-B1-S001-L", 4)], tmp_path / "i.csv").read_text()
    assert text == "sku,location_id,qty\nX,A02-B1-S001-L,4\n"


@pytest.mark.slow
def test_recommended_moves_reduce_replayed_travel() -> None:
    """On a generated history with random slotting, the moves shorten the replayed walks."""
    inst = generate(SynthParams(blocks=2, aisles=6, slots_per_side=8, skus=50, orders=60), seed=4)
    skus = {s.sku: s for s in inst.skus}
    history = History(skus, inst.orders, replace(inst.config, max_iterations=40, time_limit_s=5.0), inst.boxes)
    plan = recommend_slotting(inst.layout, skus, inst.stock, inst.orders, SlottingParams(max_moves=30))
    assert 0 < len(plan.moves) <= 30
    ev = evaluate(Scenario("current", inst.layout, inst.stock), history, Scenario("slotted", inst.layout, plan.stock))
    assert ev.candidate is not None
    assert ev.candidate.orders == ev.baseline.orders == len(inst.orders)
    assert ev.candidate.distance_m < 0.9 * ev.baseline.distance_m
    assert ev.candidate.picker_hours < ev.baseline.picker_hours


def test_graph_layout_slotting_and_replay(graph) -> None:  # type: ignore[no-untyped-def]
    # L-shaped floor; zone "up" holds nodes n3 (L3, 15.5 m from the dock) and n4 (L4, L4b: 20 m).
    # P sits at L4 and stays in its zone: it moves to L3, not to the nearer L2 outside the zone.
    skus = _skus("PQ")
    stock = (StockRecord("P", "L4", 20), StockRecord("Q", "L1", 20))
    orders = tuple(_orders(*[("P",)] * 6, ("Q",)))
    plan = recommend_slotting(graph, skus, stock, orders)
    assert plan.moves == (Move("L4", "L3", "P"),)
    history = History(skus, orders, WaveConfig(max_iterations=5, time_limit_s=2.0))
    ev = evaluate(Scenario("now", graph, stock), history, Scenario("slotted", graph, plan.stock))
    assert ev.candidate is not None and ev.candidate_replay is not None
    # P's trips now end at n3 (15.5 m from the dock) instead of n4 (20 m).
    assert ev.candidate.distance_m < ev.baseline.distance_m
    for rep, m in ((ev.baseline_replay, ev.baseline), (ev.candidate_replay, ev.candidate)):
        batches = [b for p in rep.plans for b in p.batches]
        assert m.distance_m == pytest.approx(sum(graph.route_length([graph.point(x) for x in b.stops])
                                                 for b in batches))
    assert {b.stops for p in ev.candidate_replay.plans for b in p.batches} <= {("L3",), ("L1",), ("L1", "L3"),
                                                                             ("L3", "L1")}
