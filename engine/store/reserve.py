"""Stock reservation before planning: which claimed orders the shelves can fill.

Pure: orders in release order and units available per SKU in, a
:class:`Reservation` out. Short stock follows a :class:`ShortStockPolicy` and
is always reported, as a hold or as a back-order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from engine.model import Hold, HoldReason, Order, OrderLine, ShortStockPolicy


@dataclass(frozen=True, slots=True)
class Shortfall:
    """Units of one order line that the wave cannot pick."""

    order_id: str
    line_no: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class Reservation:
    """The orders to plan (lines cut to what is there under ``backorder``),
    the orders held for short stock, and the back-ordered units."""

    orders: tuple[Order, ...]
    held: tuple[Hold, ...]
    backorders: tuple[Shortfall, ...]


def reserve(orders: Sequence[Order], available: Mapping[str, int], policy: ShortStockPolicy) -> Reservation:
    """Reserve stock for ``orders`` first come, first served, in the order given.

    ``available`` is units per SKU over all pick faces (on hand less open
    allocations). An order that can be filled takes its units; a short one is
    held (stock untouched) or, under ``backorder``, takes what is there with
    the rest of each line back-ordered; an order that would ship nothing is
    held either way. O(total lines).

    >>> from datetime import datetime, UTC
    >>> o = Order("A", (OrderLine("A", "X", 3),), datetime(2026, 1, 1, tzinfo=UTC), "captured")
    >>> r = reserve([o], {"X": 2}, ShortStockPolicy.BACKORDER)
    >>> r.orders[0].lines[0].qty, r.backorders[0].qty
    (2, 1)
    >>> reserve([o], {"X": 2}, ShortStockPolicy.HOLD).held[0].reason
    <HoldReason.SHORT_STOCK: 'short_stock'>
    """
    left = dict(available)
    planned: list[Order] = []
    held: list[Hold] = []
    short: list[Shortfall] = []
    for order in orders:
        need = order.quantities()
        missing = {sku: q - left.get(sku, 0) for sku, q in need.items() if q > left.get(sku, 0)}
        if not missing:
            for sku, q in need.items():
                left[sku] -= q
            planned.append(order)
            continue
        detail = "; ".join(f"SKU {sku!r}: needs {need[sku]}, {left.get(sku, 0)} available"
                           for sku, _ in sorted(missing.items()))
        if policy is ShortStockPolicy.HOLD:
            held.append(Hold(order.order_id, HoldReason.SHORT_STOCK, detail))
            continue
        lines: list[OrderLine] = []
        cut: list[Shortfall] = []
        for line in order.lines:
            take = min(line.qty, left.get(line.sku, 0))
            if take:
                left[line.sku] -= take
                lines.append(replace(line, qty=take))
            if take < line.qty:
                cut.append(Shortfall(order.order_id, line.line_no, line.sku, line.qty - take))
        if not lines:
            held.append(Hold(order.order_id, HoldReason.SHORT_STOCK, detail))
            continue
        planned.append(replace(order, lines=tuple(lines)))
        short.extend(cut)
    return Reservation(tuple(planned), tuple(held), tuple(short))
