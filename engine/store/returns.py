"""Returns (RMAs) in the store: which units may come back, where restocked units go, refunds.

The rules of a return, in one place for every road (a 3PL's ``returned``
report rows, ``pickwave returns``, the ``fulfilment`` DAG): an RMA applies
once; only an order that shipped may return, and never more units of a SKU,
over all its RMAs, than shipped (short-picked units never shipped); restocked
units go back to the pick faces they were picked from (at most what was
picked there less what earlier RMAs put back); scrapped units are written
off; a refund moves the order to ``refunded`` once the goods are booked.
Every step is an event in the store's log, in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.intake_3pl import Disposition, Reason, check_return
from engine.store.lifecycle import Action, OrderStatus
from engine.store.moves import log_event
from engine.store.moves import move as store_move
from engine.store.schema import AllocationRow, InventoryRow, OrderRow, PickProgressRow, RmaLineRow, RmaRow, ShipmentRow

ACTOR = "3pl"
#: Statuses an order may be in when goods come back (it left the warehouse).
RETURNABLE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.REFUNDED})


class RefusedError(Exception):
    """A group of report rows (a pack report, an RMA) the store must not apply, and why."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def lock_order(session: Session, order_id: str) -> OrderRow | None:
    """The order row, locked for update (PostgreSQL) until the transaction ends."""
    return session.scalars(select(OrderRow).where(OrderRow.order_id == order_id).with_for_update()).first()


def short_units(s: Session, order_id: str) -> dict[str, int]:
    """SKU → units the 3PL reported short at the pick (they were not found, so never ship)."""
    return {sku: q for sku, q in s.execute(select(PickProgressRow.sku, PickProgressRow.short).where(
        PickProgressRow.order_id == order_id, PickProgressRow.short > 0)).tuples()}


def shipped_units(s: Session, order_id: str) -> dict[str, int]:
    """SKU → units that shipped to the customer: its picked allocations less the units reported short."""
    out: dict[str, int] = defaultdict(int)
    for sku, qty in s.execute(select(AllocationRow.sku, AllocationRow.qty).where(
            AllocationRow.order_id == order_id, AllocationRow.state == "picked")):
        out[sku] += qty
    for sku, q in short_units(s, order_id).items():
        out[sku] -= q
    return {sku: q for sku, q in out.items() if q > 0}


def returned_units(s: Session, order_id: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for sku, qty in s.execute(select(RmaLineRow.sku, RmaLineRow.qty).join(RmaRow, RmaRow.rma_id == RmaLineRow.rma_id)
                              .where(RmaRow.order_id == order_id)):
        out[sku] += qty
    return dict(out)


@dataclass(frozen=True, slots=True)
class ReturnLine:
    """Units of one SKU on an RMA and what becomes of them."""

    sku: str
    qty: int
    disposition: Disposition


@dataclass(frozen=True, slots=True)
class ReturnOutcome:
    """What an applied RMA did: units restocked and scrapped, and the refund status."""

    rma_id: str
    order_id: str
    restocked: int
    scrapped: int
    refund_status: str


def _restock(s: Session, order_id: str, rma_id: str, sku: str, qty: int, at: datetime,
             line_no: int) -> list[RmaLineRow]:
    """Put ``qty`` units back on the faces the order's units were picked from, in allocation order.

    Each face takes back at most what was picked there less what earlier RMAs
    already put back, so units return to where they came from.
    """
    back: dict[str, int] = defaultdict(int)
    restocked = (select(RmaLineRow.location_id, RmaLineRow.qty)
                 .join(RmaRow, RmaRow.rma_id == RmaLineRow.rma_id))
    for loc, q in s.execute(restocked.where(RmaRow.order_id == order_id, RmaLineRow.sku == sku,
                                            RmaLineRow.disposition == str(Disposition.RESTOCK))):
        back[loc] += q
    lines: list[RmaLineRow] = []
    left = qty
    for a in s.scalars(select(AllocationRow).where(AllocationRow.order_id == order_id, AllocationRow.sku == sku,
                                                   AllocationRow.state == "picked").order_by(AllocationRow.id)):
        room = a.qty - back[a.location_id]
        take = min(left, room)
        if take <= 0:
            continue
        back[a.location_id] += take
        inv = s.scalars(select(InventoryRow).where(InventoryRow.sku == sku, InventoryRow.location_id == a.location_id)
                        .with_for_update()).one()
        inv.on_hand += take
        inv.updated_at = at
        lines.append(RmaLineRow(rma_id=rma_id, line_no=line_no + len(lines), sku=sku, qty=take,
                                disposition=str(Disposition.RESTOCK), location_id=a.location_id))
        log_event(s, at, "restock", ACTOR, order_id=order_id, reason=f"RMA {rma_id}: {take} x {sku} back to "
                  f"{a.location_id}")
        left -= take
        if not left:
            break
    # check_return already capped the RMA at what shipped, so every unit found its face
    assert left == 0, f"RMA {rma_id}: {left} units of {sku} have no pick face to go back to"
    return lines


def apply_return(s: Session, rma_id: str, order_id: str, lines: Sequence[ReturnLine], refund: bool, at: datetime,
                 *, source: str = "", actor: str = ACTOR) -> ReturnOutcome:
    """Apply one RMA in the caller's transaction, or raise :class:`RefusedError`.

    Refused (nothing changed): an RMA id seen before (``duplicate_rma``), an
    order not in the store (``unknown_order``), never shipped (``not_shipped``),
    or more units of a SKU over all its RMAs than it shipped (``over_return``).
    Otherwise the order moves to ``returned`` (the first RMA; later ones are
    logged as partial returns), ``restock`` units go back on the pick faces
    they were picked from (``inventory.on_hand`` up, one ``restock`` event per
    face), ``scrap`` units are written off (a ``scrap`` event), and with
    ``refund`` the order moves to ``refunded`` (once).
    """
    if s.get(RmaRow, rma_id) is not None:
        raise RefusedError(Reason.DUPLICATE_RMA, f"RMA {rma_id!r} was applied before")
    order = lock_order(s, order_id)
    if order is None:
        raise RefusedError(Reason.UNKNOWN_ORDER, f"order {order_id!r} is not in the store")
    shipments = s.scalar(select(func.count()).where(ShipmentRow.order_id == order_id)) or 0
    if OrderStatus(order.status) not in RETURNABLE or not shipments:
        raise RefusedError(Reason.NOT_SHIPPED, f"order {order_id!r} is {order.status} and never shipped")
    returned: dict[str, int] = defaultdict(int)
    for ln in lines:
        returned[ln.sku] += ln.qty
    over = check_return(returned, shipped_units(s, order_id), returned_units(s, order_id))
    if over:
        raise RefusedError(Reason.OVER_RETURN, f"RMA {rma_id!r}, order {order_id!r}: {over}")
    what = ", ".join(f"{ln.qty} x {ln.sku} {ln.disposition}" for ln in lines)
    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        store_move(s, order, Action.RETURN, reason=f"RMA {rma_id}: {what}", actor=actor, at=at)
    else:  # a later RMA of an order already returned: log it, the status stays
        log_event(s, at, "return", actor, order_id=order_id, from_status=order.status, to_status=order.status,
                  reason=f"RMA {rma_id} (partial return): {what}")
    refunds = refund and order.status == OrderStatus.RETURNED
    refund_status = "refunded" if refunds else "already_refunded" if refund else "not_refunded"
    s.add(RmaRow(rma_id=rma_id, order_id=order_id, refund=refund, refund_status=refund_status, source=source,
                 received_at=at))
    s.flush()
    n_rows = restocked = scrapped = 0
    for ln in lines:
        if ln.disposition is Disposition.RESTOCK:
            rows = _restock(s, order_id, rma_id, ln.sku, ln.qty, at, n_rows + 1)
            restocked += ln.qty
        else:
            rows = [RmaLineRow(rma_id=rma_id, line_no=n_rows + 1, sku=ln.sku, qty=ln.qty,
                               disposition=str(Disposition.SCRAP), location_id="")]
            log_event(s, at, "scrap", actor, order_id=order_id, reason=f"RMA {rma_id}: {ln.qty} x {ln.sku} scrapped")
            scrapped += ln.qty
        s.add_all(rows)
        s.flush()  # the next line of the same SKU sees these units as back on their faces
        n_rows += len(rows)
    if refunds:  # the money goes back once the goods are accounted for
        store_move(s, order, Action.REFUND, reason=f"RMA {rma_id}", actor=actor, at=at)
    return ReturnOutcome(rma_id, order_id, restocked, scrapped, refund_status)




def return_everything(session: Session, rma_id: str, order_id: str, disposition: Disposition, refund: bool,
                      at: datetime, *, source: str = "customer service", actor: str = "rma") -> dict[str, object]:
    """An RMA of every unit the order shipped, outside a report file (``pickwave returns``, customer service).

    The same rules as a ``returned`` report (:func:`apply_return`); idempotent
    per ``rma_id``: a second call returns the recorded outcome with
    ``already: True``. Raises :class:`RefusedError` when the return is refused.
    """
    done = session.get(RmaRow, rma_id)
    if done is not None:
        units = sum(session.scalars(select(RmaLineRow.qty).where(RmaLineRow.rma_id == rma_id)))
        return {"rma_id": rma_id, "order_id": done.order_id, "units": units, "refund_status": done.refund_status,
                "already": True}
    lines = [ReturnLine(sku, q, disposition) for sku, q in sorted(shipped_units(session, order_id).items())]
    out = apply_return(session, rma_id, order_id, lines, refund, at, source=source, actor=actor)
    return {"rma_id": rma_id, "order_id": order_id, "units": out.restocked + out.scrapped,
            "refund_status": out.refund_status, "already": False}
