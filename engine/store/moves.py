"""Lifecycle moves inside a store transaction: status, side effects, event, outbox.

:func:`move` is the only place an order's status changes. It asks the pure
state machine (:mod:`engine.store.lifecycle`) whether the move is legal, does
what the move means for stock, shipments and returns, appends one event and,
where someone outside should hear of it, one outbox message, all in the
caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.store.lifecycle import Action, IllegalMoveError, OrderStatus, next_status
from engine.store.reports import Move
from engine.store.schema import (
    AllocationRow,
    EventRow,
    InventoryRow,
    OrderRow,
    OutboxRow,
    ReturnRow,
    ShipmentRow,
)

#: Moves that someone outside the warehouse (shop, customer service) must hear about.
NOTIFY: dict[Action, str] = {
    Action.CANCEL: "order_cancelled",
    Action.HOLD: "order_held",
    Action.SHIP: "order_shipped",
    Action.DELIVER: "order_delivered",
    Action.RETURN: "order_returned",
    Action.REFUND: "order_refunded",
}


def log_event(
    session: Session, at: datetime, action: str, actor: str, *, order_id: str | None = None,
    from_status: str | None = None, to_status: str | None = None, reason: str = "", wave_id: str | None = None,
) -> None:
    session.add(EventRow(at=at, order_id=order_id, wave_id=wave_id, action=action, from_status=from_status,
                         to_status=to_status, reason=reason, actor=actor))


def notify(session: Session, at: datetime, topic: str, key: str, **payload: object) -> None:
    session.add(OutboxRow(topic=topic, key=key, payload=json.dumps(payload, sort_keys=True, default=str),
                          created_at=at))


def move(
    session: Session, order: OrderRow, action: Action, *, reason: str, actor: str, at: datetime,
    release_payment_statuses: Collection[str] = ("captured",), wave_id: str | None = None,
    tracking_number: str | None = None, label_url: str = "",
) -> Move:
    """Apply ``action`` to ``order`` (a row locked by the caller) or raise :class:`IllegalMoveError`.

    ``tracking_number`` and ``label_url`` go on the shipment a ``ship`` creates.
    """
    before = OrderStatus(order.status)
    after = next_status(order.order_id, before, action, order.payment_status, release_payment_statuses)
    if action is Action.CAPTURE:
        order.payment_status = "captured"
    elif action is Action.HOLD:
        order.hold_reason, order.hold_detail = "manual", reason
    elif action is Action.UNHOLD:
        order.hold_reason, order.hold_detail = None, ""
    elif action is Action.RELEASE:
        order.wave_id = wave_id
    elif action is Action.CONFIRM_PICK:
        _take_from_shelves(session, order.order_id, at)
    elif action is Action.CANCEL:
        _free_allocations(session, order.order_id)
    elif action is Action.SHIP:
        session.add(ShipmentRow(order_id=order.order_id, carrier=order.carrier, shipped_at=at,
                                tracking_number=tracking_number, label_url=label_url))
    elif action is Action.DELIVER:
        session.execute(update(ShipmentRow).where(ShipmentRow.order_id == order.order_id,
                                                  ShipmentRow.delivered_at.is_(None)).values(delivered_at=at))
    elif action is Action.RETURN:
        session.add(ReturnRow(order_id=order.order_id, reason=reason, received_at=at, received_by=actor))
    elif action is Action.REFUND:
        order.payment_status = "refunded"
    order.status = str(after)
    order.updated_at = at
    log_event(session, at, str(action), actor, order_id=order.order_id, from_status=str(before),
              to_status=str(after), reason=reason, wave_id=wave_id)
    if action in NOTIFY:
        notify(session, at, NOTIFY[action], order.order_id, order_id=order.order_id, status=str(after),
               previous=str(before), reason=reason)
    return Move(order.order_id, str(action), str(before), str(after))


def _take_from_shelves(session: Session, order_id: str, at: datetime) -> None:
    """Confirmed pick: each open allocation leaves the shelf (on hand goes down)."""
    allocations = session.scalars(select(AllocationRow).where(
        AllocationRow.order_id == order_id, AllocationRow.state == "open").order_by(AllocationRow.id)).all()
    for a in allocations:
        try:
            with session.begin_nested():
                session.execute(update(InventoryRow)
                                .where(InventoryRow.sku == a.sku, InventoryRow.location_id == a.location_id)
                                .values(on_hand=InventoryRow.on_hand - a.qty, updated_at=at))
        except IntegrityError:
            have = session.scalar(select(InventoryRow.on_hand).where(
                InventoryRow.sku == a.sku, InventoryRow.location_id == a.location_id))
            raise IllegalMoveError(f"order {order_id!r}: the store has {have} units of SKU {a.sku!r} at "
                              f"{a.location_id}, fewer than the {a.qty} allocated; recount the location") from None
        a.state = "picked"


def _free_allocations(session: Session, order_id: str) -> None:
    session.execute(update(AllocationRow).where(AllocationRow.order_id == order_id, AllocationRow.state == "open")
                    .values(state="freed"))
