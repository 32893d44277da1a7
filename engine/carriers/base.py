"""What a carrier integration offers: labels and tracking numbers for shipments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class Parcel:
    """One packed carton of a shipment."""

    carton_no: int
    box_id: str
    weight_kg: float


@dataclass(frozen=True, slots=True)
class Address:
    """Where a shipment goes; empty fields are left off the label."""

    name: str = ""
    line1: str = ""
    city: str = ""
    postcode: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class Shipment:
    """A shipment to label: an order's parcels, the carrier and service asked for.

    ``shipment_id`` is stable across retries (the orchestration uses
    ``<order_id>`` or ``<order_id>-<n>``), so every adapter can derive the same
    tracking number from it again.
    """

    shipment_id: str
    order_id: str
    carrier: str
    parcels: tuple[Parcel, ...]
    service: str = "standard"
    ship_to: Address = field(default_factory=Address)

    def __post_init__(self) -> None:
        if not self.parcels:
            raise ValueError(f"shipment {self.shipment_id!r} has no parcels")

    @property
    def weight_kg(self) -> float:
        return sum(p.weight_kg for p in self.parcels)


@dataclass(frozen=True, slots=True)
class Label:
    """Label data for a shipment: the tracking number and one ZPL label per parcel."""

    carrier: str
    tracking_number: str
    shipment_id: str
    order_id: str
    zpl: tuple[str, ...]


@runtime_checkable
class CarrierAdapter(Protocol):
    """A carrier integration.

    ``label`` must be deterministic in the shipment (same shipment, same
    tracking number and label), so retries never create a second shipment.
    A network adapter would call the carrier's API with the shipment id as
    idempotency key; the built-in one computes everything locally.
    """

    @property
    def name(self) -> str: ...

    def label(self, shipment: Shipment) -> Label: ...

    def is_valid_tracking(self, tracking_number: str) -> bool: ...
