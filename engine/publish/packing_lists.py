"""The pack-station list of one batch, ``packing/<batch>.csv``: which cartons each order's units go into.

Rendered from the typed plan (a :class:`engine.publish.chunks.PlanChunk`),
after checking that every order's cartons hold exactly the units the wave
picks for it.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from engine.intake_3pl.checks import carton_id
from engine.publish.chunks import PlanChunk
from engine.wave.plan import Batch

#: Columns of ``packing/<batch>.csv``. ``carton_id`` is the id a pack report must name.
PACKING_COLUMNS = ("wave_id", "batch_id", "order_id", "tote", "carton_no", "carton_id", "box_id", "units",
                   "other_batches")


def packing_list(chunk: PlanChunk, batch: Batch) -> str:
    """One batch's pack-station list (CSV text), its orders by id, each carton a row.

    For every order the batch serves, the units per SKU in its cartons must
    equal the units the wave picks for it over all its batches, else
    :class:`ValueError` (nothing is published then). Each row names the
    ``carton_id`` a pack report must use (:func:`engine.intake_3pl.carton_id`)
    and the other batches the order's units come from.
    """
    totes = {p.order_id: p.tote for p in batch.picks}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PACKING_COLUMNS)
    for oid in sorted(totes):
        order = chunk.orders[oid]
        packed = Counter(u.sku for c in order.cartons.cartons for u in c.placements)
        if dict(packed) != dict(order.picked):
            raise ValueError(f"order {oid}: cartons hold {dict(packed)}, the picks are {dict(order.picked)}")
        others = ";".join(sorted(set(order.batches) - {batch.batch_id}))
        for c in sorted(order.cartons.cartons, key=lambda c: c.carton_no):
            w.writerow((chunk.wave_id, batch.batch_id, oid, totes[oid], c.carton_no, carton_id(oid, c.carton_no),
                        c.box_id, len(c.placements), others))
    return buf.getvalue()
