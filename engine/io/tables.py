"""The input tables of SPEC section 3: skus, inventory, orders and boxes.

``parse_*`` are pure (text in, typed data out); ``read_*`` add the file.
A bad row never stops the others: SKUs, stock rows and boxes with a bad row
are left out with a warning; an order with a bad row is held as ``invalid``
with a detail naming the file, row and column.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from engine.errors import InputError, Problem
from engine.io.csvtable import FieldError, Row, check_shape, parse_table, parse_timestamp
from engine.io.ids import check_id, id_problem
from engine.io.text import read_text
from engine.model import PAYMENT_STATUSES, Box, Hold, HoldReason, Order, OrderLine, Sku, StockRecord

log = logging.getLogger(__name__)

SKU_COLUMNS = ("sku", "length_cm", "width_cm", "height_cm", "weight_kg", "fragile", "upright")
INVENTORY_COLUMNS = ("sku", "location_id", "qty")
ORDER_COLUMNS = ("order_id", "sku", "qty", "created_at", "payment_status")
BOX_COLUMNS = ("box_id", "length_cm", "width_cm", "height_cm", "max_weight_kg", "cost")
#: Largest quantity accepted on one line or stock row; beyond it the row is refused as a typo.
MAX_QTY = 1_000_000
#: Largest line number accepted (a line number is an int in the store).
MAX_LINE_NO = 1_000_000


@dataclass(frozen=True, slots=True)
class SkuTable:
    """SKUs by id, and the problems of rows left out (their SKUs are unusable)."""

    skus: Mapping[str, Sku]
    rejected: Mapping[str, Problem]
    warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class InventoryTable:
    stock: tuple[StockRecord, ...]
    warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class BoxTable:
    boxes: tuple[Box, ...]
    warnings: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class OrdersInput:
    """Orders ready for release rules, and orders held at intake (``invalid``)."""

    orders: tuple[Order, ...]
    held: tuple[Hold, ...]
    warnings: tuple[Problem, ...]


def _warn(problems: list[Problem]) -> tuple[Problem, ...]:
    for p in problems:
        log.warning("%s", p)
    return tuple(problems)


# --- skus ---------------------------------------------------------------------------
def _sku(row: Row) -> Sku:
    check_shape(row)
    return Sku(
        sku=check_id(row.text("sku"), "sku"),
        length_cm=row.number_("length_cm", positive=True),
        width_cm=row.number_("width_cm", positive=True),
        height_cm=row.number_("height_cm", positive=True),
        weight_kg=row.number_("weight_kg", minimum=0.0),
        fragile=row.flag("fragile"),
        upright=row.flag("upright"),
        description=row.text("description", required=False),
    )


def parse_skus(text: str, file: str = "skus.csv") -> SkuTable:
    """Parse ``skus.csv``; a duplicated SKU id keeps its first row and warns.

    >>> t = parse_skus("sku,length_cm,width_cm,height_cm,weight_kg,fragile,upright\\nA,1,2,3,0.5,0,1\\n")
    >>> t.skus["A"].upright, t.skus["A"].volume_l
    (True, 0.006)
    """
    table = parse_table(text, file, SKU_COLUMNS)
    skus: dict[str, Sku] = {}
    rejected: dict[str, Problem] = {}
    problems: list[Problem] = []
    for row, result in table.convert(_sku):
        if isinstance(result, Problem):
            problems.append(result)
            sku_id = (row.cells.get("sku") or "").strip()
            if sku_id and sku_id not in skus:
                rejected[sku_id] = result
        elif result.sku in skus:
            problems.append(Problem(file, f"SKU {result.sku!r} listed again; first row kept", row.number, "sku"))
        else:
            skus[result.sku] = result
    return SkuTable(skus, rejected, _warn(problems))


# --- inventory ----------------------------------------------------------------------
def parse_inventory(
    text: str, file: str = "inventory.csv", known_location: Callable[[str], bool] | None = None
) -> InventoryTable:
    """Parse ``inventory.csv``; rows on a location the layout lacks are left out.

    Several rows for the same SKU and location add up (lots of one SKU in one
    pick face), each repeat with a warning naming both rows, since a row pasted
    twice looks the same and would overstate the stock.
    """
    table = parse_table(text, file, INVENTORY_COLUMNS)

    def make(row: Row) -> StockRecord:
        check_shape(row)
        loc = check_id(row.text("location_id"), "location_id")
        if known_location is not None and not known_location(loc):
            raise FieldError("location_id", f"unknown location id {loc!r}")
        return StockRecord(check_id(row.text("sku"), "sku"), loc, row.integer("qty", minimum=0, maximum=MAX_QTY))

    totals: dict[tuple[str, str], int] = {}
    first_row: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    for row, result in table.convert(make):
        if isinstance(result, Problem):
            problems.append(result)
        else:
            key = (result.sku, result.location_id)
            if key in totals:
                # Lots of one SKU in one pick face are several rows; a pasted-twice row looks the same, so say it.
                problems.append(Problem(file, f"SKU {result.sku!r} at {result.location_id} listed again (first on "
                                              f"row {first_row[key]}); quantities added: {totals[key]} + "
                                              f"{result.qty}", row.number, "qty"))
            first_row.setdefault(key, row.number)
            totals[key] = totals.get(key, 0) + result.qty
    stock = tuple(StockRecord(s, loc, q) for (s, loc), q in totals.items())
    return InventoryTable(stock, _warn(problems))


# --- boxes --------------------------------------------------------------------------
def parse_boxes(text: str, file: str = "boxes.csv") -> BoxTable:
    """Parse ``boxes.csv`` (inner dimensions); a box whose tare exceeds its limit is left out.

    A file with no usable box (header only, or every row bad) raises :class:`InputError`.
    """
    table = parse_table(text, file, BOX_COLUMNS)

    def make(row: Row) -> Box:
        check_shape(row)
        tare = row.number_("tare_kg", minimum=0.0) if row.text("tare_kg", required=False) else 0.0
        box = Box(
            box_id=check_id(row.text("box_id"), "box_id"),
            length_cm=row.number_("length_cm", positive=True),
            width_cm=row.number_("width_cm", positive=True),
            height_cm=row.number_("height_cm", positive=True),
            max_weight_kg=row.number_("max_weight_kg", positive=True),
            cost=row.number_("cost", minimum=0.0),
            tare_kg=tare,
        )
        if box.payload_kg <= 0:
            raise FieldError("tare_kg", "tare is not below max_weight_kg: the box can carry nothing")
        return box

    boxes: dict[str, Box] = {}
    problems: list[Problem] = []
    for row, result in table.convert(make):
        if isinstance(result, Problem):
            problems.append(result)
        elif result.box_id in boxes:
            problems.append(Problem(file, f"box {result.box_id!r} listed again; first row kept", row.number, "box_id"))
        else:
            boxes[result.box_id] = result
    if not boxes:
        # Nothing could be packed: the same refusal for plan, pack and catalog import.
        raise InputError([*problems, Problem(file, "no usable box: the file lists no box, or every row is bad")])
    return BoxTable(tuple(boxes.values()), _warn(problems))


# --- orders -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Header:
    """The order-level fields one row carries."""

    created_at: datetime
    payment_status: str
    channel: str
    priority: int
    ship_by: datetime | None
    carrier: str


@dataclass(slots=True)
class _OrderDraft:
    """Lines of one order gathered while reading; frozen into an Order at the end."""

    order_id: str
    first_row: int
    header: _Header | None = None
    lines: list[OrderLine] = field(default_factory=list)
    line_rows: dict[int, int] = field(default_factory=dict)  # line_no -> the row that gave it
    problem: Problem | None = None


def _order_header(row: Row) -> _Header:
    created = row.timestamp("created_at")
    assert created is not None
    status = row.text("payment_status").lower()
    if status not in PAYMENT_STATUSES:
        raise FieldError("payment_status", f"unknown payment status {status!r}")
    priority = row.integer("priority") if row.text("priority", required=False) else 0
    ship_by = row.timestamp("ship_by", required=False)
    channel, carrier = row.text("channel", required=False), row.text("carrier", required=False)
    for column, value in (("channel", channel), ("carrier", carrier)):
        if value:
            check_id(value, column)  # stored in 200-character columns, like the ids
    return _Header(created, status, channel, priority, ship_by, carrier)


#: Order-level fields whose disagreement between an order's rows makes the order unusable.
_MUST_AGREE = ("created_at", "payment_status")


def _merge_header(draft: _OrderDraft, new: _Header, row: Row, file: str) -> list[Problem]:
    """Fold a later row's order-level fields into the order's; warnings for what differs.

    ``payment_status`` and ``created_at`` must agree (which payment, which order
    is it?): a difference raises :class:`FieldError` naming the column. The rest
    are merged the way a shift lead would: the most urgent ``priority`` (highest),
    the earliest ``ship_by``, the first row's ``channel`` and ``carrier``.
    """
    old = draft.header
    assert old is not None
    for column in _MUST_AGREE:
        if getattr(old, column) != getattr(new, column):
            raise FieldError(column, f"differs from the order's first row (row {draft.first_row}): "
                                     f"{_show(getattr(new, column))} against {_show(getattr(old, column))}")
    warnings: list[Problem] = []
    merged = old

    def note(column: str, here: object, before: object, rule: str) -> None:
        warnings.append(Problem(file, f"order {draft.order_id!r}: {column} {_show(here)} differs from "
                                      f"{_show(before)} on its earlier rows; {rule}", row.number, column))

    if new.priority != old.priority:
        top = max(old.priority, new.priority)
        note("priority", new.priority, old.priority, f"the most urgent ({top}) is used")
        merged = replace(merged, priority=top)
    if new.ship_by != old.ship_by and new.ship_by is not None:
        first = new.ship_by if old.ship_by is None or new.ship_by < old.ship_by else old.ship_by
        note("ship_by", new.ship_by, old.ship_by, f"the earliest ({_show(first)}) is used")
        merged = replace(merged, ship_by=first)
    for column in ("channel", "carrier"):
        if getattr(new, column) != getattr(old, column):
            note(column, getattr(new, column), getattr(old, column),
                 f"the first row's ({_show(getattr(old, column))}) is used")
    draft.header = merged
    return warnings


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def orders_from_rows(
    rows: list[Row], file: str, known_skus: Collection[str] | None = None,
    rejected_skus: Mapping[str, Problem] | None = None, channel: str | None = None,
) -> OrdersInput:
    """Group order-line rows into orders; any bad row holds its whole order.

    The one reader of order lines: ``plan``, ``pack``, ``orders import`` and the
    DAG all come through here, so they agree on every row. Rules:

    * A row with more fields than the header, a bad value, or an order id that
      is not a usable id (:func:`engine.io.ids.check_id`) holds its order as
      ``invalid``, naming file, row and column (never a row silently skipped).
    * A line is identified by ``line_no`` (by its position in the order when the
      file has no ``line_no``). The same ``line_no`` twice in one order is a
      duplicated line: the order is held ``invalid`` naming both rows, never
      shipped twice the quantity. The same SKU on two distinct lines is two
      lines: the order needs their sum.
    * Order-level fields: ``created_at`` and ``payment_status`` must agree on
      every row (else ``invalid``); ``priority`` takes the most urgent,
      ``ship_by`` the earliest, ``channel`` and ``carrier`` the first row's,
      each difference warned about naming its column.
    * Lines of a SKU missing from ``known_skus`` hold the order as
      ``unknown_sku`` (``invalid`` when the SKU's own row in skus.csv was bad).

    Orders keep the order of their first row. O(rows).
    """
    if channel:
        why = id_problem(channel, "--channel")
        if why is not None:
            raise InputError([Problem("--channel", why)])
    drafts: dict[str, _OrderDraft] = {}
    problems: list[Problem] = []
    unknown: dict[str, str] = {}
    for row in rows:
        oid = (row.cells.get("order_id") or "").strip()
        if not oid:
            problems.append(Problem(file, "empty order_id: row skipped" + (f" ({row.shape_error})"
                                    if row.shape_error else ""), row.number, "order_id"))
            continue
        draft = drafts.setdefault(oid, _OrderDraft(oid, row.number))
        if draft.problem is not None:
            continue
        try:
            check_id(oid, "order_id")
            check_shape(row)
            header = _order_header(row)
            if channel:
                header = replace(header, channel=channel)
            if draft.header is None:
                draft.header = header
            else:
                problems.extend(_merge_header(draft, header, row, file))
            sku = row.text("sku")
            check_id(sku, "sku")
            qty = row.integer("qty", minimum=1, maximum=MAX_QTY)
            line_no = (row.integer("line_no", minimum=1, maximum=MAX_LINE_NO)
                       if row.text("line_no", required=False) else len(draft.lines) + 1)
            if line_no in draft.line_rows:
                raise FieldError("line_no", f"line_no {line_no} appears twice in order {oid!r} (rows "
                                            f"{draft.line_rows[line_no]} and {row.number}): a duplicated line is "
                                            "never shipped twice; fix the file")
        except FieldError as exc:
            draft.problem = Problem(file, exc.message, row.number, exc.column or None)
            problems.append(draft.problem)
            continue
        if rejected_skus and sku in rejected_skus:
            draft.problem = Problem(file, f"SKU {sku!r} has a bad row ({rejected_skus[sku]})", row.number, "sku")
            problems.append(draft.problem)
            continue
        if known_skus is not None and sku not in known_skus and oid not in unknown:
            unknown[oid] = f"{file} row {row.number}: SKU {sku!r} is not in the catalogue"
        draft.line_rows[line_no] = row.number
        draft.lines.append(OrderLine(oid, sku, qty, line_no))

    orders: list[Order] = []
    held: list[Hold] = []
    for oid, draft in drafts.items():
        if draft.problem is not None:
            held.append(Hold(oid, HoldReason.INVALID, str(draft.problem)))
        elif oid in unknown:
            held.append(Hold(oid, HoldReason.UNKNOWN_SKU, unknown[oid]))
            problems.append(Problem(file, unknown[oid].split(": ", 1)[1], None, "sku"))
        else:
            h = draft.header
            assert h is not None
            orders.append(Order(oid, tuple(draft.lines), h.created_at, h.payment_status, h.channel, h.priority,
                                h.ship_by, h.carrier))
    return OrdersInput(tuple(orders), tuple(held), _warn(problems))


def parse_orders(
    text: str, file: str = "orders.csv", known_skus: Collection[str] | None = None,
    rejected_skus: Mapping[str, Problem] | None = None, channel: str | None = None,
) -> OrdersInput:
    """Parse ``orders.csv`` (one row per order line). See :func:`orders_from_rows`."""
    table = parse_table(text, file, ORDER_COLUMNS)
    return orders_from_rows(list(table.rows), file, known_skus, rejected_skus, channel)


def parse_orders_jsonl(
    text: str, file: str = "orders.jsonl", known_skus: Collection[str] | None = None,
    channel: str | None = None,
) -> OrdersInput:
    """Parse JSON lines with the fields of ``orders.csv``, one order line per object."""
    rows: list[Row] = []
    bad: list[Problem] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(Problem(file, f"not JSON: {exc.msg}", number))
            continue
        if not isinstance(obj, dict):
            bad.append(Problem(file, "expected a JSON object", number))
            continue
        rows.append(Row(number, {str(k): "" if v is None else str(v) for k, v in obj.items()}))
    if bad and not rows:
        raise InputError(bad)
    missing = [c for c in ORDER_COLUMNS if rows and all(c not in r.cells for r in rows)]
    if missing:
        raise InputError([Problem(file, "required field missing in every line", None, c) for c in missing])
    result = orders_from_rows(rows, file, known_skus, None, channel)
    return OrdersInput(result.orders, result.held, _warn(bad) + result.warnings)


def parse_cutoff(raw: str) -> datetime:
    """An ISO 8601 cutoff, naive taken as UTC (shared with the wave config)."""
    return parse_timestamp(raw, "cutoff")


# --- readers ------------------------------------------------------------------------
def read_skus(path: str | Path) -> SkuTable:
    return parse_skus(read_text(path), str(path))


def read_inventory(path: str | Path, known_location: Callable[[str], bool] | None = None) -> InventoryTable:
    return parse_inventory(read_text(path), str(path), known_location)


def read_boxes(path: str | Path) -> BoxTable:
    return parse_boxes(read_text(path), str(path))


def read_orders(
    path: str | Path, known_skus: Collection[str] | None = None,
    rejected_skus: Mapping[str, Problem] | None = None, channel: str | None = None,
) -> OrdersInput:
    """Orders from CSV, or JSON lines when the file ends in ``.jsonl``/``.json`` or starts with ``{``."""
    text = read_text(path)
    if str(path).endswith((".jsonl", ".json", ".ndjson")) or text.lstrip().startswith("{"):
        return parse_orders_jsonl(text, str(path), known_skus, channel)
    return parse_orders(text, str(path), known_skus, rejected_skus, channel)
