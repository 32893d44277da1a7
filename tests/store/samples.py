"""Small hand-checked store fixtures and a trivial planner for store tests.

The planner here is not the product's: it exists so store tests do not depend
on engine.wave. One batch per order, each SKU taken from pick faces in id order.
"""

from __future__ import annotations

from pathlib import Path

from engine.store import Catalog, ReleasedBatch, ReleasedPick, WaveClaim, WaveRelease

LAYOUT = """\
name: tiny
kind: rectangular
blocks: 1
aisles: 4
slots_per_side: 10
zones:
  - {id: Z1, aisles: [1, 2]}
  - {id: Z2, aisles: [3, 4], depot_x_m: 6.0}
"""

SKUS = """\
sku,length_cm,width_cm,height_cm,weight_kg,fragile,upright
S1,10,10,10,0.5,0,0
S2,20,10,5,1.0,1,0
S3,5,5,5,0.1,0,1
S4,30,20,10,2.0,0,0
"""

INVENTORY = """\
sku,location_id,qty
S1,A01-B1-S001-L,10
S2,A02-B1-S003-R,5
S3,A03-B1-S002-L,2
S4,A04-B1-S005-L,60
S4,A01-B1-S009-R,40
"""

BOXES = """\
box_id,length_cm,width_cm,height_cm,max_weight_kg,cost
BX1,40,30,30,20,1.5
"""

# O1, O4, O8 captured and valid; O2 pending, O3 authorized; O5 refunded; O6 bad qty; O7 unknown SKU.
ORDERS = """\
order_id,sku,qty,created_at,payment_status,channel,priority,ship_by
O1,S1,2,2026-11-20T08:00:00Z,captured,web,0,
O1,S2,1,2026-11-20T08:00:00Z,captured,web,0,
O2,S1,1,2026-11-20T09:00:00Z,pending,web,0,
O3,S3,1,2026-11-20T10:00:00Z,authorized,web,0,
O4,S4,3,2026-11-20T11:00:00Z,captured,web,5,2026-11-22T00:00:00Z
O5,S1,1,2026-11-20T12:00:00Z,refunded,web,0,
O6,S1,abc,2026-11-20T13:00:00Z,captured,web,0,
O7,ZZZ,1,2026-11-20T14:00:00Z,captured,web,0,
O8,S3,5,2026-11-20T15:00:00Z,captured,web,0,
"""

CAPTURED_VALID = ("O1", "O4", "O8")


def write_catalog(folder: Path) -> dict[str, Path]:
    files = {"layout": "layout.yaml", "skus": "skus.csv", "inventory": "inventory.csv", "boxes": "boxes.csv"}
    texts = {"layout": LAYOUT, "skus": SKUS, "inventory": INVENTORY, "boxes": BOXES}
    out = {}
    for key, name in files.items():
        out[key] = folder / name
        out[key].write_text(texts[key], encoding="utf-8")
    return out


def naive_release(claim: WaveClaim) -> WaveRelease:
    """Every claimed order in its own batch, SKUs taken from faces in id order."""
    catalog: Catalog = claim.catalog
    left = {(r.sku, r.location_id): r.qty for r in catalog.stock}
    batches, picks = [], []
    for i, order in enumerate(claim.orders, start=1):
        bid = f"{claim.wave_id}-B{i}"
        batches.append(ReleasedBatch(bid))
        for sku, qty in sorted(order.quantities().items()):
            for (s, loc), have in sorted(left.items()):
                if s != sku or not have or not qty:
                    continue
                take = min(have, qty)
                picks.append(ReleasedPick(bid, order.order_id, sku, loc, take))
                left[(s, loc)] -= take
                qty -= take
            assert qty == 0, "reserve() promised the stock"
    return WaveRelease(tuple(batches), tuple(picks))
