"""3PL progress reports applied to the store: picks, pack verification, shipping, delivery.

One report file is one transaction (:func:`apply_report`): what a row may do,
and why it is quarantined instead, is decided by the pure checks of
:mod:`engine.intake_3pl`; this module reads what they need from the store and
applies the verdicts, recording the file (``report_files``, by SHA-256, so it
applies once), every row not applied (``report_quarantine``), pick progress
(``pick_progress``) and the status moves (event log). Returns go through
:mod:`engine.store.returns`. Used alike by the ``fulfilment`` DAG and the
command line (``pickwave reports ingest``, ``pack verify``, ``ship``, ...).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.carriers import adapter_for
from engine.intake_3pl import (
    Disposition,
    EventKind,
    Quarantined,
    Reason,
    ReportEvent,
    carton_id,
    check_events,
    check_pack,
    order_complete,
    parse_report,
    scanned_cartons,
)
from engine.packing.result import Carton, Placement
from engine.store.lifecycle import Action, IllegalMoveError, OrderStatus
from engine.store.moves import move as store_move
from engine.store.returns import ACTOR, RefusedError, ReturnLine, apply_return, lock_order, short_units
from engine.store.schema import (
    BoxRow,
    CartonRow,
    CartonUnitRow,
    FollowupRow,
    OrderRow,
    PickProgressRow,
    PickRow,
    QuarantineRow,
    ReportFileRow,
    SkuRow,
)

log = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """What one report file did: events applied, rows quarantined (with why), or skipped (seen before)."""

    name: str
    digest: str
    applied: int
    quarantined: tuple[Quarantined, ...]
    skipped: bool = False


def planned_units(session: Session, order_ids: set[str] | None = None) -> dict[str, dict[str, int]]:
    """Order id → SKU → units planned in committed waves (the ``picks`` table)."""
    q = select(PickRow.order_id, PickRow.sku, PickRow.qty)
    if order_ids is not None:
        q = q.where(PickRow.order_id.in_(sorted(order_ids)))
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for oid, sku, qty in session.execute(q):
        out[oid][sku] = out[oid].get(sku, 0) + qty
    return dict(out)


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
    short = short_units(s, order.order_id)
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


def _apply_rma(s: Session, rows: Sequence[ReportEvent], at: datetime) -> None:
    orders = sorted({e.order_id for e in rows})
    if len(orders) > 1:
        raise RefusedError(Reason.INVALID, f"RMA {rows[0].rma_id!r} names several orders: {', '.join(orders)}")
    lines = [ReturnLine(e.sku, e.qty, e.disposition or Disposition.RESTOCK) for e in rows]
    apply_return(s, rows[0].rma_id, orders[0], lines, any(e.refund for e in rows), at, source=rows[0].source)


def apply_report(session: Session, name: str, data: bytes, digest: str) -> ReportOutcome:
    """Apply one report file in the caller's transaction, or skip it when its bytes were applied before."""
    if session.get(ReportFileRow, digest) is not None:
        return ReportOutcome(name, digest, 0, (), skipped=True)
    applied, bad = _ingest_one(session, name, data.decode("utf-8"), digest)
    return ReportOutcome(name, digest, applied, tuple(bad))


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


def packed_orders(session: Session) -> list[str]:
    """Ids of the orders packed and waiting for a label, by id."""
    return list(session.scalars(select(OrderRow.order_id).where(OrderRow.status == OrderStatus.PACKED)
                                .order_by(OrderRow.order_id)))


def shipping_cartons(session: Session, order: OrderRow) -> list[CartonRow]:
    """The cartons a packed order ships: those a verified pack report filled, else (packed by hand) all planned.

    A carton left empty by a short pick is not shipped.
    """
    planned = session.scalars(select(CartonRow).where(CartonRow.order_id == order.order_id,
                                                      CartonRow.wave_id == order.wave_id)
                              .order_by(CartonRow.carton_no)).all()
    return [c for c in planned if c.packed_at is not None] or list(planned)


def record_shipment(session: Session, order: OrderRow, carrier: str, tracking_number: str, label_url: str,
                    actor: str) -> None:
    """The ``ship`` move with the tracking number and the label on the shipment row."""
    store_move(session, order, Action.SHIP, reason=f"{carrier} {tracking_number}", actor=actor, at=now(),
               tracking_number=tracking_number, label_url=label_url)


def delivered_without_followup(session: Session) -> list[str]:
    """Delivered orders whose follow-up was never sent, by id."""
    done = set(session.scalars(select(FollowupRow.order_id)))
    return [oid for oid in session.scalars(select(OrderRow.order_id).where(OrderRow.status == OrderStatus.DELIVERED)
                                           .order_by(OrderRow.order_id)) if oid not in done]


def record_followup(session: Session, order_id: str) -> None:
    session.add(FollowupRow(order_id=order_id, sent_at=now()))
