"""Claiming releasable orders and committing a planned wave, in one transaction.

A wave run is: claim (lock the releasable orders and their stock), plan
(outside the store), commit (allocations, batches, picks, cartons, the
``release`` move of every released order, back-orders, outbox) and COMMIT.
Until that COMMIT nothing is visible; a run that dies half-way leaves the
store as it was.

Two runs at once never claim the same order: on PostgreSQL the claim is
``SELECT ... FOR UPDATE SKIP LOCKED`` (the second run takes the orders the
first did not lock) and the stock rows of the claimed SKUs are locked in a
fixed order (so two runs never allocate the same units, and never deadlock);
on SQLite the run holds the single write lock (``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.io.config import config_to_mapping
from engine.model import Hold, HoldReason, Order, OrderLine, StockRecord, WaveConfig
from engine.store.intake import chunks
from engine.store.lifecycle import REVERSED_PAYMENTS, Action, OrderStatus, status_for_payment
from engine.store.moves import log_event, move, notify
from engine.store.release import ReleasedPick, WaveRelease, check_release
from engine.store.reports import Catalog, WaveReport
from engine.store.reserve import Reservation, Shortfall, ShortStockPolicy, reserve
from engine.store.schema import (
    AllocationRow,
    Base,
    BatchRow,
    CartonRow,
    CartonUnitRow,
    InventoryRow,
    OrderLineRow,
    OrderRow,
    PickRow,
    WaveRow,
)
from engine.wave.ids import wave_id as content_wave_id
from engine.wave.release import RELEASE_RANK

log = logging.getLogger(__name__)

_RELEASABLE = (str(OrderStatus.AWAITING_FULFILLMENT), str(OrderStatus.PENDING_PAYMENT))
#: Ended before any wave: reported once in a held.csv (``reported_in_wave``), then never again.
_CANCELLED = (str(OrderStatus.CANCELLED), str(OrderStatus.REFUNDED))


# --- the claim ----------------------------------------------------------------------
def release_order(config: WaveConfig, dialect: str = "sqlite") -> tuple[object, ...]:
    """SQL sort keys of the release rank, derived from :data:`engine.wave.release.RELEASE_RANK`.

    The same fields in the same order as :func:`engine.wave.release.rank_key`,
    so that under ``max_orders`` the claim takes exactly the orders the plan
    ranks first. Order ids compare by code point as in Python: PostgreSQL's
    ``C`` collation, SQLite's default ``BINARY`` (both compare UTF-8 bytes).
    """
    due = (case((and_(OrderRow.ship_by.is_not(None), OrderRow.ship_by <= config.cutoff), 0), else_=1)
           if config.cutoff is not None else None)  # without a cutoff every order has due 1
    order_id = OrderRow.order_id.collate("C") if dialect == "postgresql" else OrderRow.order_id
    columns: dict[str, Any] = {"due": due, "priority": OrderRow.priority, "created_at": OrderRow.created_at,
                               "order_id": order_id}
    return tuple(columns[f.name].desc() if f.descending else columns[f.name].asc()
                 for f in RELEASE_RANK if columns[f.name] is not None)


def _available(session: Session, skus: Sequence[str], lock: bool) -> dict[tuple[str, str], int]:
    """On hand less open allocations per (SKU, pick face); locks those rows when asked."""
    on_hand: dict[tuple[str, str], int] = {}
    for part in chunks(sorted(skus)):
        q = select(InventoryRow.sku, InventoryRow.location_id, InventoryRow.on_hand).where(
            InventoryRow.sku.in_(part)).order_by(InventoryRow.sku, InventoryRow.location_id)
        if lock:
            q = q.with_for_update()
        on_hand.update(((s, loc), n) for s, loc, n in session.execute(q))
        allocated = session.execute(select(AllocationRow.sku, AllocationRow.location_id, func.sum(AllocationRow.qty))
                                    .where(AllocationRow.sku.in_(part), AllocationRow.state == "open")
                                    .group_by(AllocationRow.sku, AllocationRow.location_id))
        for s, loc, n in allocated:
            on_hand[(s, loc)] = on_hand.get((s, loc), 0) - int(n)
    return {k: max(v, 0) for k, v in on_hand.items()}


class WaveClaim:
    """Orders claimed for one wave, inside an open transaction; see :meth:`Store.claim_releasable`.

    Attributes
    ----------
    wave_id, config
        The wave's id (given, or :func:`engine.wave.ids.wave_id` of the claim) and its config.
    orders
        The orders to plan, in release order; under the ``backorder`` policy
        short lines are cut to what is available.
    held
        Open orders this wave will not release, with why (``unpaid``,
        ``unknown_sku``, ``short_stock``, ``deferred`` ...).
    reported_cancellations
        Ids among ``held`` of orders cancelled before any wave, reported here for the
        first time; :meth:`commit` marks them so that no later wave reports them again.
    catalog
        Layout, SKUs, boxes, and ``stock``: what is available to this wave.
    already_committed
        The wave id is in the store already; :meth:`commit` changes nothing.
    """

    def __init__(self, session: Session, *, wave_id: str, config: WaveConfig, orders: tuple[Order, ...],
                 held: tuple[Hold, ...], backorders: tuple[Shortfall, ...], catalog: Catalog | None,
                 available: Mapping[tuple[str, str], int], actor: str, at: datetime,
                 already_committed: bool = False, reported_cancellations: tuple[str, ...] = ()) -> None:
        self._session = session
        self.wave_id = wave_id
        self.config = config
        self.orders = orders
        self.held = held
        self.reported_cancellations = reported_cancellations
        self.backorders = backorders
        self._catalog = catalog
        self._available = dict(available)
        self._actor = actor
        self._at = at
        self.already_committed = already_committed
        self.committed: WaveReport | None = None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            raise LookupError("the store has no catalogue: run `pickwave catalog import` first")
        return self._catalog

    def commit(self, release: WaveRelease, *, out: str = "", staged: str | None = None,
               before_commit: Callable[[], None] | None = None) -> WaveReport:
        """Write the wave and COMMIT, all or nothing; raises :class:`PlanMismatchError`
        (and writes nothing) for a plan that does not fit the claim.

        ``staged``: where the caller has put the wave's files, to be moved to
        ``out`` after COMMIT. The wave is then committed ``staged`` and the
        caller calls :meth:`Store.mark_published` once the files are in place;
        a run that dies in between is finished by the next
        (:meth:`Store.finish_publishing`). Without ``staged`` the wave is
        committed as published (nothing to move).

        ``before_commit`` runs after every row is written and before COMMIT
        (tests use it to kill a run at the worst moment).
        """
        if self.committed is not None:
            return self.committed
        if self.already_committed:
            self.committed = WaveReport(self.wave_id, (), self.held, (), 0, already_committed=True)
            return self.committed
        s = self._session
        planned = {o.order_id: o for o in self.orders}
        released = check_release(release, planned, self._available)
        s.add(WaveRow(wave_id=self.wave_id, created_at=self._at, created_by=self._actor,
                      config_json=json.dumps(config_to_mapping(self.config), sort_keys=True),
                      orders=len(released), held=0, out=out,
                      publish_state="published" if staged is None else "staged", staged=staged or ""))
        try:
            s.flush()
        except IntegrityError:
            # Another run committed this wave id first: ours changes nothing.
            s.rollback()
            self.committed = WaveReport(self.wave_id, (), self.held, (), 0, already_committed=True)
            return self.committed
        # Bulk INSERTs (executemany), not ORM objects: a 10,000-order wave writes ~90,000 rows, which
        # the unit of work took seconds to build and flush.
        w = self.wave_id
        _insert(s, BatchRow, [dict(wave_id=w, batch_id=b.batch_id, zone=b.zone, distance_m=b.distance_m)
                              for b in release.batches])
        _insert(s, PickRow, [dict(wave_id=w, batch_id=p.batch_id, seq=seq, order_id=p.order_id, sku=p.sku,
                                  location_id=p.location_id, qty=p.qty)
                             for seq, p in enumerate(release.picks, start=1)])
        _insert(s, CartonRow, [dict(wave_id=w, order_id=c.order_id, carton_no=c.carton_no, box_id=c.box_id,
                                    units=c.units, weight_kg=c.weight_kg) for c in release.cartons])
        _insert(s, CartonUnitRow, [dict(wave_id=w, order_id=c.order_id, carton_no=c.carton_no, sku=u.sku,
                                        x_cm=u.x_cm, y_cm=u.y_cm, z_cm=u.z_cm, dx_cm=u.dx_cm, dy_cm=u.dy_cm,
                                        dz_cm=u.dz_cm) for c in release.cartons for u in c.contents])
        _insert(s, AllocationRow, _allocations(w, release.picks, planned))
        rows = {r.order_id: r for part in chunks(sorted(released))
                for r in s.scalars(select(OrderRow).where(OrderRow.order_id.in_(part)))}
        for oid in sorted(released):
            move(s, rows[oid], Action.RELEASE, reason="released in a wave", actor=self._actor, at=self._at,
                 release_payment_statuses=self.config.release_payment_statuses, wave_id=self.wave_id)
            if oid in release.promises:
                rows[oid].promised_at, rows[oid].due_at = release.promises[oid]
        backorders = tuple(b for b in self.backorders if b.order_id in released)
        _split_backorders(s, rows, backorders, self.wave_id, self._actor, self._at)
        # The planner's holds already include the claim's (passed in as its problem's held).
        seen = {h.order_id for h in release.held}
        held = tuple(h for h in release.held if h.order_id not in released) + tuple(
            h for h in self.held if h.order_id not in seen)
        wave = s.get(WaveRow, self.wave_id)
        assert wave is not None
        wave.held = len(held)
        for part in chunks(list(self.reported_cancellations)):  # the cancellations this held.csv reports
            s.execute(update(OrderRow).where(
                OrderRow.order_id.in_(part), OrderRow.reported_in_wave.is_(None))
                .values(reported_in_wave=self.wave_id))
        notify(s, self._at, "wave_released", self.wave_id, wave_id=self.wave_id, orders=len(released),
               picks=len(release.picks))
        short = [h for h in held if h.reason == HoldReason.SHORT_STOCK]
        if short or backorders:
            notify(s, self._at, "stock_short", self.wave_id, wave_id=self.wave_id,
                   held=[[h.order_id, h.detail] for h in short],
                   backordered=[[b.order_id, b.sku, b.qty] for b in backorders])
        s.flush()
        if before_commit is not None:
            before_commit()
        s.commit()
        self.committed = WaveReport(self.wave_id, tuple(sorted(released)), held, backorders, len(release.picks))
        log.info("wave %s committed: %d orders released, %d held", self.wave_id, len(released), len(held))
        return self.committed


@dataclass(frozen=True, slots=True)
class UnpublishedWave:
    """A committed wave whose files are not (all) in ``out`` yet: staged at ``staged``."""

    wave_id: str
    out: str
    staged: str
    released: tuple[str, ...]


def unpublished(session: Session, *, lock: bool) -> list[tuple[WaveRow, UnpublishedWave]]:
    """Waves committed ``staged`` and not marked published, oldest first (rows locked when asked)."""
    q = select(WaveRow).where(WaveRow.publish_state == "staged").order_by(WaveRow.created_at, WaveRow.wave_id)
    if lock:
        q = q.with_for_update()
    out = []
    for w in session.scalars(q):
        released = tuple(session.scalars(select(PickRow.order_id).where(PickRow.wave_id == w.wave_id)
                                         .distinct().order_by(PickRow.order_id)))
        out.append((w, UnpublishedWave(w.wave_id, w.out, w.staged, released)))
    return out


def _insert(session: Session, model: type[Base], rows: list[dict[str, object]]) -> None:
    """One executemany INSERT of ``rows`` into ``model``'s table (no ORM objects built)."""
    if rows:
        session.execute(insert(model), rows)


def _allocations(wave_id: str, picks: Sequence[ReleasedPick], planned: Mapping[str, Order]) -> list[dict[str, object]]:
    """Picks spread over the order's lines of that SKU, in line order: one row per line and pick face."""
    out: list[dict[str, object]] = []
    need: dict[tuple[str, str], list[list[int]]] = defaultdict(list)
    for order in planned.values():
        for line in order.lines:
            need[(order.order_id, line.sku)].append([line.line_no, line.qty])
    for p in picks:
        left = p.qty
        for slot in need[(p.order_id, p.sku)]:
            take = min(left, slot[1])
            if take:
                out.append(dict(wave_id=wave_id, order_id=p.order_id, line_no=slot[0], sku=p.sku,
                                location_id=p.location_id, qty=take, state="open"))
                slot[1] -= take
                left -= take
            if not left:
                break
    return out


def _split_backorders(session: Session, rows: Mapping[str, OrderRow], shortfalls: Sequence[Shortfall],
                      wave_id: str, actor: str, at: datetime) -> None:
    """Each released order with short lines keeps what ships; the rest becomes ``<id>-BO<n>``."""
    by_order: dict[str, list[Shortfall]] = defaultdict(list)
    for s in shortfalls:
        by_order[s.order_id].append(s)
    for oid, short in sorted(by_order.items()):
        parent = rows[oid]
        n = 1 + (session.scalar(select(func.count()).where(OrderRow.parent_order_id == oid)) or 0)
        child_id = f"{oid}-BO{n}"
        status = status_for_payment(parent.payment_status or "")
        session.add(OrderRow(order_id=child_id, channel=parent.channel, status=str(status),
                             payment_status=parent.payment_status, created_at=parent.created_at,
                             priority=parent.priority, ship_by=parent.ship_by, carrier=parent.carrier,
                             parent_order_id=oid, digest="", imported_at=at, updated_at=at))
        session.flush()
        for sf in short:
            line = session.get(OrderLineRow, (oid, sf.line_no))
            assert line is not None
            line.qty -= sf.qty
            session.add(OrderLineRow(order_id=child_id, line_no=sf.line_no, sku=sf.sku, ordered_qty=sf.qty,
                                     qty=sf.qty))
        what = ", ".join(f"line {sf.line_no} {sf.sku} x{sf.qty}" for sf in short)
        log_event(session, at, "backorder", actor, order_id=oid, from_status=parent.status, to_status=parent.status,
                  reason=f"short stock: {what} back-ordered as {child_id}", wave_id=wave_id)
        log_event(session, at, "backorder", actor, order_id=child_id, to_status=str(status),
                  reason=f"back-order of {oid}: {what}", wave_id=wave_id)
        notify(session, at, "backorder_created", child_id, order_id=oid, backorder=child_id,
               lines=[[sf.line_no, sf.sku, sf.qty] for sf in short])


def claim(session: Session, config: WaveConfig, wave_id: str | None, policy: ShortStockPolicy,
          catalog: Callable[[Mapping[tuple[str, str], int]], Catalog | None], *, actor: str,
          at: datetime) -> WaveClaim:
    """Lock and read the orders for one wave (see the module docstring)."""
    def done(wid: str) -> WaveClaim:
        return WaveClaim(session, wave_id=wid, config=config, orders=(), held=(), backorders=(), catalog=None,
                         available={}, actor=actor, at=at, already_committed=True)

    if wave_id is not None and session.get(WaveRow, wave_id) is not None:
        return done(wave_id)
    q = (select(OrderRow).where(OrderRow.status.in_(_RELEASABLE),
                                OrderRow.payment_status.in_(config.release_payment_statuses))
         .order_by(*release_order(config, session.get_bind().dialect.name)).with_for_update(skip_locked=True))  # type: ignore[arg-type]
    if config.max_orders is not None:
        q = q.limit(config.max_orders)
    rows = list(session.scalars(q))
    lines: dict[str, list[OrderLine]] = defaultdict(list)
    for part in chunks([r.order_id for r in rows]):
        for ln in session.scalars(select(OrderLineRow).where(OrderLineRow.order_id.in_(part), OrderLineRow.qty > 0)
                                  .order_by(OrderLineRow.order_id, OrderLineRow.line_no)):
            lines[ln.order_id].append(OrderLine(ln.order_id, ln.sku, ln.qty, ln.line_no))
    skus = sorted({ln.sku for ls in lines.values() for ln in ls})
    available = _available(session, skus, lock=True)
    cat = catalog(available)
    known = set(cat.skus) if cat is not None else set()
    held: list[Hold] = []
    orders: list[Order] = []
    for r in rows:
        unknown = sorted({ln.sku for ln in lines[r.order_id]} - known)
        if unknown or not lines[r.order_id]:
            detail = (f"SKU {', '.join(map(repr, unknown))} not in the catalogue" if unknown
                      else "no lines left to fulfil")
            move(session, r, Action.HOLD, reason=detail, actor=actor, at=at)
            r.hold_reason = str(HoldReason.UNKNOWN_SKU if unknown else HoldReason.INVALID)
            held.append(Hold(r.order_id, HoldReason.UNKNOWN_SKU if unknown else HoldReason.INVALID, detail))
            continue
        assert r.created_at is not None and r.payment_status is not None
        orders.append(Order(r.order_id, tuple(lines[r.order_id]), r.created_at, r.payment_status, r.channel,
                            r.priority, r.ship_by, r.carrier))
    per_sku: dict[str, int] = defaultdict(int)
    for (sku, _loc), n in available.items():
        per_sku[sku] += n
    reservation: Reservation = reserve(orders, per_sku, policy)
    wid = wave_id or content_wave_id(config, orders, [StockRecord(s, loc, q) for (s, loc), q in available.items()])
    if wave_id is None and session.get(WaveRow, wid) is not None:
        return done(wid)
    claimed = {r.order_id for r in rows}
    held.extend(reservation.held)
    outside, cancellations = _not_claimed(session, config, claimed)
    held.extend(outside)
    return WaveClaim(session, wave_id=wid, config=config, orders=reservation.orders, held=tuple(held),
                     backorders=reservation.backorders, catalog=cat, available=available, actor=actor, at=at,
                     reported_cancellations=cancellations)


def _not_claimed(session: Session, config: WaveConfig, claimed: set[str]) -> tuple[list[Hold], tuple[str, ...]]:
    """Orders outside this wave, with why: unpaid, on hold, deferred (cap or another wave), and
    once, ``cancelled`` for orders cancelled before any wave; also the ids of those cancellations
    (:meth:`WaveClaim.commit` marks them reported)."""
    out: list[Hold] = []
    cancellations: list[str] = []
    gone = (select(OrderRow.order_id, OrderRow.payment_status)
            .where(OrderRow.status.in_(_CANCELLED),
                   OrderRow.wave_id.is_(None), OrderRow.reported_in_wave.is_(None))
            .order_by(OrderRow.order_id))
    for oid, payment in session.execute(gone):
        cancellations.append(oid)
        if payment in REVERSED_PAYMENTS:  # as the files road holds it: the payment went back
            out.append(Hold(oid, HoldReason.UNPAID, f"payment {payment}: cancelled before release"))
        else:
            out.append(Hold(oid, HoldReason.CANCELLED, "cancelled before release"))
    q = select(OrderRow.order_id, OrderRow.status, OrderRow.payment_status, OrderRow.hold_reason,
               OrderRow.hold_detail).where(OrderRow.status.in_((*_RELEASABLE, str(OrderStatus.ON_HOLD))))
    for oid, status, payment, reason, detail in session.execute(q.order_by(OrderRow.order_id)):
        if oid in claimed:
            continue
        if status == OrderStatus.ON_HOLD:
            known = reason is not None and reason in {h.value for h in HoldReason}
            out.append(Hold(oid, HoldReason(reason) if reason is not None and known else HoldReason.DEFERRED,
                            detail if known else f"on hold ({reason}): {detail}"))
        elif payment not in config.release_payment_statuses:
            out.append(Hold(oid, HoldReason.UNPAID, f"payment {payment}"))
        else:
            out.append(Hold(oid, HoldReason.DEFERRED, "not in this wave (max_orders, or claimed by another run)"))
    return out, tuple(cancellations)
