"""Units as placeable pieces: allowed orientations, padding, and box costs.

A fragile unit is placed as its *padded block*: the body grown by the padding on
every side, which must lie inside the box. Two blocks may not overlap, except
that the padded blocks of two fragile units may overlap by up to the padding on
an axis (see :func:`overlap_allowance`): the contract only keeps *bodies* out of
a fragile unit's padding, so two fragile bodies need one padding between them,
not two.
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
    pad = float(params.fragile_padding_cm) if sku.fragile else 0.0
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
    d = box.dims_cm
    return any(e[0] <= d[0] + EPS and e[1] <= d[1] + EPS and e[2] <= d[2] + EPS for e in piece.extents.tolist())


def billable_kg(box: Box, gross_kg: float, params: PackingParams) -> float:
    """Carrier billable weight: ``max(actual, L*W*H / dim factor)``."""
    if params.dim_factor_cm3_per_kg is None:
        return gross_kg
    return max(gross_kg, box.length_cm * box.width_cm * box.height_cm / params.dim_factor_cm3_per_kg)


def carton_cost(box: Box, contents_kg: float, params: PackingParams) -> float:
    """Box cost, the per-carton charge, and the carrier charge on the billable weight."""
    base = box.cost + params.per_carton_cost
    if params.rate_per_kg == 0:
        return base
    return base + params.rate_per_kg * billable_kg(box, box.tare_kg + contents_kg, params)


def overlap_allowance(a: PieceType, b: PieceType) -> float:
    """How far the padded blocks of ``a`` and ``b`` may overlap on one axis.

    The padding when both are fragile (each body then stays out of the other's
    padding), else 0.

    >>> p = PackingParams(fragile_padding_cm=2)
    >>> f, s = piece_type(Sku("f", 1, 1, 1, 0.1, fragile=True), p), piece_type(Sku("s", 1, 1, 1, 0.1), p)
    >>> overlap_allowance(f, f), overlap_allowance(f, s)
    (2.0, 0.0)
    """
    return min(a.pad, b.pad)


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
