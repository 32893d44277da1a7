"""The order lifecycle as a pure state machine: statuses, actions and legal moves.

No database here: :func:`next_status` answers "where does ``action`` take an
order in ``status``?" or raises :class:`IllegalMoveError` with a message a user can
act on. The store calls it inside its transactions and logs every move.

::

    pending_payment --capture--> awaiting_fulfillment --release--> released
      --start_pick--> picking --confirm_pick--> picked --pack--> packed
      --ship--> shipped --deliver--> delivered
    hold / unhold: on_hold and back, before release
    cancel: any state before picked;  return: shipped or delivered
    refund: cancelled or returned
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class OrderStatus(StrEnum):
    """Where an order is in its life."""

    PENDING_PAYMENT = "pending_payment"
    AWAITING_FULFILLMENT = "awaiting_fulfillment"
    RELEASED = "released"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"
    RETURNED = "returned"
    REFUNDED = "refunded"


class Action(StrEnum):
    """An explicit move; every one is written to the event log."""

    CAPTURE = "capture"
    RELEASE = "release"
    START_PICK = "start_pick"
    CONFIRM_PICK = "confirm_pick"
    PACK = "pack"
    SHIP = "ship"
    DELIVER = "deliver"
    CANCEL = "cancel"
    HOLD = "hold"
    UNHOLD = "unhold"
    RETURN = "return"
    REFUND = "refund"


S = OrderStatus
#: Orders not yet in a wave: the only ones intake may still amend.
OPEN_STATUSES: frozenset[OrderStatus] = frozenset({S.PENDING_PAYMENT, S.AWAITING_FULFILLMENT, S.ON_HOLD})
#: Statuses with stock allocated to the order.
ALLOCATED_STATUSES: frozenset[OrderStatus] = frozenset({S.RELEASED, S.PICKING})

#: action -> {from status: to status}; UNHOLD's target depends on the payment (see next_status).
MOVES: dict[Action, dict[OrderStatus, OrderStatus]] = {
    Action.CAPTURE: {S.PENDING_PAYMENT: S.AWAITING_FULFILLMENT, S.ON_HOLD: S.ON_HOLD},
    Action.RELEASE: {S.AWAITING_FULFILLMENT: S.RELEASED, S.PENDING_PAYMENT: S.RELEASED},
    Action.START_PICK: {S.RELEASED: S.PICKING},
    Action.CONFIRM_PICK: {S.RELEASED: S.PICKED, S.PICKING: S.PICKED},
    Action.PACK: {S.PICKED: S.PACKED},
    Action.SHIP: {S.PACKED: S.SHIPPED},
    Action.DELIVER: {S.SHIPPED: S.DELIVERED},
    Action.CANCEL: {s: S.CANCELLED for s in (S.PENDING_PAYMENT, S.AWAITING_FULFILLMENT, S.ON_HOLD,
                                             S.RELEASED, S.PICKING)},
    Action.HOLD: {S.PENDING_PAYMENT: S.ON_HOLD, S.AWAITING_FULFILLMENT: S.ON_HOLD},
    Action.UNHOLD: {S.ON_HOLD: S.AWAITING_FULFILLMENT},
    Action.RETURN: {S.SHIPPED: S.RETURNED, S.DELIVERED: S.RETURNED},
    Action.REFUND: {S.CANCELLED: S.REFUNDED, S.RETURNED: S.REFUNDED},
}

#: Payment statuses that end an order at intake (the money went back).
REVERSED_PAYMENTS: frozenset[str] = frozenset({"refunded", "voided"})


class IllegalMoveError(ValueError):
    """An action that the order's status (or payment) does not allow."""


def status_for_payment(payment_status: str) -> OrderStatus:
    """The status of an order that is neither held nor in a wave, from its payment.

    >>> status_for_payment("captured"), status_for_payment("authorized")
    (<OrderStatus.AWAITING_FULFILLMENT: 'awaiting_fulfillment'>, <OrderStatus.PENDING_PAYMENT: 'pending_payment'>)
    """
    if payment_status in REVERSED_PAYMENTS:
        return S.CANCELLED
    return S.AWAITING_FULFILLMENT if payment_status == "captured" else S.PENDING_PAYMENT


def next_status(
    order_id: str, status: OrderStatus, action: Action, payment_status: str | None = None,
    release_payment_statuses: Collection[str] = ("captured",),
) -> OrderStatus:
    """The status ``action`` moves an order to, or :class:`IllegalMoveError`.

    ``release`` also passes the payment gate: the payment status must be one of
    ``release_payment_statuses``. ``unhold`` returns to the status the payment
    allows (``awaiting_fulfillment`` when captured, else ``pending_payment``).

    >>> next_status("A1", OrderStatus.PACKED, Action.SHIP)
    <OrderStatus.SHIPPED: 'shipped'>
    >>> next_status("A1", OrderStatus.PICKED, Action.SHIP)
    Traceback (most recent call last):
    ...
    engine.store.lifecycle.IllegalMoveError: order 'A1': cannot ship an order that is picked (ship needs packed)
    """
    table = MOVES[action]
    if status not in table:
        allowed = ", ".join(sorted(table))
        raise IllegalMoveError(
            f"order {order_id!r}: cannot {action} an order that is {status} ({action} needs {allowed})")
    if action is Action.RELEASE and payment_status not in release_payment_statuses:
        raise IllegalMoveError(f"order {order_id!r}: payment is {payment_status or 'unknown'}, not one of "
                          f"{', '.join(release_payment_statuses)}: never released")
    if action is Action.UNHOLD:
        if payment_status is None:
            raise IllegalMoveError(f"order {order_id!r}: held at intake without valid lines; import a corrected file")
        return status_for_payment(payment_status)
    return table[status]
