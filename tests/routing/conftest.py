"""Shared helpers for the routing tests: layouts and an independent exact oracle."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

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


def draw_pick_list(
    draw: st.DrawFn, name: str, blocks: int, max_aisles: int, max_slots: int, pitches: tuple[float, ...],
    max_picks: int,
) -> tuple[RectangularLayout, list[RectPoint]]:
    """A random rectangular layout with its depot anywhere on the front cross aisle (at an aisle,
    between aisles, or at 0), and a random pick list on it (duplicates allowed)."""
    aisles = draw(st.integers(1, max_aisles))
    slots = draw(st.integers(1, max_slots))
    pitch = draw(st.sampled_from(pitches))
    width = draw(st.sampled_from([0.0, 1.0, 2.5]))
    span = (aisles - 1) * pitch
    depot = draw(st.one_of(
        st.just(0.0),
        st.floats(0.0, span, allow_nan=False),
        st.integers(0, aisles - 1).map(lambda a: a * pitch),
    ))
    lay = RectangularLayout(name, blocks, aisles, slots, 1.0, pitch, width, depot_x_m=depot)
    cells = st.tuples(st.integers(1, aisles), st.integers(1, blocks), st.integers(1, slots))
    picks = draw(st.lists(cells, min_size=1, max_size=max_picks))
    return lay, [lay.make_point(*c) for c in picks]
