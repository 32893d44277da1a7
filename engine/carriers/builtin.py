"""The built-in carrier adapter: label data as ZPL, tracking numbers computed locally.

It does not talk to a carrier: it produces what a label printer needs and a
tracking number in the carrier's format (see :mod:`engine.carriers.tracking`),
which is what a warehouse without a carrier contract tests against.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.carriers.base import CarrierAdapter, Label, Shipment
from engine.carriers.tracking import (
    dhl_tracking,
    generic_tracking,
    is_valid_dhl,
    is_valid_generic,
    is_valid_ups,
    ups_tracking,
)

#: Service names to UPS service codes (the two digits after the shipper number).
UPS_SERVICES = {"next_day": "01", "second_day": "02", "ground": "03", "standard": "03", "express": "01"}


def _zpl_text(text: str) -> str:
    # ZPL uses ^ and ~ as command prefixes; they must not appear in field data.
    return text.replace("^", " ").replace("~", " ")


@dataclass(frozen=True, slots=True)
class BuiltinCarrier:
    """A carrier adapter for ``ups``, ``dhl`` or any other name (generic format).

    Examples
    --------
    >>> from engine.carriers.base import Parcel
    >>> lab = BuiltinCarrier("dhl").label(Shipment("O1", "O1", "dhl", (Parcel(1, "M", 2.5),)))
    >>> BuiltinCarrier("dhl").is_valid_tracking(lab.tracking_number), len(lab.zpl)
    (True, 1)
    """

    carrier: str
    ups_shipper: str = "PW0001"

    @property
    def name(self) -> str:
        return self.carrier.lower()

    def tracking_number(self, shipment: Shipment) -> str:
        if self.name == "ups":
            return ups_tracking(shipment.shipment_id, self.ups_shipper, UPS_SERVICES.get(shipment.service, "03"))
        if self.name == "dhl":
            return dhl_tracking(shipment.shipment_id)
        return generic_tracking(self.name, shipment.shipment_id)

    def is_valid_tracking(self, tracking_number: str) -> bool:
        if self.name == "ups":
            return is_valid_ups(tracking_number)
        if self.name == "dhl":
            return is_valid_dhl(tracking_number)
        return is_valid_generic(tracking_number)

    def label(self, shipment: Shipment) -> Label:
        tn = self.tracking_number(shipment)
        to = shipment.ship_to
        address = [x for x in (to.name, to.line1, f"{to.postcode} {to.city}".strip(), to.country) if x]
        n = len(shipment.parcels)
        zpl = []
        for i, parcel in enumerate(shipment.parcels, start=1):
            lines = [
                "^XA",
                f"^FO40,40^A0N,40,40^FD{_zpl_text(self.name.upper())} {_zpl_text(shipment.service)}^FS",
                f"^FO40,100^A0N,28,28^FDOrder {_zpl_text(shipment.order_id)}  parcel {i}/{n}^FS",
                f"^FO40,140^A0N,28,28^FDBox {_zpl_text(parcel.box_id)}  {parcel.weight_kg:.2f} kg^FS",
            ]
            lines += [f"^FO40,{190 + 34 * k}^A0N,28,28^FD{_zpl_text(a)}^FS" for k, a in enumerate(address)]
            lines += [f"^FO40,360^BCN,120,Y,N,N^FD{tn}^FS", "^XZ"]
            zpl.append("\n".join(lines) + "\n")
        return Label(self.name, tn, shipment.shipment_id, shipment.order_id, tuple(zpl))


def adapter_for(carrier: str) -> CarrierAdapter:
    """The adapter for a carrier name (case-insensitive); empty means ``generic``.

    >>> adapter_for("UPS").name, adapter_for("").name
    ('ups', 'generic')
    """
    return BuiltinCarrier(carrier.strip().lower() or "generic")
