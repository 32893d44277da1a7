"""``picklists.json``: the pick lists of ``picklists.csv`` grouped by batch and stop, for a handheld.

``picklists.csv`` itself is written with the other SPEC section 5 files by
:func:`engine.wave.render_plan`; the JSON holds the same rows (:class:`PickRow`)
so a handheld can show one stop at a time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PickRow:
    """One row of ``picklists.csv``: ``qty`` units of ``sku`` at ``location_id`` for one order.

    ``stop`` counts from 1 along the batch's route; picks at one location share a
    stop. ``tote`` is the cart position the order's units go to (``"3"``, or
    ``"3/C12"`` when the order's parts meet at consolidation slot ``C12``).
    """

    wave_id: str
    batch_id: str
    zone: str
    stop: int
    location_id: str
    sku: str
    qty: int
    order_id: str
    tote: str


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """The per-batch facts a sheet shows besides its picks (a row of ``batches.csv``)."""

    batch_id: str
    zone: str
    distance_m: float


def format_picklists_json(wave_id: str, rows: Sequence[PickRow], batches: Sequence[BatchInfo] = ()) -> str:
    """The pick lists as JSON: batches, each with its stops in walking order.

    ``{"wave_id", "batches": [{"batch_id", "zone", "distance_m", "stops":
    [{"stop", "location_id", "picks": [{"sku", "qty", "order_id", "tote"}]}]}]}``.
    Batches keep their first appearance order in ``rows``; ``distance_m`` is
    ``null`` for a batch not in ``batches``. One line, keys sorted, so equal
    plans give equal bytes (and a big wave encodes in C, not Python).

    >>> doc = json.loads(format_picklists_json("W1", [PickRow("W1", "B1", "", 1, "L1", "S1", 2, "O1", "1")]))
    >>> doc["batches"][0]["stops"][0]["picks"]
    [{'order_id': 'O1', 'qty': 2, 'sku': 'S1', 'tote': '1'}]
    """
    info = {b.batch_id: b for b in batches}
    grouped: dict[str, dict[int, dict[str, object]]] = {}
    zones: dict[str, str] = {}
    for r in rows:
        stops = grouped.setdefault(r.batch_id, {})
        zones.setdefault(r.batch_id, r.zone)
        stop = stops.setdefault(r.stop, {"stop": r.stop, "location_id": r.location_id, "picks": []})
        picks = stop["picks"]
        assert isinstance(picks, list)
        picks.append({"sku": r.sku, "qty": r.qty, "order_id": r.order_id, "tote": r.tote})
    doc = {
        "wave_id": wave_id,
        "batches": [
            {
                "batch_id": bid,
                "zone": zones[bid],
                "distance_m": info[bid].distance_m if bid in info else None,
                "stops": [stops[k] for k in sorted(stops)],
            }
            for bid, stops in grouped.items()
        ],
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n"
