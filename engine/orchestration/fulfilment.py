"""Task functions of the ``fulfilment`` DAG: 3PL reports in, labels out, follow-ups, returns.

Every function is one store transaction per unit of work (a report file, an
order), recorded in the store's own tables (``report_files``,
``report_quarantine``, ``pick_progress``, ``followups``, ``rmas``, see
:mod:`engine.store.schema`, revision 0002) so a retry or a rerun applies
nothing twice. Status changes go through :func:`engine.store.moves.move`
inside that transaction, so each step lands in the store's event log (and,
where the store says so, its outbox) together with the bookkeeping.

What a report row may do, and why it is quarantined instead, is decided by the
pure checks of :mod:`engine.intake_3pl`; this module only reads what they need
from the store and applies the verdicts.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.carriers import Parcel, Shipment, adapter_for
from engine.intake_3pl import (
    Disposition,
    EventKind,
    Quarantined,
    Reason,
    ReportEvent,
    carton_id,
    check_events,
    check_pack,
    check_return,
    order_complete,
    parse_report,
    scanned_cartons,
)
from engine.orchestration.store_ops import lock_order, now, planned_units, store_for, write_session
from engine.packing.result import Carton, Placement
from engine.publish.outbox import OutboxMessage, safe_name, write_outbox
from engine.publish.storage import join, list_files, move, read_bytes, write_atomic
from engine.store.lifecycle import Action, IllegalMoveError, OrderStatus
from engine.store.moves import log_event
from engine.store.moves import move as store_move
from engine.store.schema import (
    AllocationRow,
    BoxRow,
    CartonRow,
    CartonUnitRow,
    FollowupRow,
    InventoryRow,
    OrderRow,
    PickProgressRow,
    QuarantineRow,
    ReportFileRow,
    RmaLineRow,
    RmaRow,
    ShipmentRow,
    SkuRow,
)

log = logging.getLogger(__name__)

ACTOR = "3pl"
REPORT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")
#: Where a delivered order's follow-up points the customer.
RETURNS_POLICY_URL = "https://example.com/returns"
#: Statuses an order may be in when goods come back (it left the warehouse).
RETURNABLE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED, OrderStatus.REFUNDED})


class RefusedError(Exception):
    """A group of report rows (a pack report, an RMA) the store must not apply, and why."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# --- 3PL reports --------------------------------------------------------------------------
def _apply_pick(s: Session, order: OrderRow, e: ReportEvent, planned: Mapping[str, int],
                reported: Mapping[tuple[str, str], int], at: datetime) -> None:
    row = s.get(PickProgressRow, (e.order_id, e.sku)) or PickProgressRow(order_id=e.order_id, sku=e.sku,
                                                                          picked=0, short=0)
    if e.kind is EventKind.PICKED:
        row.picked += e.qty
    else:
        row.short += e.qty
    s.add(row)
    if OrderStatus(order.status) in (OrderStatus.RELEASED, OrderStatus.PICKING) and order_complete(
            planned, reported, e.order_id):
        s.flush()
        shorts = s.scalars(select(PickProgressRow).where(PickProgressRow.order_id == e.order_id,
                                                         PickProgressRow.short > 0)).all()
        reason = "; ".join(f"short {r.short} x {r.sku}" for r in shorts) or "picked in full"
        store_move(s, order, Action.CONFIRM_PICK, reason=reason, actor=ACTOR, at=at)


def planned_cartons(s: Session, order: OrderRow) -> dict[str, Carton]:
    """The order's planned cartons in its wave, by carton id, rebuilt from ``carton_units``."""
    boxes = {c.carton_no: c for c in s.scalars(select(CartonRow).where(CartonRow.order_id == order.order_id,
                                                                       CartonRow.wave_id == order.wave_id))}
    units: dict[int, list[Placement]] = defaultdict(list)
    for u in s.scalars(select(CartonUnitRow).where(CartonUnitRow.order_id == order.order_id,
                                                   CartonUnitRow.wave_id == order.wave_id)
                       .order_by(CartonUnitRow.id)):
        units[u.carton_no].append(Placement(u.sku, u.x_cm, u.y_cm, u.z_cm, u.dx_cm, u.dy_cm, u.dz_cm))
    return {carton_id(order.order_id, no): Carton(no, c.box_id, tuple(units[no]), c.weight_kg, 0.0)
            for no, c in sorted(boxes.items())}


def _apply_pack(s: Session, order: OrderRow, rows: Sequence[ReportEvent], at: datetime) -> None:
    """One order's pack report (all its ``packed`` rows of a file): only the planned carton set packs it."""
    if order.status != OrderStatus.PICKED:
        raise RefusedError(Reason.ILLEGAL_MOVE, f"order {order.order_id!r}: cannot pack an order that is "
                           f"{order.status} (pack needs picked)")
    plan = planned_cartons(s, order)
    if not plan or any(not c.placements for c in plan.values()):
        raise RefusedError(Reason.PACK_MISMATCH, f"order {order.order_id!r}: the store has no planned carton "
                           "contents to check against (wave committed before revision 0002)")
    short = _short_units(s, order.order_id)
    scanned = scanned_cartons(rows)
    verdict = check_pack(plan, scanned, {e.carton_id: e.box_id for e in rows if e.box_id}, short)
    if not verdict.ok:
        raise RefusedError(Reason.PACK_MISMATCH, f"order {order.order_id!r}: {verdict.describe()}")
    used = sorted(cid for cid in plan if sum(scanned.get(cid, {}).values()) > 0)
    weight = dict(s.execute(select(SkuRow.sku, SkuRow.weight_kg)).tuples().all()) if short else {}
    tare = dict(s.execute(select(BoxRow.box_id, BoxRow.tare_kg)).tuples().all()) if short else {}
    for c in s.scalars(select(CartonRow).where(CartonRow.order_id == order.order_id,
                                               CartonRow.wave_id == order.wave_id)):
        cid = carton_id(order.order_id, c.carton_no)
        if cid not in used:  # every unit planned for it was short: it stays empty and is not shipped
            continue
        c.packed_at = at
        if short:  # the label must weigh what is in the carton, not what was planned
            c.units = sum(scanned[cid].values())
            c.weight_kg = tare.get(c.box_id, 0.0) + sum(weight[sku] * q for sku, q in scanned[cid].items())
    reason = f"verified cartons {', '.join(used)}"
    if short:
        reason += "; partial: short " + ", ".join(f"{q} x {sku}" for sku, q in sorted(short.items()))
    store_move(s, order, Action.PACK, reason=reason, actor=ACTOR, at=at)


def _short_units(s: Session, order_id: str) -> dict[str, int]:
    """SKU → units the 3PL reported short at the pick (they were not found, so never ship)."""
    return {sku: q for sku, q in s.execute(select(PickProgressRow.sku, PickProgressRow.short).where(
        PickProgressRow.order_id == order_id, PickProgressRow.short > 0)).tuples()}


def _shipped_units(s: Session, order_id: str) -> dict[str, int]:
    """SKU → units that shipped to the customer: its picked allocations less the units reported short."""
    out: dict[str, int] = defaultdict(int)
    for sku, qty in s.execute(select(AllocationRow.sku, AllocationRow.qty).where(
            AllocationRow.order_id == order_id, AllocationRow.state == "picked")):
        out[sku] += qty
    for sku, q in _short_units(s, order_id).items():
        out[sku] -= q
    return {sku: q for sku, q in out.items() if q > 0}


def _returned_units(s: Session, order_id: str) -> dict[str, int]:
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
    over = check_return(returned, _shipped_units(s, order_id), _returned_units(s, order_id))
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


def _apply_rma(s: Session, rows: Sequence[ReportEvent], at: datetime) -> None:
    orders = sorted({e.order_id for e in rows})
    if len(orders) > 1:
        raise RefusedError(Reason.INVALID, f"RMA {rows[0].rma_id!r} names several orders: {', '.join(orders)}")
    lines = [ReturnLine(e.sku, e.qty, e.disposition or Disposition.RESTOCK) for e in rows]
    apply_return(s, rows[0].rma_id, orders[0], lines, any(e.refund for e in rows), at, source=rows[0].source)


def ingest_reports_task(store_url: str, inbox_url: str) -> dict[str, int]:
    """Apply every report file in ``inbox_url``; move each to ``processed/``.

    Per file, one transaction: the accepted events move orders (a pick is
    confirmed once every planned unit is reported picked or short; an order
    is packed when its pack report matches the planned cartons; an RMA
    returns, restocks and refunds), the contradicting rows go to
    ``report_quarantine`` and to ``<inbox>/quarantine/<file>.jsonl`` with
    their reason, and the file's SHA-256 is recorded. A file seen before
    (same bytes) is only moved away. Any fsspec URL works (``memory://`` too).

    Returns counts: ``files``, ``applied`` (events), ``quarantined`` (rows), ``skipped`` (files seen before).
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
    # A pack report is every packed row of an order in the file; an RMA every row of its id.
    packs: dict[str, list[ReportEvent]] = defaultdict(list)
    rmas: dict[str, list[ReportEvent]] = defaultdict(list)
    for e in checked.accepted:
        if e.kind is EventKind.PACKED:
            packs[e.order_id].append(e)
        elif e.kind is EventKind.RETURNED:
            rmas[e.rma_id].append(e)
    running: dict[tuple[str, str], int] = dict(reported)
    applied = 0
    done_groups: set[tuple[EventKind, str]] = set()
    for e in checked.accepted:
        group: Sequence[ReportEvent] = (e,)
        if e.kind in (EventKind.PACKED, EventKind.RETURNED):
            key = (e.kind, e.order_id if e.kind is EventKind.PACKED else e.rma_id)
            if key in done_groups:
                continue
            done_groups.add(key)
            group = packs[key[1]] if e.kind is EventKind.PACKED else rmas[key[1]]
        if e.kind in (EventKind.PICKED, EventKind.SHORT):
            running[(e.order_id, e.sku)] = running.get((e.order_id, e.sku), 0) + e.qty
        try:
            with s.begin_nested():
                _apply_event(s, e, group, planned, running)
            applied += len(group)
        except (IllegalMoveError, RefusedError) as exc:
            if e.kind in (EventKind.PICKED, EventKind.SHORT):
                running[(e.order_id, e.sku)] -= e.qty
            reason = exc.reason if isinstance(exc, RefusedError) else Reason.ILLEGAL_MOVE
            bad += [Quarantined(g.source, g.row, reason, str(exc), f"{g.kind},{g.order_id},{g.sku},{g.qty},"
                                f"{g.carton_id or g.rma_id}") for g in group]
    s.add(ReportFileRow(digest=digest, name=name, events=applied, quarantined=len(bad), applied_at=now()))
    s.flush()
    for q in bad:
        s.add(QuarantineRow(digest=digest, source=q.source, row=q.row, reason=str(q.reason), detail=q.detail,
                            raw=q.raw))
    log.info("report %s: %d events applied, %d quarantined", name, applied, len(bad))
    return applied, sorted(bad, key=lambda q: q.row)


def _apply_event(s: Session, e: ReportEvent, group: Sequence[ReportEvent], planned: Mapping[str, Mapping[str, int]],
                 reported: Mapping[tuple[str, str], int]) -> None:
    """One accepted event (or pack report, or RMA) inside the file's transaction.

    Raises IllegalMoveError when the order's status forbids it, RefusedError when a check refuses it.
    """
    at = e.at or now()
    if e.kind is EventKind.RETURNED:
        _apply_rma(s, group, at)
        return
    order = lock_order(s, e.order_id)
    assert order is not None  # check_events only accepts planned orders
    if e.kind in (EventKind.PICKED, EventKind.SHORT):
        _apply_pick(s, order, e, planned[e.order_id], reported, at)
    elif e.kind is EventKind.PACKED:
        _apply_pack(s, order, group, at)
    elif e.kind is EventKind.SHIPPED:
        order.carrier = e.carrier
        store_move(s, order, Action.SHIP, reason=f"{e.carrier} {e.tracking_number}", actor=ACTOR, at=at,
                   tracking_number=e.tracking_number)
    elif e.kind is EventKind.DELIVERED:
        store_move(s, order, Action.DELIVER, reason="carrier confirmed delivery", actor=ACTOR, at=at)


# --- labels out ---------------------------------------------------------------------------
def ship_packed_task(store_url: str, out_url: str) -> dict[str, int]:
    """Label every packed order through its carrier's adapter and mark it shipped.

    The label (ZPL, one per carton, with the carton's gross weight: its units'
    SKU weights plus the box's tare, as committed with the wave) goes to
    ``<out>/labels/<order>.zpl`` and its data to ``<order>.json``; the
    tracking number is derived from the order id, so a retry writes the same
    label. The shipment row keeps the tracking number and the label's URL. A
    ``shipped`` message with the tracking number goes to the file outbox
    (``<out>/outbox``).
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
            planned = s.scalars(select(CartonRow).where(CartonRow.order_id == oid, CartonRow.wave_id == order.wave_id)
                                .order_by(CartonRow.carton_no)).all()
            # the cartons a verified pack report filled (one left empty by a short pick is not shipped);
            # an order packed by hand (no report) ships its planned cartons
            cartons = [c for c in planned if c.packed_at is not None] or planned
            parcels = tuple(Parcel(c.carton_no, c.box_id, c.weight_kg) for c in cartons) or (Parcel(1, "", 0.0),)
            label = adapter_for(order.carrier).label(Shipment(oid, oid, order.carrier or "generic", parcels))
            base = join(out_url, "labels", safe_name(oid))
            write_atomic(f"{base}.zpl", "".join(label.zpl))
            write_atomic(f"{base}.json", json.dumps({
                "order_id": oid, "carrier": label.carrier, "tracking_number": label.tracking_number,
                "parcels": [{"carton_id": carton_id(oid, p.carton_no), "box_id": p.box_id,
                             "weight_kg": round(p.weight_kg, 3)} for p in parcels],
                "weight_kg": round(sum(p.weight_kg for p in parcels), 3)}, sort_keys=True) + "\n")
            store_move(s, order, Action.SHIP, reason=f"{label.carrier} {label.tracking_number}", actor="airflow",
                       at=now(), tracking_number=label.tracking_number, label_url=f"{base}.zpl")
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
    """An RMA of every unit the order shipped, outside a report file (customer service).

    The same rules as a ``returned`` report (:func:`apply_return`); idempotent
    per ``rma_id``: a second call returns the recorded outcome with
    ``already: True``. Raises :class:`RefusedError` when the return is refused.
    """
    disp = Disposition(disposition)
    store = store_for(store_url)
    with write_session(store) as s, s.begin():
        done = s.get(RmaRow, rma_id)
        if done is not None:
            units = sum(s.scalars(select(RmaLineRow.qty).where(RmaLineRow.rma_id == rma_id)))
            return {"rma_id": rma_id, "order_id": done.order_id, "units": units,
                    "refund_status": done.refund_status, "already": True}
        lines = [ReturnLine(sku, q, disp) for sku, q in sorted(_shipped_units(s, order_id).items())]
        out = apply_return(s, rma_id, order_id, lines, refund, now(), source=reason or "process_return",
                           actor="rma")
    return {"rma_id": rma_id, "order_id": order_id, "units": out.restocked + out.scrapped,
            "refund_status": out.refund_status, "already": False}
