"""Release rules: payment gate, rank, stock, cart, max_orders, packing holds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from engine.model import CartSpec, Hold, HoldReason, Order, OrderLine, Sku, StockRecord, WaveConfig
from engine.packing.result import PackResult
from engine.wave import StockLedger, rank_key, release

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
SKUS = {
    "A": Sku("A", 10, 10, 10, 1.0),
    "B": Sku("B", 20, 20, 20, 2.0),
    "BIG": Sku("BIG", 100, 100, 100, 5.0),  # 1000 l: more than a cart
    "WIDE": Sku("WIDE", 80, 80, 80, 1.0),   # fits the cart, fits no box (fake packer below)
}


def order(oid: str, lines: dict[str, int], minutes: int = 0, status: str = "captured", priority: int = 0,
          ship_by: datetime | None = None) -> Order:
    return Order(oid, tuple(OrderLine(oid, s, q, i) for i, (s, q) in enumerate(lines.items(), 1)),
                 T0 + timedelta(minutes=minutes), status, priority=priority, ship_by=ship_by)


def fake_pack(orders: Sequence[Order]) -> list[PackResult]:
    out = []
    for o in orders:
        if "WIDE" in o.quantities():
            out.append(PackResult(o.order_id, (), 0.0, Hold(o.order_id, HoldReason.NO_BOX_FITS, "WIDE fits no box")))
        else:
            out.append(PackResult(o.order_id, (), 1.0))
    return out


def ledger(stock: dict[str, int]) -> StockLedger:
    return StockLedger([StockRecord(s, f"L-{s}", q) for s, q in stock.items()], lambda loc: 0.0)


def reasons(held: Sequence[Hold]) -> dict[str, str]:
    return {h.order_id: str(h.reason) for h in held}


def test_every_order_is_released_or_held_with_its_reason() -> None:
    orders = [
        order("paid", {"A": 1}),
        order("unpaid", {"A": 1}, status="pending"),
        order("short", {"B": 5}, minutes=5),
        order("big", {"BIG": 1}),
        order("nobox", {"WIDE": 1}),
    ]
    intake = [Hold("bad", HoldReason.INVALID, "row 3")]
    rel = release(orders, intake, SKUS, ledger({"A": 5, "B": 4, "BIG": 3, "WIDE": 3}), WaveConfig(), fake_pack)
    assert [o.order_id for o in rel.released] == ["paid"]
    assert reasons(rel.held) == {"unpaid": "unpaid", "short": "short_stock", "big": "exceeds_cart",
                                 "nobox": "no_box_fits", "bad": "invalid"}
    assert set(rel.packs) == {"paid"}


def test_short_stock_goes_to_the_lower_ranked_order_never_partial() -> None:
    orders = [order("late", {"A": 3}, minutes=10), order("early", {"A": 3}, minutes=0),
              order("small", {"A": 1}, minutes=20)]
    led = ledger({"A": 4})
    rel = release(orders, [], SKUS, led, WaveConfig(), fake_pack)
    assert [o.order_id for o in rel.released] == ["early", "small"]
    assert reasons(rel.held) == {"late": "short_stock"}
    assert led.available("A") == 0
    assert sum(t.qty for t in rel.takes["early"]) == 3


def test_rank_cutoff_then_priority_then_age() -> None:
    cutoff = T0 + timedelta(days=1)
    due = order("due", {"A": 1}, minutes=30, ship_by=T0 + timedelta(hours=2))
    vip = order("vip", {"A": 1}, minutes=20, priority=9, ship_by=T0 + timedelta(days=3))
    old = order("old", {"A": 1}, minutes=0)
    ranked = sorted([old, vip, due], key=lambda o: rank_key(o, cutoff))
    assert [o.order_id for o in ranked] == ["due", "vip", "old"]
    ranked = sorted([old, vip, due], key=lambda o: rank_key(o, None))
    assert [o.order_id for o in ranked] == ["vip", "old", "due"]


def test_max_orders_defers_the_rest_and_keeps_their_stock() -> None:
    orders = [order(f"o{i}", {"A": 1}, minutes=i) for i in range(5)]
    led = ledger({"A": 10})
    rel = release(orders, [], SKUS, led, WaveConfig(max_orders=2), fake_pack)
    assert [o.order_id for o in rel.released] == ["o0", "o1"]
    assert reasons(rel.held) == {f"o{i}": "deferred" for i in range(2, 5)}
    assert led.available("A") == 8


def test_release_statuses_come_from_the_config() -> None:
    orders = [order("auth", {"A": 1}, status="authorized"), order("cap", {"A": 1})]
    cfg = WaveConfig(release_payment_statuses=("captured", "authorized"))
    rel = release(orders, [], SKUS, ledger({"A": 9}), cfg, fake_pack)
    assert {o.order_id for o in rel.released} == {"auth", "cap"}


def test_exceeds_cart_uses_the_configured_cart() -> None:
    cfg = WaveConfig(cart=CartSpec(totes=4, max_weight_kg=1.5, max_volume_l=600))
    rel = release([order("heavy", {"B": 1}), order("light", {"A": 1})], [], SKUS, ledger({"A": 1, "B": 1}), cfg,
                  fake_pack)
    assert reasons(rel.held) == {"heavy": "exceeds_cart"}
