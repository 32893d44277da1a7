"""Shared helpers for the routing tests: layouts and an independent exact oracle."""

from __future__ import annotations

from collections.abc import Sequence

from engine.layout import RectangularLayout, RectPoint
from engine.routing.held_karp import held_karp


def rect(
    blocks: int = 1,
    aisles: int = 5,
    slots: int = 10,
    depot_x: float = 0.0,
    width: float = 2.0,
    pitch: float = 3.0,
) -> RectangularLayout:
    return RectangularLayout(
        "test", blocks=blocks, aisles=aisles, slots_per_side=slots, slot_length_m=1.0,
        aisle_pitch_m=pitch, cross_aisle_width_m=width, depot_x_m=depot_x,
    )


def oracle(layout: RectangularLayout, points: Sequence[RectPoint]) -> float:
    """Minimum over all visiting orders of the SPEC length (Held-Karp on the distance matrix)."""
    pts = list(dict.fromkeys(points))
    return held_karp(layout.distance_matrix([layout.depot(), *pts]))[1]
