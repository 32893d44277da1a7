"""The order store: one object in front of the database, one transaction per call.

>>> store = open_store("sqlite://")          # in memory; migrated to head
>>> store.list_orders()
()
>>> store.close()
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from engine.io.ids import id_problem
from engine.io.layout import parse_layout
from engine.io.tables import OrdersInput
from engine.model import Box, OrderLine, Sku, StockRecord, WaveConfig
from engine.store import intake, wave_views, waves
from engine.store.engine import make_engine
from engine.store.lifecycle import Action, IllegalMoveError, OrderStatus
from engine.store.migrate import upgrade
from engine.store.moves import move
from engine.store.release import WaveRelease
from engine.store.reports import Catalog, CatalogReport, Event, ImportReport, Move, OrderSummary
from engine.store.reserve import ShortStockPolicy
from engine.store.schema import (
    BoxRow,
    EventRow,
    InventoryRow,
    LayoutRow,
    OrderLineRow,
    OrderRow,
    OutboxRow,
    SkuRow,
    WaveRow,
)
from engine.store.urls import db_url

log = logging.getLogger(__name__)


class ActionRefusedError(Exception):
    """One or more orders refused an action; nothing was changed."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(self.problems))


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """The order store at one database. Build it with :func:`open_store`.

    Every method is one transaction: it commits all its changes or none.
    Writers lock what they change (rows on PostgreSQL, the database on
    SQLite), so concurrent CLI runs, DAG tasks and wave runs are safe.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite: writers take the write lock at BEGIN (see engine.store.engine).
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction (SQLite's write lock taken at BEGIN): commits on success, rolls back on error.

        For the fulfilment functions of :mod:`engine.store.fulfilment` and
        :mod:`engine.store.returns`, which work in the caller's transaction.
        """
        with self._write() as session:
            yield session

    @contextmanager
    def _write(self) -> Iterator[Session]:
        with Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    # --- intake -------------------------------------------------------------------------
    def import_orders(self, orders: OrdersInput, channel: str | None = None, *, file: str = "orders",
                      cancelled: frozenset[str] = frozenset(), by: str = "import") -> ImportReport:
        """Merge parsed orders (from :func:`engine.io.tables.read_orders`) into the store.

        Idempotent: the same input twice changes nothing the second time.
        ``cancelled`` are order ids the file marks ``status: cancelled``
        (:func:`engine.store.intake.cancellations`). All or nothing.
        """
        with self._write() as s:
            report = intake.import_orders(s, orders, file=file, channel=channel, cancelled=cancelled,
                                          at=_now(), actor=by)
        log.info("%s", report.summary())
        return report

    def import_catalog(self, catalog: intake.CatalogInput, *, by: str = "import") -> CatalogReport:
        """Upsert layout, SKUs, locations, stock and boxes; all or nothing."""
        with self._write() as s:
            return intake.import_catalog(s, catalog, at=_now(), actor=by)

    # --- lifecycle ----------------------------------------------------------------------
    def apply(self, action: str | Action, order_ids: Sequence[str], reason: str = "", by: str = "system",
              *, release_payment_statuses: Sequence[str] = ("captured",)) -> tuple[Move, ...]:
        """Apply one lifecycle action to every order in ``order_ids``, all or nothing.

        Raises
        ------
        ActionRefusedError
            With one message per order that cannot move (unknown id, illegal
            move); no order is changed then. ``release`` is refused here:
            orders are released by a wave (:meth:`claim_releasable`).
        """
        try:
            act = Action(action)
        except ValueError:
            known = ", ".join(a.value for a in Action)
            raise ActionRefusedError([f"unknown action {action!r}; one of {known}"]) from None
        if act is Action.RELEASE:
            raise ActionRefusedError(["orders are released by a wave, with stock allocated: run `pickwave wave run`"])
        ids = list(dict.fromkeys(order_ids))
        at = _now()
        with self._write() as s:
            rows = {r.order_id: r for part in intake.chunks(sorted(ids))
                    for r in s.scalars(select(OrderRow).where(OrderRow.order_id.in_(part))
                                       .order_by(OrderRow.order_id).with_for_update())}
            problems = [f"order {oid!r}: not in the store" for oid in ids if oid not in rows]
            moves: list[Move] = []
            for oid in ids:
                if oid not in rows:
                    continue
                try:
                    with s.begin_nested():
                        moves.append(move(s, rows[oid], act, reason=reason, actor=by, at=at,
                                          release_payment_statuses=release_payment_statuses))
                except IllegalMoveError as exc:
                    problems.append(str(exc))
            if problems:
                s.rollback()
                raise ActionRefusedError(problems)
        return tuple(moves)

    # --- reading ------------------------------------------------------------------------
    def list_orders(self, status: str | OrderStatus | None = None) -> tuple[OrderSummary, ...]:
        """Orders (all, or in one status) by order id, with their lines still to fulfil."""
        if status is not None and status not in {s.value for s in OrderStatus}:
            raise ValueError(f"unknown status {status!r}; one of {', '.join(s.value for s in OrderStatus)}")
        with self._read() as s:
            q = select(OrderRow).order_by(OrderRow.order_id)
            if status is not None:
                q = q.where(OrderRow.status == str(status))
            rows = list(s.scalars(q))
            lines: dict[str, list[OrderLine]] = {r.order_id: [] for r in rows}
            for part in intake.chunks(list(lines)):
                for ln in s.scalars(select(OrderLineRow).where(OrderLineRow.order_id.in_(part))
                                    .order_by(OrderLineRow.order_id, OrderLineRow.line_no)):
                    lines[ln.order_id].append(OrderLine(ln.order_id, ln.sku, ln.qty, ln.line_no))
        return tuple(OrderSummary(r.order_id, r.status, r.payment_status or "", r.channel, r.priority, r.created_at,
                                  r.ship_by, r.wave_id or "", r.hold_reason or "", r.hold_detail,
                                  tuple(lines[r.order_id])) for r in rows)

    def order(self, order_id: str) -> OrderSummary | None:
        """One order with its lines still to fulfil, or None when the store has no such order."""
        with self._read() as s:
            r = s.get(OrderRow, order_id)
            if r is None:
                return None
            lines = tuple(OrderLine(ln.order_id, ln.sku, ln.qty, ln.line_no) for ln in s.scalars(
                select(OrderLineRow).where(OrderLineRow.order_id == order_id).order_by(OrderLineRow.line_no)))
        return OrderSummary(r.order_id, r.status, r.payment_status or "", r.channel, r.priority, r.created_at,
                            r.ship_by, r.wave_id or "", r.hold_reason or "", r.hold_detail, lines)

    def list_waves(self) -> list[wave_views.WaveSummary]:
        """Every committed wave, newest first (:func:`engine.store.wave_views.list_waves`)."""
        with self._read() as s:
            return wave_views.list_waves(s)

    def wave_summary(self, wave_id: str) -> wave_views.WaveSummary | None:
        """One committed wave with its picks, cartons and its orders' statuses now, or None."""
        with self._read() as s:
            return wave_views.show_wave(s, wave_id)

    def events(self, order_id: str | None = None) -> tuple[Event, ...]:
        """The event log, oldest first (one order's, or all)."""
        with self._read() as s:
            q = select(EventRow).order_by(EventRow.id)
            if order_id is not None:
                q = q.where(EventRow.order_id == order_id)
            return tuple(Event(e.id, e.at, e.order_id, e.wave_id, e.action, e.from_status, e.to_status, e.reason,
                               e.actor) for e in s.scalars(q))

    def stock(self, available: bool = True) -> tuple[StockRecord, ...]:
        """Stock per SKU and pick face: available (on hand less open allocations) or on hand."""
        with self._read() as s:
            return self._stock(s, available)

    def _stock(self, s: Session, available: bool) -> tuple[StockRecord, ...]:
        skus = list(s.scalars(select(InventoryRow.sku).distinct()))
        if available:
            amounts = waves._available(s, skus, lock=False)
        else:
            amounts = {(r.sku, r.location_id): r.on_hand for r in s.scalars(select(InventoryRow))}
        return tuple(StockRecord(sku, loc, n) for (sku, loc), n in sorted(amounts.items()))

    def load_catalog(self, available: bool = True) -> Catalog:
        """The current catalogue: layout (re-parsed from its stored YAML), SKUs, stock, boxes.

        Raises ``LookupError`` when no catalogue was imported.
        """
        with self._read() as s:
            cat = self._catalog(s, {(r.sku, r.location_id): r.qty for r in self._stock(s, available)})
        if cat is None:
            raise LookupError("the store has no catalogue: run `pickwave catalog import` first")
        return cat

    def _catalog(self, s: Session, stock: Mapping[tuple[str, str], int]) -> Catalog | None:
        layout = s.scalar(select(LayoutRow).order_by(LayoutRow.id.desc()).limit(1))
        if layout is None:
            return None
        skus = {r.sku: Sku(r.sku, r.length_cm, r.width_cm, r.height_cm, r.weight_kg, r.fragile, r.upright,
                           r.description) for r in s.scalars(select(SkuRow).order_by(SkuRow.sku))}
        boxes = tuple(Box(r.box_id, r.length_cm, r.width_cm, r.height_cm, r.max_weight_kg, r.cost, r.tare_kg)
                      for r in s.scalars(select(BoxRow).order_by(BoxRow.box_id)))
        records = tuple(StockRecord(sku, loc, n) for (sku, loc), n in sorted(stock.items()) if n > 0)
        return Catalog(parse_layout(layout.yaml_text, layout.source), layout.yaml_text, skus, records, boxes)

    def outbox(self, *, unsent: bool = True, limit: int = 1000) -> tuple[tuple[int, str, str, str], ...]:
        """Outbox messages ``(id, topic, key, payload_json)``, oldest first."""
        with self._read() as s:
            q = select(OutboxRow).order_by(OutboxRow.id).limit(limit)
            if unsent:
                q = q.where(OutboxRow.sent_at.is_(None))
            return tuple((m.id, m.topic, m.key, m.payload) for m in s.scalars(q))

    def mark_sent(self, ids: Sequence[int]) -> None:
        with self._write() as s:
            for m in s.scalars(select(OutboxRow).where(OutboxRow.id.in_(list(ids)))):
                m.sent_at = m.sent_at or _now()

    # --- waves --------------------------------------------------------------------------
    @contextmanager
    def claim_releasable(self, config: WaveConfig, wave_id: str | None = None, *,
                         short_stock: ShortStockPolicy | None = None,
                         by: str = "wave") -> Iterator[waves.WaveClaim]:
        """Claim the releasable orders for one wave; the transaction stays open until
        :meth:`WaveClaim.commit` or the end of the ``with`` block (then rolled back).

        Releasable: status ``awaiting_fulfillment`` or ``pending_payment`` with a
        payment status in ``config.release_payment_statuses``, in release order
        (:func:`engine.store.waves.release_order`), at most ``config.max_orders``.
        Short stock follows ``short_stock``, else the config's ``short_stock`` key.

        Example::

            with store.claim_releasable(config) as claim:
                plan = plan_wave(problem_from(claim))
                claim.commit(release_from(plan))
        """
        if wave_id is not None:
            why = id_problem(wave_id, "wave_id", file_name=True)
            if why is not None:
                raise ValueError(f"wave id {why}")
        at = _now()
        with Session(self._writer, expire_on_commit=False) as s:
            s.begin()
            try:
                policy = config.short_stock if short_stock is None else short_stock
                yield waves.claim(s, config, wave_id, policy, lambda stock: self._catalog(s, stock),
                                  actor=by, at=at)
            finally:
                if s.in_transaction():
                    s.rollback()

    def finish_publishing(self, publish: Callable[[waves.UnpublishedWave], bool]
                          ) -> list[tuple[waves.UnpublishedWave, bool]]:
        """Finish every wave committed but not published (a run died between COMMIT and its files).

        ``publish(wave)`` moves the wave's staged files into ``wave.out`` and
        returns whether they are all there; such waves are marked published.
        Runs under the store's write lock (the wave rows locked on PostgreSQL),
        so two runs never move the same files. Returns each wave with the
        result of ``publish``; cheap (one query) when there is none.
        """
        with self._read() as s:
            if not s.scalar(select(func.count()).select_from(WaveRow).where(WaveRow.publish_state == "staged")):
                return []
        done: list[tuple[waves.UnpublishedWave, bool]] = []
        with self._write() as s:
            for row, wave in waves.unpublished(s, lock=True):
                ok = publish(wave)
                if ok:
                    row.publish_state, row.staged = "published", ""
                done.append((wave, ok))
        return done

    def mark_published(self, wave_id: str) -> None:
        """Record that the files of ``wave_id`` are in place (see :meth:`WaveClaim.commit`)."""
        with self._write() as s:
            row = s.get(WaveRow, wave_id)
            if row is not None:
                row.publish_state, row.staged = "published", ""

    def publish_state(self, wave_id: str) -> str | None:
        """``published``, ``staged`` (committed, files not in place yet), or None for an unknown wave."""
        with self._read() as s:
            row = s.get(WaveRow, wave_id)
            return None if row is None else row.publish_state

    def commit_wave(self, config: WaveConfig, release: WaveRelease, wave_id: str | None = None, *,
                    short_stock: ShortStockPolicy | None = None, by: str = "wave") -> waves.WaveReport:
        """Claim and commit in one call, for a release computed beforehand (tests, replays)."""
        with self.claim_releasable(config, wave_id, short_stock=short_stock, by=by) as claim:
            return claim.commit(release)


def open_store(url: str | None = None, *, migrate: bool = True, lock_timeout_s: float = 60.0) -> Store:
    """Open the store at ``url`` (default ``PICKWAVE_DB_URL``, else ``sqlite:///pickwave.db``)
    and migrate it to the newest schema."""
    engine = make_engine(db_url(url), lock_timeout_s=lock_timeout_s)
    if migrate:
        upgrade(engine)
    return Store(engine)
