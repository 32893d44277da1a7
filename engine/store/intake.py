"""Orders and catalogue into the store: idempotent, every change logged.

Parsing is :mod:`engine.io`'s; this module only decides, per parsed order,
whether the store creates, updates, cancels or leaves it, and never lets a
later file destroy what is stored: content changes reach only orders not yet
in a wave, and a bad row never overwrites a good order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from engine.errors import Problem
from engine.io.csvtable import parse_table
from engine.io.ids import id_problem
from engine.io.layout import parse_layout
from engine.io.tables import OrdersInput
from engine.model import Box, Hold, HoldReason, Order, Sku, StockRecord
from engine.store.lifecycle import MOVES, OPEN_STATUSES, REVERSED_PAYMENTS, Action, OrderStatus, status_for_payment
from engine.store.moves import log_event, move
from engine.store.reports import CatalogReport, ImportReport
from engine.store.schema import (
    AllocationRow,
    BoxRow,
    InventoryRow,
    LayoutRow,
    LocationRow,
    OrderLineRow,
    OrderRow,
    SkuRow,
)

_CHUNK = 500  # ids per IN (...) query; well under every dialect's parameter limit


def chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


# --- the status column --------------------------------------------------------------
def cancellations(text: str, file: str, jsonl: bool) -> tuple[frozenset[str], tuple[Problem, ...]]:
    """Order ids whose rows carry ``status: cancelled`` (``engine.io`` keeps no such column).

    Other ``status`` values are not the channel's to set; each is reported once.

    >>> cancellations('{"order_id": "A", "status": "cancelled"}', "o.jsonl", True)[0]
    frozenset({'A'})
    """
    rows: list[tuple[int, str, str]] = []
    if jsonl:
        for number, line in enumerate(text.splitlines(), start=1):
            try:
                obj = json.loads(line) if line.strip() else None
            except json.JSONDecodeError:
                continue  # the orders parser reports it
            if isinstance(obj, dict) and obj.get("status") is not None:
                rows.append((number, str(obj.get("order_id") or "").strip(), str(obj["status"])))
    else:
        table = parse_table(text, file, ())
        if "status" in table.columns:
            rows = [(r.number, (r.cells.get("order_id") or "").strip(), r.cells.get("status") or "")
                    for r in table.rows]
    cancelled: set[str] = set()
    problems: list[Problem] = []
    for number, oid, raw in rows:
        value = raw.strip().lower()
        if value in ("cancelled", "canceled"):
            cancelled.add(oid)
        elif value and oid:
            problems.append(Problem(file, f"status {raw.strip()!r} ignored: a file can only cancel an order",
                                    number, "status"))
    return frozenset(cancelled - {""}), tuple(problems)


# --- orders -------------------------------------------------------------------------
def order_digest(order: Order | Hold, cancelled: bool) -> str:
    """A fingerprint of what a file says about an order: same file, same digest."""
    if isinstance(order, Hold):
        doc: object = ["held", str(order.reason), order.detail, cancelled]
    else:
        doc = [order.order_id, order.created_at.isoformat(), order.payment_status, order.channel, order.priority,
               order.ship_by.isoformat() if order.ship_by else None, order.carrier, cancelled,
               [[ln.line_no, ln.sku, ln.qty] for ln in order.lines]]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()


@dataclass(slots=True)
class _Tally:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    cancelled: list[str]
    held: list[Hold]
    refused: list[Problem]
    lines: list[OrderLineRow]  # added after the orders are flushed (the FK needs them first)


def _has_nul(order: Order) -> bool:
    """NUL cannot be stored in a PostgreSQL text column (and is never meant)."""
    texts = (order.order_id, order.channel, order.carrier, *(ln.sku for ln in order.lines))
    return any("\0" in t for t in texts)


def _unstorable(order_id: str) -> str | None:
    """Why an order id cannot be a row of the store at all (too long, a control character), else None."""
    return id_problem(order_id, "order_id")


def _intake_hold(order: Order, known_skus: frozenset[str] | None, file: str) -> Hold | None:
    """Problems the parser cannot see: repeated line numbers, SKUs missing from the catalogue."""
    seen: set[int] = set()
    for line in order.lines:
        if line.line_no in seen:
            return Hold(order.order_id, HoldReason.INVALID, f"{file}: line_no {line.line_no} appears twice")
        seen.add(line.line_no)
    if known_skus is not None:
        unknown = sorted({ln.sku for ln in order.lines} - known_skus)
        if unknown:
            return Hold(order.order_id, HoldReason.UNKNOWN_SKU,
                        f"{file}: SKU {', '.join(map(repr, unknown))} not in the catalogue")
    return None


def import_orders(
    session: Session, data: OrdersInput, *, file: str, channel: str | None, cancelled: frozenset[str],
    at: datetime, actor: str,
) -> ImportReport:
    """Merge parsed orders into the store (caller commits). See :class:`ImportReport`.

    Per order: new -> created (status from payment, ``on_hold`` with the
    reason when held, ``cancelled`` when the file says so or the payment was
    reversed); same digest -> unchanged; otherwise payment changes and
    cancellations are applied as lifecycle moves, and new content replaces
    the old only while the order is not in a wave. O(orders + lines) rows.
    """
    catalogue = frozenset(session.scalars(select(SkuRow.sku)).all())
    known = catalogue or None  # no catalogue yet: SKUs are checked at wave time instead
    ids = [o.order_id for o in data.orders] + [h.order_id for h in data.held]
    existing: dict[str, OrderRow] = {}
    for part in chunks(sorted(set(ids))):
        rows = session.scalars(select(OrderRow).where(OrderRow.order_id.in_(part)).with_for_update()).all()
        existing.update((r.order_id, r) for r in rows)
    t = _Tally([], [], [], [], [], [], [])
    for bad in [o.order_id for o in data.orders if _has_nul(o)] + [h.order_id for h in data.held
                                                                   if _unstorable(h.order_id)]:
        t.refused.append(Problem(file, f"order {bad[:40]!r}{'...' if len(bad) > 40 else ''}: "
                                       f"{_unstorable(bad) or 'contains a NUL character'}; not stored",
                                 column="order_id"))
    for order in data.orders:
        if _has_nul(order):
            continue
        hold = _intake_hold(order, known, file)
        row = existing.get(order.order_id)
        is_cancelled = order.order_id in cancelled
        digest = order_digest(order, is_cancelled)
        if channel and order.channel != channel:
            order = Order(order.order_id, order.lines, order.created_at, order.payment_status, channel,
                          order.priority, order.ship_by, order.carrier)
        if row is None:
            _create(session, order, hold, is_cancelled, digest, file, at, actor, t)
        elif row.digest == digest and not (row.hold_reason == HoldReason.UNKNOWN_SKU and hold is None):
            t.unchanged.append(order.order_id)
        else:
            _update(session, row, order, hold, is_cancelled, digest, file, at, actor, t)
    for h in data.held:
        if _unstorable(h.order_id):
            continue
        row = existing.get(h.order_id)
        digest = order_digest(h, h.order_id in cancelled)
        if row is None:
            session.add(OrderRow(order_id=h.order_id, channel=channel or "", status=str(OrderStatus.ON_HOLD),
                                 hold_reason=str(h.reason), hold_detail=h.detail, digest=digest, imported_at=at,
                                 updated_at=at))
            log_event(session, at, "import", actor, order_id=h.order_id, to_status=str(OrderStatus.ON_HOLD),
                      reason=f"{h.reason}: {h.detail}")
            t.created.append(h.order_id)
            t.held.append(h)
        elif row.digest == digest:
            t.unchanged.append(h.order_id)
        elif row.status == OrderStatus.ON_HOLD and row.payment_status is None:
            row.hold_reason, row.hold_detail, row.digest, row.updated_at = str(h.reason), h.detail, digest, at
            log_event(session, at, "amend", actor, order_id=h.order_id, from_status=row.status,
                      to_status=row.status, reason=f"{h.reason}: {h.detail}")
            t.updated.append(h.order_id)
            t.held.append(h)
        else:
            t.refused.append(Problem(file, f"order {h.order_id!r} has a bad row ({h.detail}); the stored order "
                                           f"({row.status}) is kept unchanged", column="order_id"))
    session.flush()
    session.add_all(t.lines)
    session.flush()
    return ImportReport(file, tuple(t.created), tuple(t.updated), tuple(t.unchanged), tuple(t.cancelled),
                        tuple(t.held), tuple(t.refused), data.warnings)


def _lines(order: Order) -> list[OrderLineRow]:
    # Repeated line numbers (the order is held for them) are kept by position, so no line is lost.
    clash = len({ln.line_no for ln in order.lines}) < len(order.lines)
    return [OrderLineRow(order_id=order.order_id, line_no=i if clash else ln.line_no, sku=ln.sku,
                         ordered_qty=ln.qty, qty=ln.qty) for i, ln in enumerate(order.lines, start=1)]


def _set_fields(row: OrderRow, order: Order, hold: Hold | None, digest: str, at: datetime) -> None:
    row.channel, row.payment_status, row.created_at = order.channel, order.payment_status, order.created_at
    row.priority, row.ship_by, row.carrier, row.digest, row.updated_at = (
        order.priority, order.ship_by, order.carrier, digest, at)
    row.hold_reason = str(hold.reason) if hold else None
    row.hold_detail = hold.detail if hold else ""


def _create(session: Session, order: Order, hold: Hold | None, is_cancelled: bool, digest: str, file: str,
            at: datetime, actor: str, t: _Tally) -> None:
    if is_cancelled or order.payment_status in REVERSED_PAYMENTS:
        status = OrderStatus.CANCELLED
        why = "cancelled in the file" if is_cancelled else f"payment {order.payment_status}"
    elif hold is not None:
        status, why = OrderStatus.ON_HOLD, f"{hold.reason}: {hold.detail}"
        t.held.append(hold)
    else:
        status, why = status_for_payment(order.payment_status), f"payment {order.payment_status}"
    row = OrderRow(order_id=order.order_id, status=str(status), imported_at=at)
    _set_fields(row, order, hold, digest, at)
    session.add(row)
    t.lines.extend(_lines(order))
    log_event(session, at, "import", actor, order_id=order.order_id, to_status=str(status), reason=f"{file}: {why}")
    (t.cancelled if status is OrderStatus.CANCELLED else t.created).append(order.order_id)


def _update(session: Session, row: OrderRow, order: Order, hold: Hold | None, is_cancelled: bool, digest: str,
            file: str, at: datetime, actor: str, t: _Tally) -> None:
    oid = order.order_id
    if row.channel and order.channel and row.channel != order.channel:
        t.refused.append(Problem(file, f"order {oid!r} already exists from channel {row.channel!r}; "
                                       f"the {order.channel!r} copy is not imported", column="order_id"))
        return
    status = OrderStatus(row.status)
    ends = is_cancelled or order.payment_status in REVERSED_PAYMENTS
    if ends:
        why = f"{file}: " + ("cancelled" if is_cancelled else f"payment {order.payment_status}")
        if row.payment_status != order.payment_status:
            row.payment_status = order.payment_status
        if status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
            row.digest = digest
            t.unchanged.append(oid)
        elif status in MOVES[Action.CANCEL]:
            move(session, row, Action.CANCEL, reason=why, actor=actor, at=at)
            row.digest = digest
            t.cancelled.append(oid)
        else:
            log_event(session, at, "payment", actor, order_id=oid, from_status=row.status, to_status=row.status,
                      reason=f"{why}; too late to cancel an order that is {status}")
            t.refused.append(Problem(file, f"order {oid!r} is {status}: cancellation not applied; "
                                           "stop it by hand (return and refund)", column="status"))
            row.digest = digest
        return
    if status not in OPEN_STATUSES:
        row.digest = digest
        t.refused.append(Problem(file, f"order {oid!r} is {status}: changes in this file are not applied",
                                 column="order_id"))
        log_event(session, at, "amend_refused", actor, order_id=oid, from_status=row.status, to_status=row.status,
                  reason=f"{file}: order already {status}")
        return
    # Not in a wave yet: the file's version replaces the stored one.
    before = row.status
    manual = status is OrderStatus.ON_HOLD and row.hold_reason == "manual"
    manual_detail = row.hold_detail
    if manual:
        after = OrderStatus.ON_HOLD  # a person held it; only a person lets it go
    elif hold is not None:
        after = OrderStatus.ON_HOLD
        t.held.append(hold)
    else:
        after = status_for_payment(order.payment_status)
    session.execute(delete(OrderLineRow).where(OrderLineRow.order_id == oid))
    _set_fields(row, order, None if manual else hold, digest, at)
    if manual:
        row.hold_reason, row.hold_detail = "manual", manual_detail
    row.status = str(after)
    t.lines.extend(_lines(order))
    log_event(session, at, "amend", actor, order_id=oid, from_status=before, to_status=str(after),
              reason=f"{file}: payment {order.payment_status}" + (f"; {hold.reason}: {hold.detail}" if hold else ""))
    t.updated.append(oid)


# --- catalogue ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CatalogInput:
    """A catalogue to import: the layout's YAML text (kept verbatim) and parsed tables."""

    layout_yaml: str
    layout_file: str
    skus: Mapping[str, Sku]
    stock: tuple[StockRecord, ...]
    boxes: tuple[Box, ...]
    warnings: tuple[Problem, ...] = ()


def _upsert(session: Session, row_type: type, key: Iterable[object], values: Mapping[str, object]) -> bool:
    """Insert or update one row; True when anything changed."""
    row = session.get(row_type, tuple(key))
    if row is None:
        session.add(row_type(**values))
        return True
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def import_catalog(session: Session, data: CatalogInput, *, at: datetime, actor: str) -> CatalogReport:
    """Upsert layout, SKUs, locations, stock and boxes (caller commits).

    Rows absent from the files are kept (stock is set per listed pick face,
    never zeroed by omission). Stock of a SKU the catalogue lacks is left out
    with a warning; stock set below its open allocations is reported.
    """
    layout = parse_layout(data.layout_yaml, data.layout_file)
    warnings = list(data.warnings)
    latest = session.scalar(select(LayoutRow).order_by(LayoutRow.id.desc()).limit(1))
    layout_changed = latest is None or latest.yaml_text != data.layout_yaml
    if layout_changed:
        session.add(LayoutRow(name=layout.name, kind=layout.kind, source=data.layout_file[-1000:],
                              yaml_text=data.layout_yaml, imported_at=at))
    n_skus = sum(_upsert(session, SkuRow, (s.sku,), dict(
        sku=s.sku, length_cm=s.length_cm, width_cm=s.width_cm, height_cm=s.height_cm, weight_kg=s.weight_kg,
        fragile=s.fragile, upright=s.upright, description=s.description)) for s in data.skus.values())
    session.flush()
    known = frozenset(session.scalars(select(SkuRow.sku)).all())
    stock: list[StockRecord] = []
    for rec in data.stock:
        if rec.sku in known:
            stock.append(rec)
        else:
            warnings.append(Problem("inventory", f"SKU {rec.sku!r} at {rec.location_id} is not in the catalogue; "
                                                 "stock row left out", column="sku"))
    n_locations = sum(_upsert(session, LocationRow, (loc,), dict(location_id=loc, zone=layout.zone_of(loc)))
                      for loc in sorted({r.location_id for r in stock}))
    session.flush()
    n_stock = 0
    for rec in stock:
        row = session.get(InventoryRow, (rec.sku, rec.location_id))
        if row is None:
            session.add(InventoryRow(sku=rec.sku, location_id=rec.location_id, on_hand=rec.qty, updated_at=at))
            n_stock += 1
        elif row.on_hand != rec.qty:
            row.on_hand, row.updated_at = rec.qty, at
            n_stock += 1
            allocated = session.scalar(select(func.coalesce(func.sum(AllocationRow.qty), 0)).where(
                AllocationRow.sku == rec.sku, AllocationRow.location_id == rec.location_id,
                AllocationRow.state == "open")) or 0
            if allocated > rec.qty:
                warnings.append(Problem("inventory", f"SKU {rec.sku!r} at {rec.location_id}: {rec.qty} on hand but "
                                                     f"{allocated} allocated to released orders", column="qty"))
    n_boxes = sum(_upsert(session, BoxRow, (b.box_id,), dict(
        box_id=b.box_id, length_cm=b.length_cm, width_cm=b.width_cm, height_cm=b.height_cm,
        max_weight_kg=b.max_weight_kg, cost=b.cost, tare_kg=b.tare_kg)) for b in data.boxes)
    report = CatalogReport(layout_changed, n_skus, n_locations, n_stock, n_boxes, tuple(warnings))
    if layout_changed or n_skus or n_locations or n_stock or n_boxes:
        log_event(session, at, "catalog_import", actor, reason=report.summary())
    return report
