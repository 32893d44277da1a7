"""Units as placeable pieces: allowed orientations, padding, and box costs.

A fragile unit is placed as its *padded block*: the body grown by the padding on
every side. Keeping padded blocks disjoint from each other and inside the box is
sufficient for the contract (no body enters a fragile unit's padding); it is
conservative only between two fragile units, whose paddings could overlap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import permutations

import numpy as np

from engine.model import Box, Sku
from engine.packing.params import PackingParams

#: Geometric tolerance in cm (the independent checkers allow 1e-6).
EPS = 1e-9


def orientations(sku: Sku) -> np.ndarray:
    """Distinct extents ``(dx, dy, dz)`` a unit may take, as a ``(k, 3)`` array.

    An ``upright`` unit only turns about the vertical axis: two orientations.

    >>> orientations(Sku("a", 3, 2, 1, 0.1, upright=True)).tolist()
    [[3.0, 2.0, 1.0], [2.0, 3.0, 1.0]]
    >>> len(orientations(Sku("b", 3, 2, 1, 0.1)))
    6
    """
    d = sku.dims_cm
    upright = [(d[0], d[1], d[2]), (d[1], d[0], d[2])]
    cand = upright if sku.upright else [(a, b, c) for a, b, c in permutations(d)]
    seen: list[tuple[float, float, float]] = []
    for c in cand:
        if c not in seen:
            seen.append(c)
    return np.asarray(seen, dtype=float)


@dataclass(frozen=True, slots=True, eq=False)
class PieceType:
    """Everything the placement code needs about one SKU.

    ``body`` are the allowed orientations' extents; ``extents`` the same padded
    (body plus ``2 * pad`` per axis); ``pad`` is the padding of a fragile SKU, else 0.
    One instance per SKU and order: equality and hashing are by identity.
    """

    sku: str
    body: np.ndarray
    extents: np.ndarray
    pad: float
    weight_kg: float
    volume_cm3: float
    fragile: bool

    @property
    def padded_volume_cm3(self) -> float:
        e = self.extents[0]
        return float(e[0] * e[1] * e[2])


def piece_type(sku: Sku, params: PackingParams) -> PieceType:
    pad = params.fragile_padding_cm if sku.fragile else 0.0
    body = orientations(sku)
    ext = body + 2.0 * pad
    body.setflags(write=False)
    ext.setflags(write=False)
    return PieceType(
        sku=sku.sku,
        body=body,
        extents=ext,
        pad=pad,
        weight_kg=sku.weight_kg,
        volume_cm3=sku.length_cm * sku.width_cm * sku.height_cm,
        fragile=sku.fragile,
    )


def box_dims(box: Box) -> np.ndarray:
    return np.asarray(box.dims_cm, dtype=float)


def fits_alone(piece: PieceType, box: Box) -> bool:
    """Whether one unit fits the empty box in some orientation, weight included."""
    if piece.weight_kg > box.payload_kg + EPS:
        return False
    return bool(np.any(np.all(piece.extents <= box_dims(box) + EPS, axis=1)))


def billable_kg(box: Box, gross_kg: float, params: PackingParams) -> float:
    """Carrier billable weight: ``max(actual, L*W*H / dim factor)``."""
    if params.dim_factor_cm3_per_kg is None:
        return gross_kg
    return max(gross_kg, box.length_cm * box.width_cm * box.height_cm / params.dim_factor_cm3_per_kg)


def carton_cost(box: Box, contents_kg: float, params: PackingParams) -> float:
    """Box cost plus the carrier charge on the billable weight (0 when off)."""
    if params.rate_per_kg == 0:
        return box.cost
    return box.cost + params.rate_per_kg * billable_kg(box, box.tare_kg + contents_kg, params)


def box_floor_cost(box: Box, params: PackingParams) -> float:
    """Least a carton of this box can cost, whatever it holds."""
    return carton_cost(box, 0.0, params)


def expand_units(
    quantities: Mapping[str, int], types: Mapping[str, PieceType]
) -> list[PieceType]:
    """One entry per unit, SKUs in sorted order (so results do not depend on dict order)."""
    units: list[PieceType] = []
    for sku in sorted(quantities):
        qty = quantities[sku]
        if qty < 0:
            raise ValueError(f"negative quantity for {sku}")
        units.extend([types[sku]] * qty)
    return units


def total_weight(units: Sequence[PieceType]) -> float:
    return float(sum(u.weight_kg for u in units))
