"""Packed orders labelled through their carrier and marked shipped: the DAG's ``ship_packed`` and ``pickwave ship``.

One label per carton (ZPL) with the carton's gross weight (its units' SKU
weights plus the box's tare, as committed with the wave, or as packed after a
short pick) goes to ``<out>/labels/<order>.zpl`` and its data to
``<order>.json``; the tracking number is derived from the order id, so a
retry writes the same label. The store records the tracking number and label
URL on the shipment and the ``ship`` move; a ``shipped`` message goes to the
file outbox ``<out>/outbox``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from engine.carriers.base import Parcel, Shipment
from engine.carriers.builtin import adapter_for
from engine.intake_3pl.checks import carton_id
from engine.publish.outbox import OutboxMessage, safe_name, write_outbox
from engine.publish.storage import join, write_atomic
from engine.store import Store
from engine.store.fulfilment import packed_orders, record_shipment, shipping_cartons
from engine.store.lifecycle import OrderStatus
from engine.store.returns import lock_order


@dataclass(frozen=True, slots=True)
class Shipped:
    """One order labelled and shipped."""

    order_id: str
    carrier: str
    tracking_number: str
    label_url: str
    parcels: int
    weight_kg: float


def ship_packed(store: Store, out_url: str, order_ids: Sequence[str] | None = None, *,
                actor: str = "airflow") -> list[Shipped]:
    """Label and ship every packed order (or those of ``order_ids`` that are packed), one transaction each."""
    with store.transaction() as s:
        ids = packed_orders(s)
    if order_ids is not None:
        wanted = set(order_ids)
        ids = [oid for oid in ids if oid in wanted]
    out: list[Shipped] = []
    for oid in ids:
        with store.transaction() as s:
            order = lock_order(s, oid)
            if order is None or order.status != OrderStatus.PACKED:
                continue
            parcels = tuple(Parcel(c.carton_no, c.box_id, c.weight_kg) for c in shipping_cartons(s, order)) or (
                Parcel(1, "", 0.0),)
            label = adapter_for(order.carrier).label(Shipment(oid, oid, order.carrier or "generic", parcels))
            base = join(out_url, "labels", safe_name(oid))
            weight = round(sum(p.weight_kg for p in parcels), 3)
            write_atomic(f"{base}.zpl", "".join(label.zpl))
            write_atomic(f"{base}.json", json.dumps({
                "order_id": oid, "carrier": label.carrier, "tracking_number": label.tracking_number,
                "parcels": [{"carton_id": carton_id(oid, p.carton_no), "box_id": p.box_id,
                             "weight_kg": round(p.weight_kg, 3)} for p in parcels],
                "weight_kg": weight}, sort_keys=True) + "\n")
            record_shipment(s, order, label.carrier, label.tracking_number, f"{base}.zpl", actor)
            tracking = {"carrier": label.carrier, "tracking_number": label.tracking_number}
            write_outbox(join(out_url, "outbox"), [OutboxMessage(f"shipped-{oid}", "shipped", oid, tracking)])
            out.append(Shipped(oid, label.carrier, label.tracking_number, f"{base}.zpl", len(parcels), weight))
    return out
