"""Evaluation replays the history through plan_wave: one engine, not a second model."""

import csv
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.layout import RectangularLayout
from engine.model import Order, OrderLine, Sku, StockRecord, WaveConfig
from engine.planner.evaluate import (
    History,
    Scenario,
    evaluate,
    measure,
    replay,
    replay_config,
    split_waves,
    write_evaluation,
)
from engine.planner.params import PickerParams, ReplayParams
from engine.synth.generate import SynthParams, generate
from engine.wave import WaveProblem, plan_wave


@pytest.fixture(scope="module")
def instance():  # type: ignore[no-untyped-def]
    return generate(SynthParams(blocks=2, aisles=6, slots_per_side=8, skus=40, orders=36), seed=11)


@pytest.fixture(scope="module")
def history(instance) -> History:  # type: ignore[no-untyped-def]
    cfg = replace(instance.config, max_iterations=40, time_limit_s=5.0)
    return History({s.sku: s for s in instance.skus}, instance.orders, cfg, instance.boxes)


def test_evaluation_is_the_sum_of_plan_wave_routes(instance, history: History) -> None:  # type: ignore[no-untyped-def]
    one_wave = ReplayParams(wave_hours=24 * 365)
    picker = PickerParams()
    ev = evaluate(Scenario("base", instance.layout, instance.stock), history, picker=picker, params=one_wave)
    # Plan the same orders directly with the wave planner, as a real wave would be planned.
    direct = plan_wave(WaveProblem.build(instance.layout, history.skus, instance.stock, instance.boxes,
                                         instance.orders, (), replay_config(history.config), "R0001"))
    assert ev.baseline.waves == 1
    assert ev.baseline.distance_m == pytest.approx(direct.summary.distance_m, rel=1e-12)
    lay = instance.layout
    routes = sum(lay.route_length([lay.point(loc) for loc in b.stops], b.zone or None) for b in direct.batches)
    assert ev.baseline.distance_m == pytest.approx(routes, rel=1e-9)
    assert ev.baseline.batches == len(direct.batches)
    assert ev.baseline.stops == sum(len(b.stops) for b in direct.batches)
    seconds = routes / 1.0 + ev.baseline.stops * 10.0 + ev.baseline.units * 5.0
    assert ev.baseline.picker_hours == pytest.approx(seconds / 3600.0)
    assert ev.baseline.lines_per_hour == pytest.approx(ev.baseline.lines / (seconds / 3600.0))


def test_replay_counts_every_order_as_paid(instance, history: History) -> None:  # type: ignore[no-untyped-def]
    unpaid = sum(o.payment_status != "captured" for o in instance.orders)
    assert unpaid > 0, "the generated history should mix payment statuses"
    rep = replay(Scenario("base", instance.layout, instance.stock), history)
    m = measure(rep, PickerParams())
    assert m.orders == len(instance.orders) and m.held == 0
    assert m.units == sum(o.units for o in instance.orders)
    # Per-wave plans: the sum over waves is what is reported.
    assert m.distance_m == pytest.approx(sum(p.summary.distance_m for p in rep.plans))
    assert m.waves == len(split_waves(instance.orders, ReplayParams())) > 1


def test_replay_is_deterministic_with_max_iterations(instance, history: History) -> None:  # type: ignore[no-untyped-def]
    a = measure(replay(Scenario("a", instance.layout, instance.stock), history), PickerParams())
    b = measure(replay(Scenario("b", instance.layout, instance.stock), history), PickerParams())
    assert a == b


def test_without_boxes_cartons_are_no_constraint(instance, history: History) -> None:  # type: ignore[no-untyped-def]
    no_boxes = replace(history, boxes=())
    m = measure(replay(Scenario("x", instance.layout, instance.stock), no_boxes), PickerParams())
    assert m.orders == len(instance.orders) and m.held == 0


def _order(oid: str, created: datetime, status: str = "captured", sku: str = "A") -> Order:
    return Order(oid, (OrderLine(oid, sku, 1),), created, status)


def test_split_waves_by_window_and_cap() -> None:
    t = [datetime(2026, 3, d, h, tzinfo=UTC) for d, h in [(1, 1), (1, 23), (2, 0), (2, 5), (2, 6), (4, 9)]]
    orders = [_order(f"o{i}", ts) for i, ts in enumerate(t)][::-1]
    assert [[o.order_id for o in w] for w in split_waves(orders, ReplayParams())] == [
        ["o0", "o1"], ["o2", "o3", "o4"], ["o5"]]
    capped = split_waves(orders, ReplayParams(max_orders_per_wave=2), max_orders=5)
    assert [len(w) for w in capped] == [2, 2, 1, 1]
    six_hours = split_waves(orders, ReplayParams(wave_hours=6))
    assert [len(w) for w in six_hours] == [1, 1, 2, 1, 1]


def test_replay_config_releases_every_status_and_never_defers() -> None:
    cfg = replay_config(WaveConfig(max_orders=3))
    assert cfg.max_orders is None
    assert set(cfg.release_payment_statuses) == {"captured", "authorized", "pending", "failed", "refunded",
                                                 "voided"}


def test_hand_checked_single_order_per_wave(tmp_path: Path) -> None:
    # One aisle pair, depot at x = 0: each order is one trip; A at slot 3 of aisle 2 is 3 + 3.5 m away.
    lay = RectangularLayout("h", blocks=1, aisles=2, slots_per_side=5)
    skus = {"A": Sku("A", 10, 10, 10, 1.0), "B": Sku("B", 10, 10, 10, 1.0)}
    stock = (StockRecord("A", "A02-B1-S003-L", 50), StockRecord("B", "A01-B1-S001-R", 50))
    days = [datetime(2026, 3, d, 12, tzinfo=UTC) for d in (1, 2, 3)]
    orders = (_order("o1", days[0], "pending"), _order("o2", days[1], "failed"), _order("o3", days[2], sku="B"))
    hist = History(skus, orders, WaveConfig(max_iterations=10, time_limit_s=2.0))
    moved = (StockRecord("A", "A01-B1-S002-L", 50), stock[1])
    ev = evaluate(Scenario("now", lay, stock), hist, Scenario("moved", lay, moved))
    assert ev.baseline.distance_m == pytest.approx(2 * 6.5 + 2 * 6.5 + 2 * 1.5)
    assert ev.candidate is not None
    assert ev.candidate.distance_m == pytest.approx(2 * 2.5 * 2 + 2 * 1.5)
    assert ev.baseline.waves == 3 and ev.baseline.stops == 3 and ev.baseline.units == 3
    paths = write_evaluation(ev, tmp_path)
    rows = {r["metric"]: r for r in csv.DictReader(paths[0].open())}
    assert float(rows["distance_m"]["difference"]) == pytest.approx(-16.0)
    doc = json.loads(paths[1].read_text())
    assert doc["baseline"]["distance_m"] == pytest.approx(29.0)
    assert doc["replay"]["payment_status"] == "every order counts as paid"
    md = paths[2].read_text()
    assert "| distance_m | m | 29.00 | 13.00 | -16.00 | -55.2 % |" in md
