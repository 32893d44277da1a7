"""Identical units in grid blocks: the packer's linear path for big orders.

The general search (:mod:`engine.packing.solver`) compares placements unit by
unit, which grows quadratically in an order's units: a line of 100,000 units
took minutes. Identical units need none of that: in a box they stack as a
grid of ``nx x ny x nz`` in one orientation (layers of rows), and the best
carton for many of them is the grid of least cost per unit. This module finds
that grid per SKU and box (O(boxes x orientations)) and writes cartons of it
directly (O(units)), in the order a packer fills them (layer by layer, each
from the back corner), which is the order
:func:`engine.packing.instructions.packing_order` gives identical units.

Fragile units keep their padding: along an axis of length ``L``, ``n`` bodies
of extent ``d`` with padding ``p`` need ``n d + (n + 1) p <= L`` (the padding
between two fragile bodies is shared, as :mod:`engine.packing.geometry` allows).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.model import Box
from engine.packing.geometry import EPS, PieceType, carton_cost
from engine.packing.params import PackingParams
from engine.packing.result import Carton, Placement


@dataclass(frozen=True, slots=True)
class Grid:
    """A block of one SKU in one box: orientation, cells per axis, units it takes (weight included)."""

    box: int
    orient: int
    cells: tuple[int, int, int]
    capacity: int
    cost: float  # of a carton holding ``capacity`` units

    @property
    def cost_per_unit(self) -> float:
        return self.cost / self.capacity


def _cells(extent: float, pad: float, length: float) -> int:
    """Bodies of ``extent`` that fit along ``length`` with ``pad`` at the walls and between them."""
    return max(0, math.floor((length - pad + EPS) / (extent + pad)))


def grids(piece: PieceType, boxes: Sequence[Box], dims: Sequence[np.ndarray], params: PackingParams) -> list[Grid]:
    """Per box, its largest grid of ``piece`` (weight cap applied); boxes that take none are left out.

    O(boxes x orientations).

    >>> from engine.model import Sku
    >>> from engine.packing.geometry import box_dims, piece_type
    >>> p = piece_type(Sku("a", 10, 8, 5, 0.5), PackingParams())
    >>> box = Box("B", 20, 16, 10, 100, 1.0)
    >>> [(g.cells, g.capacity) for g in grids(p, [box], [box_dims(box)], PackingParams())]
    [((2, 2, 2), 8)]
    """
    out = []
    for b, box in enumerate(boxes):
        best: tuple[int, int, tuple[int, int, int]] | None = None
        for o, body in enumerate(piece.body.tolist()):
            cells = tuple(_cells(body[k], piece.pad, float(dims[b][k])) for k in range(3))
            n = cells[0] * cells[1] * cells[2]
            if n and (best is None or n > best[0]):
                best = (n, o, (cells[0], cells[1], cells[2]))
        if best is None:
            continue
        n, o, cells = best
        if piece.weight_kg > 0:
            n = min(n, math.floor((box.payload_kg + EPS) / piece.weight_kg))
        if n >= 1:
            out.append(Grid(b, o, cells, n, carton_cost(box, n * piece.weight_kg, params)))
    return out


def cheapest_per_unit(options: Sequence[Grid]) -> Grid:
    """The grid of least cost per unit (more units, then lower box index, on a tie)."""
    return min(options, key=lambda g: (g.cost_per_unit, -g.capacity, g.box))


def cheapest_holding(options: Sequence[Grid], n: int, piece: PieceType, boxes: Sequence[Box],
                     params: PackingParams) -> Grid | None:
    """The cheapest grid taking ``n`` units in one carton, costed for ``n`` units, or None."""
    fits = [Grid(g.box, g.orient, g.cells, n, carton_cost(boxes[g.box], n * piece.weight_kg, params))
            for g in options if g.capacity >= n]
    return min(fits, key=lambda g: (g.cost, g.box)) if fits else None


def block_carton(no: int, piece: PieceType, grid: Grid, n: int, box: Box, params: PackingParams) -> Carton:
    """A carton of ``n <= grid.capacity`` units of ``piece`` on ``grid``, lowest layers first. O(n)."""
    assert 0 < n <= grid.capacity
    d = piece.body[grid.orient].tolist()
    p = piece.pad
    nx, ny, _ = grid.cells
    per_layer = nx * ny
    placements = []
    for k in range(n):
        z, rem = divmod(k, per_layer)
        y, x = divmod(rem, nx)
        placements.append(Placement(piece.sku, x * (d[0] + p) + p, y * (d[1] + p) + p, z * (d[2] + p) + p,
                                    float(d[0]), float(d[1]), float(d[2])))
    contents = n * piece.weight_kg
    return Carton(no, box.box_id, tuple(placements), box.tare_kg + contents, carton_cost(box, contents, params))
