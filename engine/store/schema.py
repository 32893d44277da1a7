"""SQLAlchemy 2 models of the store; the Alembic migrations create exactly these.

Revision ``0001`` holds the catalogue, orders, waves and the event log;
``0002`` adds what fulfilment needs after release: carton contents and
weights, tracking numbers on shipments, RMAs, and the 3PL report
bookkeeping (files applied, quarantine, pick progress, follow-ups sent).

One schema for SQLite and PostgreSQL. Times are stored in UTC and come back
timezone-aware (:class:`UtcDateTime`). Quantities are integers (the parsers cap
them at ``engine.io.tables.MAX_QTY``). The event log is append-only: the
migration adds triggers that refuse UPDATE and DELETE on ``events``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Stable constraint names so migrations can name what they alter on both dialects.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ID = String(200)  # external ids (order, SKU, location, box): long enough for any channel's


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every dialect (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


# --- catalogue ----------------------------------------------------------------------
class LayoutRow(Base):
    """An imported ``layout.yaml``, kept verbatim; the newest row is the current layout."""

    __tablename__ = "layouts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(1000))
    yaml_text: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SkuRow(Base):
    __tablename__ = "skus"
    sku: Mapped[str] = mapped_column(ID, primary_key=True)
    length_cm: Mapped[float] = mapped_column(Float)
    width_cm: Mapped[float] = mapped_column(Float)
    height_cm: Mapped[float] = mapped_column(Float)
    weight_kg: Mapped[float] = mapped_column(Float)
    fragile: Mapped[bool] = mapped_column(Boolean, default=False)
    upright: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")


class LocationRow(Base):
    """A pick face that holds stock; ``zone`` from the layout at import."""

    __tablename__ = "locations"
    location_id: Mapped[str] = mapped_column(ID, primary_key=True)
    zone: Mapped[str | None] = mapped_column(ID, nullable=True)


class InventoryRow(Base):
    """Units on hand of one SKU at one pick face (allocations are in ``allocations``)."""

    __tablename__ = "inventory"
    __table_args__ = (CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),)
    sku: Mapped[str] = mapped_column(ID, ForeignKey("skus.sku"), primary_key=True)
    location_id: Mapped[str] = mapped_column(ID, ForeignKey("locations.location_id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BoxRow(Base):
    __tablename__ = "boxes"
    box_id: Mapped[str] = mapped_column(ID, primary_key=True)
    length_cm: Mapped[float] = mapped_column(Float)
    width_cm: Mapped[float] = mapped_column(Float)
    height_cm: Mapped[float] = mapped_column(Float)
    max_weight_kg: Mapped[float] = mapped_column(Float)
    cost: Mapped[float] = mapped_column(Float)
    tare_kg: Mapped[float] = mapped_column(Float, default=0.0)


# --- orders -------------------------------------------------------------------------
class OrderRow(Base):
    """An order from any channel. Orders held at intake may lack payment and dates.

    ``digest`` fingerprints the payload last imported, so re-importing the same
    file is recognised; ``parent_order_id`` links a back-order to its order.
    """

    __tablename__ = "orders"
    __table_args__ = (Index("ix_orders_status_payment", "status", "payment_status"),)
    order_id: Mapped[str] = mapped_column(ID, primary_key=True)
    channel: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(32))
    payment_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    ship_by: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    carrier: Mapped[str] = mapped_column(String(200), default="")
    promised_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # SPEC 8: last trip ends
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)  # SPEC 8: due for picking
    hold_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    hold_detail: Mapped[str] = mapped_column(Text, default="")
    wave_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    # The wave whose held.csv reported this order's cancellation (orders cancelled before any wave).
    reported_in_wave: Mapped[str | None] = mapped_column(ID, nullable=True)
    parent_order_id: Mapped[str | None] = mapped_column(ID, ForeignKey("orders.order_id"), nullable=True)
    digest: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OrderLineRow(Base):
    """One order line: ``ordered_qty`` as imported, ``qty`` still to fulfil here
    (less when the rest was back-ordered into a child order)."""

    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("qty >= 0 AND qty <= ordered_qty", name="qty_within_ordered"),)
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(ID)  # no FK: orders for unknown SKUs are kept, on hold
    ordered_qty: Mapped[int] = mapped_column(Integer)
    qty: Mapped[int] = mapped_column(Integer)


# --- waves --------------------------------------------------------------------------
class WaveRow(Base):
    __tablename__ = "waves"
    wave_id: Mapped[str] = mapped_column(ID, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    config_json: Mapped[str] = mapped_column(Text)
    orders: Mapped[int] = mapped_column(Integer)
    held: Mapped[int] = mapped_column(Integer)
    out: Mapped[str] = mapped_column(Text, default="")
    #: ``published``, or ``staged`` from the wave's COMMIT until its files are in ``out`` (see ``staged``).
    publish_state: Mapped[str] = mapped_column(String(20), server_default="published")
    #: Where the committing run staged the files; the next run moves them to ``out`` if it died first.
    staged: Mapped[str] = mapped_column(Text, server_default="")


class BatchRow(Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("wave_id", "batch_id", name="uq_batches_wave_batch"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    wave_id: Mapped[str] = mapped_column(ID, ForeignKey("waves.wave_id"))
    batch_id: Mapped[str] = mapped_column(ID)
    zone: Mapped[str] = mapped_column(ID, default="")
    distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)


class PickRow(Base):
    __tablename__ = "picks"
    __table_args__ = (Index("ix_picks_wave_order", "wave_id", "order_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    wave_id: Mapped[str] = mapped_column(ID, ForeignKey("waves.wave_id"))
    batch_id: Mapped[str] = mapped_column(ID)
    seq: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"))
    sku: Mapped[str] = mapped_column(ID)
    location_id: Mapped[str] = mapped_column(ID)
    qty: Mapped[int] = mapped_column(Integer)


class AllocationRow(Base):
    """Units of one order line reserved at one pick face.

    ``state``: ``open`` (reserved), ``picked`` (taken off the shelf; on_hand
    decremented) or ``freed`` (the order was cancelled before its pick).
    """

    __tablename__ = "allocations"
    __table_args__ = (
        ForeignKeyConstraint(["order_id", "line_no"], ["order_lines.order_id", "order_lines.line_no"],
                             name="fk_allocations_line"),
        ForeignKeyConstraint(["sku", "location_id"], ["inventory.sku", "inventory.location_id"],
                             name="fk_allocations_inventory"),
        CheckConstraint("qty > 0", name="qty_positive"),
        Index("ix_allocations_stock", "sku", "location_id", "state"),
        Index("ix_allocations_order", "order_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    wave_id: Mapped[str] = mapped_column(ID, ForeignKey("waves.wave_id"))
    order_id: Mapped[str] = mapped_column(ID)
    line_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(ID)
    location_id: Mapped[str] = mapped_column(ID)
    qty: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="open")


class CartonRow(Base):
    __tablename__ = "cartons"
    __table_args__ = (UniqueConstraint("wave_id", "order_id", "carton_no", name="uq_cartons_wave_order_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    wave_id: Mapped[str] = mapped_column(ID, ForeignKey("waves.wave_id"))
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"))
    carton_no: Mapped[int] = mapped_column(Integer)
    box_id: Mapped[str] = mapped_column(ID)
    units: Mapped[int] = mapped_column(Integer)
    #: Gross weight: the units' SKU weights plus the box's tare (0 for waves committed before 0002).
    weight_kg: Mapped[float] = mapped_column(Float, server_default="0")
    #: When a pack report with exactly the planned units was accepted for this carton.
    packed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class CartonUnitRow(Base):
    """One unit inside a planned carton, as in ``cartons.csv`` (SPEC section 5).

    The store keeps the placements so a pack report can be checked against
    the planned cartons (:func:`engine.packing.verify_pack`) without the files.
    """

    __tablename__ = "carton_units"
    __table_args__ = (Index("ix_carton_units_order", "order_id", "carton_no"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    wave_id: Mapped[str] = mapped_column(ID, ForeignKey("waves.wave_id"))
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"))
    carton_no: Mapped[int] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(ID)
    x_cm: Mapped[float] = mapped_column(Float)
    y_cm: Mapped[float] = mapped_column(Float)
    z_cm: Mapped[float] = mapped_column(Float)
    dx_cm: Mapped[float] = mapped_column(Float)
    dy_cm: Mapped[float] = mapped_column(Float)
    dz_cm: Mapped[float] = mapped_column(Float)


# --- after the pick -----------------------------------------------------------------
class ShipmentRow(Base):
    __tablename__ = "shipments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"), index=True)
    carrier: Mapped[str] = mapped_column(String(200), default="")
    shipped_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    #: Where the label was written (empty when the 3PL labelled the parcel itself).
    label_url: Mapped[str] = mapped_column(Text, server_default="")


class ReturnRow(Base):
    __tablename__ = "returns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_by: Mapped[str] = mapped_column(String(200))


class RmaRow(Base):
    """A return authorisation received from the 3PL: its lines are in ``rma_lines``.

    ``refund_status``: ``refunded`` (this RMA refunded the order),
    ``not_refunded`` (no refund asked) or ``already_refunded`` (asked, but an
    earlier RMA had refunded the order).
    """

    __tablename__ = "rmas"
    rma_id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"), index=True)
    refund: Mapped[bool] = mapped_column(Boolean)
    refund_status: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RmaLineRow(Base):
    """Units of one SKU on an RMA and what became of them.

    ``restock``: back on the pick face ``location_id`` the order's units were
    picked from (``inventory.on_hand`` went up by ``qty``); ``scrap``: written
    off (``location_id`` empty).
    """

    __tablename__ = "rma_lines"
    __table_args__ = (CheckConstraint("qty > 0", name="qty_positive"),)
    rma_id: Mapped[str] = mapped_column(ID, ForeignKey("rmas.rma_id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(ID)
    qty: Mapped[int] = mapped_column(Integer)
    disposition: Mapped[str] = mapped_column(String(16))
    location_id: Mapped[str] = mapped_column(ID, default="")


# --- 3PL reports and follow-ups -----------------------------------------------------
class ReportFileRow(Base):
    """A 3PL report file already applied, by SHA-256 of its bytes (so it applies once)."""

    __tablename__ = "report_files"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    events: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime)


class QuarantineRow(Base):
    """A report row not applied, and why (``reason``: see :class:`engine.intake_3pl.Reason`)."""

    __tablename__ = "report_quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), ForeignKey("report_files.digest"), index=True)
    source: Mapped[str] = mapped_column(Text)
    row: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)


class PickProgressRow(Base):
    """Units of one SKU of one order reported picked and short so far."""

    __tablename__ = "pick_progress"
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"), primary_key=True)
    sku: Mapped[str] = mapped_column(ID, primary_key=True)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    short: Mapped[int] = mapped_column(Integer, default=0)


class FollowupRow(Base):
    """The post-delivery message of an order, sent once."""

    __tablename__ = "followups"
    order_id: Mapped[str] = mapped_column(ID, ForeignKey("orders.order_id"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxRow(Base):
    """A notification to send, written in the same transaction as its cause."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_unsent", "sent_at", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(ID)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class EventRow(Base):
    """One line of the append-only event log: when, what, from, to, why, by whom."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_order", "order_id", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    order_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    wave_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    to_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(200))
