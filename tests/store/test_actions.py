"""Lifecycle actions through the store: legal moves, refusals, events, stock and side tables."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.model import WaveConfig
from engine.store import ActionRefusedError, Store
from engine.store.schema import ReturnRow, ShipmentRow
from tests.store.samples import naive_release


def release_all(store: Store) -> tuple[str, ...]:
    with store.claim_releasable(WaveConfig()) as claim:
        return claim.commit(naive_release(claim)).released


def on_hand(store: Store) -> dict[tuple[str, str], int]:
    return {(r.sku, r.location_id): r.qty for r in store.stock(available=False)}


def test_full_life_of_an_order(loaded: Store) -> None:
    assert release_all(loaded) == ("O1", "O4")
    before = on_hand(loaded)
    available = {(r.sku, r.location_id): r.qty for r in loaded.stock()}
    assert available[("S1", "A01-B1-S001-L")] == before[("S1", "A01-B1-S001-L")] - 2
    for action in ("start_pick", "confirm_pick", "pack", "ship", "deliver", "return", "refund"):
        loaded.apply(action, ["O1"], reason=f"test {action}", by="bob")
    after = on_hand(loaded)
    assert after[("S1", "A01-B1-S001-L")] == before[("S1", "A01-B1-S001-L")] - 2
    assert after[("S2", "A02-B1-S003-R")] == before[("S2", "A02-B1-S003-R")] - 1
    trail = [(e.action, e.from_status, e.to_status, e.actor) for e in loaded.events("O1")]
    assert trail[0][0] == "import"
    assert [t[2] for t in trail[1:]] == ["released", "picking", "picked", "packed", "shipped", "delivered",
                                         "returned", "refunded"]
    assert all(t[3] == "bob" for t in trail[2:])
    with Session(loaded.engine) as s:
        assert s.scalar(select(func.count()).select_from(ShipmentRow)) == 1
        assert s.scalar(select(ReturnRow.reason)) == "test return"
    topics = [t for _, t, _, _ in loaded.outbox()]
    for topic in ("order_shipped", "order_delivered", "order_returned", "order_refunded", "wave_released"):
        assert topic in topics


def test_illegal_move_is_refused_and_changes_nothing(loaded: Store) -> None:
    events = len(loaded.events())
    with pytest.raises(ActionRefusedError) as exc:
        loaded.apply("ship", ["O1", "O4", "NOPE"])
    msgs = exc.value.problems
    assert "order 'NOPE': not in the store" in msgs
    assert any("cannot ship an order that is awaiting_fulfillment (ship needs packed)" in m for m in msgs)
    assert len(loaded.events()) == events


def test_batch_is_all_or_nothing(loaded: Store) -> None:
    with pytest.raises(ActionRefusedError):
        loaded.apply("hold", ["O1", "O5"])  # O5 is cancelled
    assert {o.order_id: o.status for o in loaded.list_orders()}["O1"] == "awaiting_fulfillment"


def test_release_only_through_a_wave_and_unknown_action(loaded: Store) -> None:
    with pytest.raises(ActionRefusedError, match="wave run"):
        loaded.apply("release", ["O1"])
    with pytest.raises(ActionRefusedError, match="unknown action 'teleport'"):
        loaded.apply("teleport", ["O1"])


def test_cancel_after_release_frees_the_stock(loaded: Store) -> None:
    free = {(r.sku, r.location_id): r.qty for r in loaded.stock()}
    release_all(loaded)
    assert {(r.sku, r.location_id): r.qty for r in loaded.stock()} != free
    loaded.apply("cancel", ["O1", "O4"], reason="customer asked")
    assert {(r.sku, r.location_id): r.qty for r in loaded.stock()} == free
    assert on_hand(loaded) == free


def test_hold_capture_unhold(loaded: Store) -> None:
    loaded.apply("hold", ["O2"], reason="address check")
    loaded.apply("capture", ["O2"])
    (m,) = loaded.apply("unhold", ["O2"])
    assert (m.from_status, m.to_status) == ("on_hold", "awaiting_fulfillment")
    with pytest.raises(ActionRefusedError, match="corrected file"):
        loaded.apply("unhold", ["O6"])
