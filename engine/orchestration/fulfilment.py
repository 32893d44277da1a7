"""Task functions of the ``fulfilment`` DAG: 3PL reports in, labels out, follow-ups, returns.

Every function is one store transaction per unit of work (a report file, an
order), recorded in the ``pw_`` tables so a retry or a rerun applies nothing
twice. Status changes go through :func:`engine.store.moves.move` inside that
transaction, so each step lands in the store's event log (and, where the store
says so, its outbox) together with the bookkeeping.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.carriers import Parcel, Shipment, adapter_for
from engine.intake_3pl import EventKind, Quarantined, Reason, ReportEvent, check_events, order_complete, parse_report
from engine.orchestration.store_ops import lock_order, now, planned_units, store_for, write_session
from engine.orchestration.tables import (
    FollowupRow,
    ParcelRow,
    PickProgressRow,
    ReportFileRow,
    RmaRow,
    TrackingRow,
)
from engine.publish.outbox import OutboxMessage, safe_name, write_outbox
from engine.publish.storage import join, list_files, move, read_bytes, write_atomic
from engine.store.lifecycle import Action, IllegalMoveError, OrderStatus
from engine.store.moves import move as store_move
from engine.store.schema import AllocationRow, CartonRow, InventoryRow, OrderRow

log = logging.getLogger(__name__)

ACTOR = "3pl"
REPORT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")
#: Where a delivered order's follow-up points the customer.
RETURNS_POLICY_URL = "https://example.com/returns"


# --- 3PL reports --------------------------------------------------------------------------
def _apply_event(s: Session, e: ReportEvent, planned: dict[str, dict[str, int]],
                 reported: dict[tuple[str, str], int]) -> None:
    """One accepted event inside the file's transaction; IllegalMoveError when the status forbids it."""
    order = lock_order(s, e.order_id)
    assert order is not None  # check_events only accepts planned orders
    at = e.at or now()
    if e.kind in (EventKind.PICKED, EventKind.SHORT):
        row = s.get(PickProgressRow, (e.order_id, e.sku)) or PickProgressRow(order_id=e.order_id, sku=e.sku,
                                                                              picked=0, short=0)
        if e.kind is EventKind.PICKED:
            row.picked += e.qty
        else:
            row.short += e.qty
        s.add(row)
        if OrderStatus(order.status) in (OrderStatus.RELEASED, OrderStatus.PICKING) and order_complete(
                planned[e.order_id], reported, e.order_id):
            shorts = s.scalars(select(PickProgressRow).where(PickProgressRow.order_id == e.order_id,
                                                             PickProgressRow.short > 0)).all()
            reason = "; ".join(f"short {r.short} x {r.sku}" for r in shorts) or "picked in full"
            store_move(s, order, Action.CONFIRM_PICK, reason=reason, actor=ACTOR, at=at)
    elif e.kind is EventKind.PACKED:
        if s.get(ParcelRow, (e.order_id, e.carton_id)) is None:
            s.add(ParcelRow(order_id=e.order_id, carton_id=e.carton_id, box_id=e.box_id))
        if order.status != OrderStatus.PACKED:
            store_move(s, order, Action.PACK, reason=f"carton {e.carton_id}", actor=ACTOR, at=at)
    elif e.kind is EventKind.SHIPPED:
        order.carrier = e.carrier
        store_move(s, order, Action.SHIP, reason=f"{e.carrier} {e.tracking_number}", actor=ACTOR, at=at)
        s.merge(TrackingRow(order_id=e.order_id, shipment_id=e.order_id, carrier=e.carrier,
                            tracking_number=e.tracking_number, label_url=""))
    elif e.kind is EventKind.DELIVERED:
        store_move(s, order, Action.DELIVER, reason="carrier confirmed delivery", actor=ACTOR, at=at)


def ingest_reports_task(store_url: str, inbox_url: str) -> dict[str, int]:
    """Apply every report file in ``inbox_url``; move each to ``processed/``.

    Per file, one transaction: the accepted events move orders (a pick is
    confirmed once every planned unit is reported picked or short), the
    contradicting rows go to ``pw_quarantine`` and to
    ``<inbox>/quarantine/<file>.jsonl`` with their reason, and the file's
    SHA-256 is recorded. A file seen before (same bytes) is only moved away.
    """
    store = store_for(store_url)
    totals = {"files": 0, "applied": 0, "quarantined": 0, "skipped": 0}
    for url in list_files(inbox_url, REPORT_SUFFIXES):
        name = url.rsplit("/", 1)[-1]
        data = read_bytes(url)
        digest = hashlib.sha256(data).hexdigest()
        with write_session(store) as s, s.begin():
            if s.get(ReportFileRow, digest) is not None:
                totals["skipped"] += 1
            else:
                applied, bad = _ingest_one(s, name, data.decode("utf-8"), digest)
                totals["applied"] += applied
                totals["quarantined"] += len(bad)
                if bad:
                    write_atomic(join(inbox_url, "quarantine", f"{safe_name(name)}.jsonl"),
                                 "".join(q.to_json() + "\n" for q in bad))
        move(url, join(inbox_url, "processed", f"{digest[:12]}-{name}"))
        totals["files"] += 1
    return totals


def _ingest_one(s: Session, name: str, text: str, digest: str) -> tuple[int, list[Quarantined]]:
    from engine.orchestration.tables import QuarantineRow

    parsed = parse_report(text, name)
    orders = {e.order_id for e in parsed.events}
    planned = planned_units(s, orders)
    reported: dict[tuple[str, str], int] = defaultdict(int)
    for r in s.scalars(select(PickProgressRow).where(PickProgressRow.order_id.in_(sorted(orders)))):
        reported[(r.order_id, r.sku)] = r.picked + r.short
    checked = check_events(parsed.events, planned, reported,
                           lambda carrier, tn: adapter_for(carrier).is_valid_tracking(tn)
                           if carrier in ("ups", "dhl") else bool(tn))
    bad = list(parsed.rejected) + list(checked.quarantined)
    running: dict[tuple[str, str], int] = dict(reported)
    applied = 0
    for e in checked.accepted:
        if e.kind in (EventKind.PICKED, EventKind.SHORT):
            running[(e.order_id, e.sku)] = running.get((e.order_id, e.sku), 0) + e.qty
        try:
            with s.begin_nested():
                _apply_event(s, e, planned, running)
            applied += 1
        except IllegalMoveError as exc:
            if e.kind in (EventKind.PICKED, EventKind.SHORT):
                running[(e.order_id, e.sku)] -= e.qty
            bad.append(Quarantined(e.source, e.row, Reason.ILLEGAL_MOVE, str(exc), f"{e.kind},{e.order_id}"))
    for q in bad:
        s.add(QuarantineRow(digest=digest, source=q.source, row=q.row, reason=str(q.reason), detail=q.detail,
                            raw=q.raw))
    s.add(ReportFileRow(digest=digest, name=name, events=applied, quarantined=len(bad), applied_at=now()))
    log.info("report %s: %d events applied, %d quarantined", name, applied, len(bad))
    return applied, sorted(bad, key=lambda q: q.row)


# --- labels out ---------------------------------------------------------------------------
def ship_packed_task(store_url: str, out_url: str) -> dict[str, int]:
    """Label every packed order through its carrier's adapter and mark it shipped.

    The label (ZPL, one per carton) goes to ``<out>/labels/<order>.zpl`` and its
    data to ``<order>.json``; the tracking number is derived from the order id,
    so a retry writes the same label. A ``shipped`` message with the tracking
    number goes to the file outbox (``<out>/outbox``).
    """
    store = store_for(store_url)
    shipped = 0
    with write_session(store) as s, s.begin():
        ids = list(s.scalars(select(OrderRow.order_id).where(OrderRow.status == OrderStatus.PACKED)
                             .order_by(OrderRow.order_id)))
    for oid in ids:
        with write_session(store) as s, s.begin():
            order = lock_order(s, oid)
            if order is None or order.status != OrderStatus.PACKED:
                continue
            cartons = s.scalars(select(CartonRow).where(CartonRow.order_id == oid).order_by(CartonRow.carton_no))
            parcels = tuple(Parcel(c.carton_no, c.box_id, 0.0) for c in cartons) or (Parcel(1, "", 0.0),)
            label = adapter_for(order.carrier).label(Shipment(oid, oid, order.carrier or "generic", parcels))
            base = join(out_url, "labels", safe_name(oid))
            write_atomic(f"{base}.zpl", "".join(label.zpl))
            write_atomic(f"{base}.json", json.dumps({"order_id": oid, "carrier": label.carrier,
                                                      "tracking_number": label.tracking_number,
                                                      "parcels": len(parcels)}, sort_keys=True) + "\n")
            s.merge(TrackingRow(order_id=oid, shipment_id=oid, carrier=label.carrier,
                                tracking_number=label.tracking_number, label_url=f"{base}.zpl"))
            store_move(s, order, Action.SHIP, reason=f"{label.carrier} {label.tracking_number}", actor="airflow",
                       at=now())
            write_outbox(join(out_url, "outbox"), [OutboxMessage(
                f"shipped-{oid}", "shipped", oid,
                {"carrier": label.carrier, "tracking_number": label.tracking_number})])
            shipped += 1
    return {"shipped": shipped}


# --- after delivery -----------------------------------------------------------------------
def delivered_followups_task(store_url: str, outbox_url: str) -> dict[str, int]:
    """One follow-up (feedback request, returns policy link) per delivered order, ever."""
    store = store_for(store_url)
    sent = 0
    with write_session(store) as s, s.begin():
        done = set(s.scalars(select(FollowupRow.order_id)))
        for oid in s.scalars(select(OrderRow.order_id).where(OrderRow.status == OrderStatus.DELIVERED)):
            if oid in done:
                continue
            write_outbox(outbox_url, [OutboxMessage(f"followup-{oid}", "delivered_followup", oid, {
                "feedback_request": "How did we do?", "returns_policy": RETURNS_POLICY_URL})])
            s.add(FollowupRow(order_id=oid, sent_at=now()))
            sent += 1
    return {"followups": sent}


# --- returns ------------------------------------------------------------------------------
def process_return(store_url: str, rma_id: str, order_id: str, disposition: str, refund: bool,
                   reason: str = "") -> dict[str, object]:
    """An RMA: return the order, restock (to the faces it was picked from) or scrap, refund or not.

    Idempotent per ``rma_id``: a second call returns the recorded outcome.
    ``disposition`` is ``restock`` or ``scrap``. All in one transaction.
    """
    if disposition not in ("restock", "scrap"):
        raise ValueError(f"disposition must be restock or scrap, not {disposition!r}")
    store = store_for(store_url)
    with write_session(store) as s, s.begin():
        done = s.get(RmaRow, rma_id)
        if done is not None:
            return {"rma_id": rma_id, "order_id": done.order_id, "disposition": done.disposition,
                    "units": done.units, "refund_status": done.refund_status, "already": True}
        order = lock_order(s, order_id)
        if order is None:
            raise KeyError(f"order {order_id!r} is not in the store")
        at = now()
        store_move(s, order, Action.RETURN, reason=f"RMA {rma_id}: {reason or disposition}", actor="rma", at=at)
        units = 0
        for a in s.scalars(select(AllocationRow).where(AllocationRow.order_id == order_id,
                                                       AllocationRow.state == "picked")):
            units += a.qty
            if disposition == "restock":
                inv = s.get(InventoryRow, (a.sku, a.location_id))
                if inv is not None:
                    inv.on_hand += a.qty
                    inv.updated_at = at
        if refund:
            store_move(s, order, Action.REFUND, reason=f"RMA {rma_id}", actor="rma", at=at)
        status = "refunded" if refund else "not_refunded"
        s.add(RmaRow(rma_id=rma_id, order_id=order_id, disposition=disposition, units=units, refund_status=status,
                     at=at))
    return {"rma_id": rma_id, "order_id": order_id, "disposition": disposition, "units": units,
            "refund_status": status, "already": False}
