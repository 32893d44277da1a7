"""The orchestration's own bookkeeping tables, beside the store's.

They live in their own ``MetaData`` (prefix ``pw_``) and are created with
``create_all`` (idempotent) rather than by the store's Alembic migrations, so
the store's schema stays the store engineer's. Each row makes one step of the
DAGs idempotent: a report file applied once, a follow-up sent once, one
tracking number per shipment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Engine, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(200)


class OrchBase(DeclarativeBase):
    metadata = MetaData()


class ReportFileRow(OrchBase):
    """A 3PL report file already applied, by SHA-256 of its bytes."""

    __tablename__ = "pw_report_files"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    events: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuarantineRow(OrchBase):
    """A report row not applied, and why."""

    __tablename__ = "pw_quarantine"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(Text)
    row: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text)
    raw: Mapped[str] = mapped_column(Text)


class PickProgressRow(OrchBase):
    """Units of one SKU of one order reported picked and short so far."""

    __tablename__ = "pw_pick_progress"
    order_id: Mapped[str] = mapped_column(ID, primary_key=True)
    sku: Mapped[str] = mapped_column(ID, primary_key=True)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    short: Mapped[int] = mapped_column(Integer, default=0)


class ParcelRow(OrchBase):
    """A carton the packer (or 3PL) reported for an order."""

    __tablename__ = "pw_parcels"
    order_id: Mapped[str] = mapped_column(ID, primary_key=True)
    carton_id: Mapped[str] = mapped_column(ID, primary_key=True)
    box_id: Mapped[str] = mapped_column(ID, default="")


class TrackingRow(OrchBase):
    """The shipment of an order: carrier, tracking number and where its label is."""

    __tablename__ = "pw_tracking"
    order_id: Mapped[str] = mapped_column(ID, primary_key=True)
    shipment_id: Mapped[str] = mapped_column(ID)
    carrier: Mapped[str] = mapped_column(String(200))
    tracking_number: Mapped[str] = mapped_column(String(64))
    label_url: Mapped[str] = mapped_column(Text, default="")


class FollowupRow(OrchBase):
    """The post-delivery message of an order, sent once."""

    __tablename__ = "pw_followups"
    order_id: Mapped[str] = mapped_column(ID, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RmaRow(OrchBase):
    """A return authorisation: what happened to the goods and to the money."""

    __tablename__ = "pw_rma"
    rma_id: Mapped[str] = mapped_column(ID, primary_key=True)
    order_id: Mapped[str] = mapped_column(ID, index=True)
    disposition: Mapped[str] = mapped_column(String(16))  # restock | scrap
    units: Mapped[int] = mapped_column(Integer)
    refund_status: Mapped[str] = mapped_column(String(16))  # refunded | not_refunded
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_tables(engine: Engine) -> None:
    """Create the ``pw_`` tables that do not exist yet."""
    OrchBase.metadata.create_all(engine, checkfirst=True)
