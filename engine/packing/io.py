"""``cartons.csv`` and ``held.csv`` rows of SPEC section 5, and their writers."""

from __future__ import annotations

import csv
import io as _io
import re
from collections.abc import Iterable
from pathlib import Path

from engine.model import Hold
from engine.packing.result import PackResult

CARTON_COLUMNS = ("order_id", "carton_no", "box_id", "sku", "x_cm", "y_cm", "z_cm", "dx_cm", "dy_cm", "dz_cm")
HELD_COLUMNS = ("order_id", "reason", "detail")


def format_cm(value: float) -> str:
    """Shortest text for a coordinate: up to 6 decimals when that loses < 1e-9 cm, else ``repr``.

    >>> format_cm(2.0), format_cm(0.1 + 0.2), format_cm(1 / 3)
    ('2', '0.3', '0.3333333333333333')
    """
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text if abs(float(text) - value) <= 1e-9 else repr(float(value))


def cartons_rows(results: Iterable[PackResult]) -> list[tuple[str, ...]]:
    """One row per packed unit, orders in the given order, units in packing order."""
    rows: list[tuple[str, ...]] = []
    for r in results:
        for c in r.cartons:
            for p in c.placements:
                coords = (p.x_cm, p.y_cm, p.z_cm, p.dx_cm, p.dy_cm, p.dz_cm)
                rows.append((r.order_id, str(c.carton_no), c.box_id, p.sku, *(format_cm(v) for v in coords)))
    return rows


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """``text`` with control characters written as ``\\xNN``: a NUL byte breaks most CSV readers.

    Only ids an order was held for (``invalid``) can carry them; the hold names them this way.

    >>> printable("o\\x00x\\n")
    'o\\\\x00x\\\\x0a'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def held_rows(holds: Iterable[Hold]) -> list[tuple[str, str, str]]:
    return [(printable(h.order_id), str(h.reason), printable(h.detail)) for h in holds]


def _csv_text(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> str:
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def write_cartons_csv(path: str | Path, results: Iterable[PackResult]) -> None:
    """Write ``cartons.csv`` (header and one row per unit)."""
    Path(path).write_text(_csv_text(CARTON_COLUMNS, cartons_rows(results)), encoding="utf-8")


def write_held_csv(path: str | Path, holds: Iterable[Hold]) -> None:
    """Write ``held.csv`` (``order_id, reason, detail``)."""
    Path(path).write_text(_csv_text(HELD_COLUMNS, held_rows(holds)), encoding="utf-8")
