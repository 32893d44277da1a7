"""The data of one wave: layout, catalogue, stock, boxes, orders and config.

:func:`load_problem` is the thin edge that reads the SPEC files; everything
after it works on the immutable :class:`WaveProblem`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from engine.errors import InputError, Problem
from engine.io.config import read_wave_config
from engine.io.layout import read_layout
from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
from engine.layout import Layout
from engine.model import Box, Hold, Order, Sku, StockRecord, WaveConfig
from engine.wave.ids import wave_id

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class WaveProblem:
    """Everything one wave plan depends on; immutable.

    ``orders`` are the orders that passed intake; ``held`` are those already held
    there (``invalid``, ``unknown_sku``). ``warnings`` are the input problems that
    did not stop the plan (bad rows), kept so that the plan can report them.
    """

    layout: Layout
    skus: Mapping[str, Sku]
    stock: tuple[StockRecord, ...]
    boxes: tuple[Box, ...]
    orders: tuple[Order, ...]
    held: tuple[Hold, ...]
    config: WaveConfig
    wave_id: str
    warnings: tuple[Problem, ...] = field(default=())

    @classmethod
    def build(
        cls,
        layout: Layout,
        skus: Mapping[str, Sku],
        stock: tuple[StockRecord, ...],
        boxes: tuple[Box, ...],
        orders: tuple[Order, ...],
        held: tuple[Hold, ...] = (),
        config: WaveConfig | None = None,
        wave_id: str | None = None,
        warnings: tuple[Problem, ...] = (),
    ) -> WaveProblem:
        """A problem with a deterministic wave id when none is given."""
        config = config or WaveConfig()
        if config.labour is not None and config.labour.start is None:
            # SPEC section 8: trips start at the time of the run; fixed here, at the edge, once
            config = replace(config, labour=replace(config.labour, start=datetime.now(UTC).replace(microsecond=0)))
        wid = wave_id or derive_wave_id(layout, stock, boxes, orders, held, config)
        return cls(layout, dict(skus), tuple(stock), tuple(boxes), tuple(orders), tuple(held), config, wid,
                   tuple(warnings))


def derive_wave_id(
    layout: Layout,
    stock: tuple[StockRecord, ...],
    boxes: tuple[Box, ...],
    orders: tuple[Order, ...],
    held: tuple[Hold, ...],
    config: WaveConfig,
) -> str:
    """The wave's id by the one scheme, :func:`engine.wave.ids.wave_id` (config, orders, stock)."""
    return wave_id(config, orders, stock)


def load_problem(
    layout: str | Path,
    skus: str | Path,
    inventory: str | Path,
    orders: str | Path,
    boxes: str | Path,
    config: str | Path | WaveConfig | None = None,
    wave_id: str | None = None,
) -> WaveProblem:
    """Read the SPEC files of one wave.

    Raises :class:`InputError` listing every file that cannot be used as a
    whole; bad rows inside usable files become warnings and holds.
    """
    problems: list[Problem] = []

    def attempt(read: Callable[..., T], *args: object) -> T | None:
        try:
            return read(*args)
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    lay = attempt(read_layout, layout)
    sku_table = attempt(read_skus, skus)
    box_table = attempt(read_boxes, boxes)
    cfg = config if isinstance(config, WaveConfig) else attempt(read_wave_config, config)
    inv = attempt(read_inventory, inventory, lay.has_location if lay is not None else None)
    ords = (attempt(read_orders, orders, sku_table.skus.keys(), sku_table.rejected)
            if sku_table is not None else attempt(read_orders, orders))
    if problems:
        raise InputError(problems)
    assert lay is not None and sku_table is not None and box_table is not None and cfg is not None
    assert inv is not None and ords is not None
    if not box_table.boxes:
        raise InputError([Problem(str(boxes), "no usable box")])
    warnings = sku_table.warnings + inv.warnings + box_table.warnings + ords.warnings
    return WaveProblem.build(lay, sku_table.skus, inv.stock, box_table.boxes, ords.orders, ords.held, cfg,
                             wave_id, warnings)
