"""The wave id, one scheme for every road: ``W-`` and a hash of what the wave plans.

``pickwave plan`` (files), ``pickwave wave run`` and the ``wave_planning`` DAG
(both on the store) name a wave by :func:`wave_id` unless an id is given: the
same config, orders and stock give the same id, so planning the same wave
again, on either road, finds it (the store refuses to commit it twice) and a
new claim of other orders is another wave.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from engine.io.config import config_to_mapping
from engine.model import Order, StockRecord, WaveConfig


def _order_text(o: Order) -> str:
    lines = ";".join(f"{ln.line_no}:{ln.sku}:{ln.qty}" for ln in o.lines)
    return (f"{o.order_id}|{o.payment_status}|{o.priority}|{o.created_at.isoformat()}|"
            f"{o.ship_by.isoformat() if o.ship_by else ''}|{o.carrier or ''}|{lines}")


def wave_id(config: WaveConfig, orders: Iterable[Order], stock: Iterable[StockRecord]) -> str:
    """``W-`` and 12 hex digits of a SHA-256 over the config, the orders and the stock they draw on.

    Order and stock order do not matter (both are sorted first).

    >>> from datetime import UTC, datetime
    >>> from engine.model import OrderLine
    >>> o = Order("A", (OrderLine("A", "S1", 2),), datetime(2026, 1, 1, tzinfo=UTC), "captured")
    >>> wave_id(WaveConfig(), [o], [StockRecord("S1", "L1", 5)]) == wave_id(WaveConfig(), [o], [])
    False
    """
    h = hashlib.sha256(json.dumps(config_to_mapping(config), sort_keys=True, default=str).encode())
    for text in sorted(_order_text(o) for o in orders):
        h.update(f"o|{text}\n".encode())
    for r in sorted(stock, key=lambda r: (r.sku, r.location_id)):
        h.update(f"s|{r.sku}|{r.location_id}|{r.qty}\n".encode())
    return "W-" + h.hexdigest()[:12]
