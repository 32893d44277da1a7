"""Pick lists as a 3PL reads them: ``picklists.csv`` (SPEC section 5) and a JSON twin.

The CSV has one row per pick in walking order; the JSON groups the same rows
by batch and stop so a handheld can show one stop at a time. Both are built
from :class:`PickRow` and both round-trip: :func:`parse_picklists_csv` is the
reader the 3PL-report intake uses to check a report against what was planned.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from engine.errors import InputError, Problem

PICKLIST_COLUMNS = ("wave_id", "batch_id", "zone", "stop", "location_id", "sku", "qty", "order_id", "tote")


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


def format_picklists_csv(rows: Iterable[PickRow]) -> str:
    """``picklists.csv`` text: header and rows in the given (walking) order.

    >>> print(format_picklists_csv([PickRow("W1", "B1", "", 1, "A01-B1-S001-L", "S1", 2, "O1", "1")]), end="")
    wave_id,batch_id,zone,stop,location_id,sku,qty,order_id,tote
    W1,B1,,1,A01-B1-S001-L,S1,2,O1,1
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(PICKLIST_COLUMNS)
    for r in rows:
        w.writerow((r.wave_id, r.batch_id, r.zone, r.stop, r.location_id, r.sku, r.qty, r.order_id, r.tote))
    return buf.getvalue()


def parse_picklists_csv(text: str, name: str = "picklists.csv") -> tuple[PickRow, ...]:
    """Rows of a ``picklists.csv``; :class:`InputError` naming row and column on a bad one."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    missing = [c for c in PICKLIST_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise InputError([Problem(name, f"missing column(s) {', '.join(missing)}")])
    rows: list[PickRow] = []
    problems: list[Problem] = []
    for n, raw in enumerate(reader, start=2):
        try:
            rows.append(
                PickRow(
                    raw["wave_id"], raw["batch_id"], raw["zone"] or "", _int(raw, "stop"), raw["location_id"],
                    raw["sku"], _int(raw, "qty"), raw["order_id"], raw["tote"],
                )
            )
        except ValueError as exc:
            problems.append(Problem(name, str(exc.args[1]), row=n, column=str(exc.args[0])))
    if problems:
        raise InputError(problems)
    return tuple(rows)


def _int(raw: dict[str, str], col: str) -> int:
    try:
        return int(raw[col])
    except (TypeError, ValueError):
        raise ValueError(col, f"not an integer: {raw[col]!r}") from None


def format_picklists_json(wave_id: str, rows: Sequence[PickRow], batches: Sequence[BatchInfo] = ()) -> str:
    """The pick lists as JSON: batches, each with its stops in walking order.

    ``{"wave_id", "batches": [{"batch_id", "zone", "distance_m", "stops":
    [{"stop", "location_id", "picks": [{"sku", "qty", "order_id", "tote"}]}]}]}``.
    Batches keep their first appearance order in ``rows``; ``distance_m`` is
    ``null`` for a batch not in ``batches``. Keys are sorted so equal plans give
    equal bytes.

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
    return json.dumps(doc, indent=1, sort_keys=True) + "\n"
