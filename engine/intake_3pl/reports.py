"""3PL progress reports: parse them, and check them against the published plan.

A 3PL (or the floor's handhelds) drops files where the DAG looks: CSV with a
header, or JSON lines, one event per row, with the fields

``event, order_id, sku, qty, location_id, carton_id, box_id, carrier,
tracking_number, rma_id, disposition, refund, at``

where ``event`` is one of

- ``picked`` / ``short``: ``qty`` units of ``sku`` picked / not found;
- ``packed``: ``qty`` units of ``sku`` scanned into carton ``carton_id``
  (the id the pack-station list gives, ``checks.carton_id``; ``box_id`` optional).
  All ``packed`` rows of an order in one file are its pack report: the whole
  carton set, checked against the planned cartons (``checks.check_pack``);
- ``shipped``: ``carrier`` and ``tracking_number``;
- ``delivered``;
- ``returned``: ``qty`` units of ``sku`` back on RMA ``rma_id``, with
  ``disposition`` ``restock`` or ``scrap`` and ``refund`` 1/0. All rows of one
  RMA id form one return (``checks.check_return``).

Fields an event does not use may be empty or absent.

Nothing here touches the store: :func:`parse_report` turns text into events
and rejects, :func:`check_events` compares events with the plan and what was
already reported, and :mod:`engine.intake_3pl.checks` judges a pack report and
an RMA (``check_pack``, ``check_return``); each says what to apply and what to
quarantine and why.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from engine.io.csvtable import parse_timestamp


class EventKind(StrEnum):
    PICKED = "picked"
    SHORT = "short"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"


class Disposition(StrEnum):
    """What happens to returned units: back on a pick face, or written off."""

    RESTOCK = "restock"
    SCRAP = "scrap"


#: Other spellings 3PLs use for the same events.
ALIASES = {
    "pick_confirmed": EventKind.PICKED, "pick": EventKind.PICKED, "short_pick": EventKind.SHORT,
    "short_picked": EventKind.SHORT, "pack": EventKind.PACKED, "ship": EventKind.SHIPPED,
    "deliver": EventKind.DELIVERED, "return": EventKind.RETURNED, "rma": EventKind.RETURNED,
}
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"", "0", "false", "no", "n"}


class Reason(StrEnum):
    """Why a report row is quarantined instead of applied."""

    INVALID = "invalid"  # the row itself is unusable (missing field, bad number)
    UNKNOWN_ORDER = "unknown_order"  # no published plan has this order
    WRONG_SKU = "wrong_sku"  # the order's plan has no pick of this SKU
    OVER_PLAN = "over_plan"  # more units reported (picked + short) than planned
    BAD_TRACKING = "bad_tracking"  # tracking number not in the carrier's format
    ILLEGAL_MOVE = "illegal_move"  # the order's status does not allow this step
    PACK_MISMATCH = "pack_mismatch"  # scanned cartons/units differ from the planned cartons
    NOT_SHIPPED = "not_shipped"  # a return for an order that never shipped
    OVER_RETURN = "over_return"  # more units returned (over all RMAs) than shipped
    DUPLICATE_RMA = "duplicate_rma"  # the RMA id was applied before (from another file)


@dataclass(frozen=True, slots=True)
class ReportEvent:
    """One usable row of a report; ``row`` is the spreadsheet row (CSV) or line (JSON lines)."""

    source: str
    row: int
    kind: EventKind
    order_id: str
    sku: str = ""
    qty: int = 0
    location_id: str = ""
    carton_id: str = ""
    box_id: str = ""
    carrier: str = ""
    tracking_number: str = ""
    at: datetime | None = None
    rma_id: str = ""
    disposition: Disposition | None = None
    refund: bool = False


@dataclass(frozen=True, slots=True)
class Quarantined:
    """A report row that was not applied, and why (written to the quarantine)."""

    source: str
    row: int
    reason: Reason
    detail: str
    raw: str

    def to_json(self) -> str:
        return json.dumps({"source": self.source, "row": self.row, "reason": str(self.reason),
                           "detail": self.detail, "raw": self.raw}, sort_keys=True)


@dataclass(frozen=True, slots=True)
class ParsedReport:
    events: tuple[ReportEvent, ...]
    rejected: tuple[Quarantined, ...]


def _rows(text: str, name: str) -> Iterable[tuple[int, Mapping[str, object], str]]:
    body = text.removeprefix("\ufeff")
    if name.endswith((".jsonl", ".ndjson", ".json")):
        for n, line in enumerate(body.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                yield n, {"__error__": f"not JSON: {exc.msg}"}, line
                continue
            yield n, doc if isinstance(doc, dict) else {"__error__": "not a JSON object"}, line
    else:
        reader = csv.DictReader(io.StringIO(body))
        for n, raw in enumerate(reader, start=2):
            yield n, raw, ",".join("" if v is None else str(v) for v in raw.values())


def _field(raw: Mapping[str, object], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value).strip()


def parse_event(raw: Mapping[str, object], source: str, row: int) -> ReportEvent:
    """One event from one row's fields; ``ValueError`` naming the field when unusable."""
    if "__error__" in raw:
        raise ValueError(str(raw["__error__"]))
    name = _field(raw, "event").lower()
    try:
        kind = ALIASES.get(name) or EventKind(name)
    except ValueError:
        raise ValueError(f"event: unknown event {name!r}") from None
    order_id = _field(raw, "order_id")
    if not order_id:
        raise ValueError("order_id: missing")
    sku, qty_text = _field(raw, "sku"), _field(raw, "qty")
    qty = 0
    if kind in (EventKind.PICKED, EventKind.SHORT, EventKind.PACKED, EventKind.RETURNED):
        if not sku:
            raise ValueError("sku: missing")
        try:
            qty = int(qty_text)
        except ValueError:
            raise ValueError(f"qty: not an integer: {qty_text!r}") from None
        if qty <= 0:
            raise ValueError(f"qty: must be positive, got {qty}")
    carrier, tracking = _field(raw, "carrier"), _field(raw, "tracking_number")
    if kind is EventKind.SHIPPED and not (carrier and tracking):
        raise ValueError("carrier and tracking_number: both needed for shipped")
    carton = _field(raw, "carton_id")
    if kind is EventKind.PACKED and not carton:
        raise ValueError("carton_id: missing")
    rma_id, disposition, refund = _field(raw, "rma_id"), None, False
    if kind is EventKind.RETURNED:
        if not rma_id:
            raise ValueError("rma_id: missing")
        try:
            disposition = Disposition(_field(raw, "disposition").lower())
        except ValueError:
            raise ValueError(f"disposition: must be restock or scrap, got {_field(raw, 'disposition')!r}") from None
        flag = _field(raw, "refund").lower()
        if flag not in _TRUE | _FALSE:
            raise ValueError(f"refund: must be 1 or 0, got {flag!r}")
        refund = flag in _TRUE
    at_text = _field(raw, "at")
    at = None
    if at_text:
        try:
            at = parse_timestamp(at_text)
        except ValueError as exc:
            raise ValueError(f"at: {exc}") from None
    return ReportEvent(source, row, kind, order_id, sku, qty, _field(raw, "location_id"), carton,
                       _field(raw, "box_id"), carrier.lower(), tracking, at, rma_id, disposition, refund)


def parse_report(text: str, name: str) -> ParsedReport:
    """Events of a report file (CSV, or JSON lines when ``name`` ends in ``.jsonl``/``.ndjson``/``.json``).

    A bad row never stops the others: it becomes a :class:`Quarantined` with
    reason ``invalid`` naming the field.

    >>> rep = parse_report("event,order_id,sku,qty\\npicked,O1,S1,2\\nshort,O1,S2,x\\n", "r.csv")
    >>> [(e.kind.value, e.qty) for e in rep.events], [q.detail for q in rep.rejected]
    ([('picked', 2)], ["qty: not an integer: 'x'"])
    """
    events: list[ReportEvent] = []
    rejected: list[Quarantined] = []
    for row, raw, line in _rows(text, name):
        try:
            events.append(parse_event(raw, name, row))
        except ValueError as exc:
            rejected.append(Quarantined(name, row, Reason.INVALID, str(exc), line))
    return ParsedReport(tuple(events), tuple(rejected))


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Events to apply (in report order) and rows to quarantine.

    ``reported`` is the running total of picked + short units per
    ``(order_id, sku)`` after the accepted events.
    """

    accepted: tuple[ReportEvent, ...]
    quarantined: tuple[Quarantined, ...]
    reported: Mapping[tuple[str, str], int]


def check_events(
    events: Iterable[ReportEvent],
    planned: Mapping[str, Mapping[str, int]],
    reported: Mapping[tuple[str, str], int],
    tracking_ok: Callable[[str, str], bool] | None = None,
) -> CheckResult:
    """Compare events with the plan: unknown orders, wrong SKUs, more than planned.

    ``returned`` events pass through (an RMA is judged by :func:`check_return`);
    ``packed`` events only need a planned order here (:func:`check_pack` judges
    the carton set).

    ``planned`` maps order id → SKU → planned units; ``reported`` is what earlier
    reports already confirmed (picked + short) per ``(order_id, sku)``.
    ``tracking_ok(carrier, number)`` checks a tracking number's format. O(n).

    >>> ev = [ReportEvent("r", n, EventKind.PICKED, "O1", "S1", q) for n, q in [(2, 2), (3, 1)]]
    >>> res = check_events(ev, {"O1": {"S1": 2}}, {})
    >>> len(res.accepted), [q.reason.value for q in res.quarantined]
    (1, ['over_plan'])
    """
    done = dict(reported)
    accepted: list[ReportEvent] = []
    bad: list[Quarantined] = []

    def reject(e: ReportEvent, reason: Reason, detail: str) -> None:
        bad.append(Quarantined(e.source, e.row, reason, detail, _describe(e)))

    for e in events:
        if e.kind is EventKind.RETURNED:  # judged against what shipped: check_return
            accepted.append(e)
            continue
        plan = planned.get(e.order_id)
        if plan is None:
            reject(e, Reason.UNKNOWN_ORDER, f"order {e.order_id!r} is in no published wave")
            continue
        if e.kind in (EventKind.PICKED, EventKind.SHORT):
            if e.sku not in plan:
                reject(e, Reason.WRONG_SKU, f"order {e.order_id!r} has no planned pick of SKU {e.sku!r}")
                continue
            key = (e.order_id, e.sku)
            total = done.get(key, 0) + e.qty
            if total > plan[e.sku]:
                reject(e, Reason.OVER_PLAN, f"{total} units of {e.sku!r} reported for order {e.order_id!r}, "
                       f"{plan[e.sku]} planned")
                continue
            done[key] = total
        if e.kind is EventKind.SHIPPED and tracking_ok is not None and not tracking_ok(e.carrier, e.tracking_number):
            reject(e, Reason.BAD_TRACKING, f"{e.tracking_number!r} is not a {e.carrier} tracking number")
            continue
        accepted.append(e)
    return CheckResult(tuple(accepted), tuple(bad), done)


def _describe(e: ReportEvent) -> str:
    parts = [str(e.kind), e.order_id, e.sku, str(e.qty) if e.qty else "", e.carton_id, e.carrier, e.tracking_number,
             e.rma_id]
    return ",".join(parts)


def order_complete(plan: Mapping[str, int], reported: Mapping[tuple[str, str], int], order_id: str) -> bool:
    """True when every planned SKU of the order is accounted for (picked or short)."""
    return all(reported.get((order_id, sku), 0) >= qty for sku, qty in plan.items())
