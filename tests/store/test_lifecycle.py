"""The pure state machine: every legal move, and refusals that say why."""

import pytest

from engine.store.lifecycle import MOVES, Action, IllegalMoveError, OrderStatus, next_status, status_for_payment

S = OrderStatus

HAPPY_PATH = [
    (Action.CAPTURE, S.PENDING_PAYMENT, S.AWAITING_FULFILLMENT),
    (Action.RELEASE, S.AWAITING_FULFILLMENT, S.RELEASED),
    (Action.START_PICK, S.RELEASED, S.PICKING),
    (Action.CONFIRM_PICK, S.PICKING, S.PICKED),
    (Action.PACK, S.PICKED, S.PACKED),
    (Action.SHIP, S.PACKED, S.SHIPPED),
    (Action.DELIVER, S.SHIPPED, S.DELIVERED),
    (Action.RETURN, S.DELIVERED, S.RETURNED),
    (Action.REFUND, S.RETURNED, S.REFUNDED),
]


@pytest.mark.parametrize(("action", "before", "after"), HAPPY_PATH)
def test_happy_path(action: Action, before: OrderStatus, after: OrderStatus) -> None:
    assert next_status("A", before, action, "captured") is after


def test_every_other_pair_is_refused_with_the_needed_status() -> None:
    refused = 0
    for action in Action:
        for status in OrderStatus:
            if status in MOVES[action]:
                continue
            with pytest.raises(IllegalMoveError, match=f"cannot {action} an order that is {status}"):
                next_status("A", status, action, "captured")
            refused += 1
    # 12 actions x 12 statuses, minus the legal pairs
    assert refused == 12 * 12 - sum(len(m) for m in MOVES.values())


def test_no_move_out_of_a_final_state() -> None:
    for final in (S.DELIVERED, S.REFUNDED):
        legal = [a for a in Action if final in MOVES[a]]
        assert legal == ([Action.RETURN] if final is S.DELIVERED else [])


@pytest.mark.parametrize("payment", ["pending", "authorized", "failed", "refunded", "voided", None])
def test_payment_gate_refuses_release(payment: str | None) -> None:
    with pytest.raises(IllegalMoveError, match="never released"):
        next_status("A", S.AWAITING_FULFILLMENT, Action.RELEASE, payment)


def test_payment_gate_follows_the_configured_set() -> None:
    assert next_status("A", S.PENDING_PAYMENT, Action.RELEASE, "authorized", ("captured", "authorized")) is S.RELEASED


def test_unhold_returns_to_what_the_payment_allows() -> None:
    assert next_status("A", S.ON_HOLD, Action.UNHOLD, "captured") is S.AWAITING_FULFILLMENT
    assert next_status("A", S.ON_HOLD, Action.UNHOLD, "pending") is S.PENDING_PAYMENT
    with pytest.raises(IllegalMoveError, match="corrected file"):
        next_status("A", S.ON_HOLD, Action.UNHOLD, None)


def test_status_for_payment() -> None:
    assert status_for_payment("voided") is S.CANCELLED
    assert status_for_payment("failed") is S.PENDING_PAYMENT
