"""routing=optimal on rectangular layouts: hand-checked cases, sprp optima, an exact oracle."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.layout import RectangularLayout, RectPoint, Zone
from engine.model import RoutingMethod
from engine.routing import RoutingParams, route_length, solve
from engine.routing.heuristics import heuristic_stops
from tests.routing.conftest import draw_pick_list, oracle, rect

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "routing" / "sprp_sample.csv"
HEURISTICS = [m for m in RoutingMethod if m is not RoutingMethod.OPTIMAL]


def pts(layout: RectangularLayout, *ids: str) -> list[RectPoint]:
    return [layout.point(i) for i in ids]


# --- hand-checked --------------------------------------------------------------------
# Layout of rect(): D = 10, cross aisles 2 m wide, so block 1 runs y 0..12 between the
# cross-aisle centre lines and slot s is at y = 1 + (s - 0.5); aisles 3 m apart.


def test_empty_list_is_a_zero_route() -> None:
    r = solve(rect(), [])
    assert r.stops == () and r.length_m == 0.0 and r.proven
    assert route_length(rect(), []) == 0.0


def test_one_pick_in_the_depot_aisle_is_a_return() -> None:
    lay = rect()
    # up to y = 1 + 4.5 = 5.5 and back
    assert route_length(lay, pts(lay, "A01-B1-S005-L")) == pytest.approx(11.0)


def test_two_far_aisles_are_a_loop_or_two_returns() -> None:
    lay = rect()
    # slot 9 (y 9.5) in aisle 1 and slot 9 in aisle 5 (x 12): loop 12+12+12+12 = 48,
    # two returns 19 + 24 + 19 = 62: the loop wins.
    r = solve(lay, pts(lay, "A01-B1-S009-L", "A05-B1-S009-R"))
    assert r.length_m == pytest.approx(48.0) and r.proven
    # near the front: returns 2*1.5 + 2*12 + 2*1.5 = 30 beat the loop
    assert route_length(lay, pts(lay, "A01-B1-S001-L", "A05-B1-S001-R")) == pytest.approx(30.0)


def test_depot_between_aisles() -> None:
    lay = rect(depot_x=4.5)  # between aisle 2 (x 3) and aisle 3 (x 6)
    # the pick in aisle 3 at y 1.5: 1.5 across, 1.5 up, back again
    assert route_length(lay, pts(lay, "A03-B1-S001-L")) == pytest.approx(6.0)
    r = solve(lay, pts(lay, "A02-B1-S001-L", "A03-B1-S001-L"))
    assert r.length_m == pytest.approx(12.0)


def test_both_sides_of_a_slot_and_duplicates_are_one_stop() -> None:
    lay = rect()
    r = solve(lay, pts(lay, "A02-B1-S003-L", "A02-B1-S003-R", "A02-B1-S003-L"))
    assert len(r.stops) == 1
    assert r.length_m == pytest.approx(2 * (3 + 3.5))  # slot 3 is at y 3.5


def test_two_blocks_middle_cross_aisle_is_used() -> None:
    lay = rect(blocks=2)
    # Slot 1 of block 2 is at y 13.5, just past the middle cross aisle (y 12). Up
    # aisle 1 (12), up to the pick and back (3), across the middle (12), to the pick in
    # aisle 5 and back (3), down aisle 5 (12), back along the front (12): 54.
    assert route_length(lay, pts(lay, "A01-B2-S001-L", "A05-B2-S001-L")) == pytest.approx(54.0)


def test_zone_depot_is_used() -> None:
    base = rect(aisles=6)
    lay = RectangularLayout(
        "z", 1, 6, 10, 1.0, 3.0, 2.0, depot_x_m=0.0,
        zones=(Zone("Z1", (1, 3), 0.0), Zone("Z2", (4, 6), 15.0)),
    )
    p = pts(base, "A06-B1-S001-L")
    assert route_length(lay, p, zone_id="Z2") == pytest.approx(2 * (0 + 1.5))
    assert route_length(lay, p) == pytest.approx(2 * (15 + 1.5))
    assert solve(lay, p, zone_id="Z2").length_m == pytest.approx(3.0)


# --- proven optima of the sprp benchmark (copied rows) --------------------------------


def _sprp_rows() -> list[dict[str, str]]:
    with open(FIXTURE, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("row", _sprp_rows(), ids=lambda r: f"{r['blocks']}b-{r['instance']}")
def test_sprp_optimum_is_reproduced(row: dict[str, str]) -> None:
    lay = RectangularLayout(
        "sprp", blocks=int(row["blocks"]), aisles=int(row["aisles"]),
        slots_per_side=int(row["slots_per_side"]), slot_length_m=1.0, aisle_pitch_m=3.0,
        cross_aisle_width_m=1.0, depot_x_m=float(row["depot_x_m"]),
    )
    points = [lay.point(p) for p in row["picks"].split(";")]
    expected = float(row["optimal_m"])
    assert route_length(lay, points) == pytest.approx(expected, abs=1e-6)
    r = solve(lay, points)
    assert r.proven and r.length_m == pytest.approx(expected, abs=1e-6)
    assert len(r.stops) == len(set(r.stops)) == len(set(points)) and set(r.stops) == set(points)
    for m in HEURISTICS:
        assert route_length(lay, points, m) >= expected - 1e-6


# --- an independent exact oracle ------------------------------------------------------


@st.composite
def instances(draw: st.DrawFn) -> tuple[RectangularLayout, list[RectPoint]]:
    return draw_pick_list(draw, "h", draw(st.integers(1, 4)), 6, 6, (2.0, 3.0), 7)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_optimal_equals_the_exact_oracle_and_no_heuristic_is_shorter(
    inst: tuple[RectangularLayout, list[RectPoint]],
) -> None:
    lay, points = inst
    best = oracle(lay, points)
    assert route_length(lay, points) == pytest.approx(best, abs=1e-6)
    r = solve(lay, points, RoutingParams(time_limit_s=60.0))
    assert r.proven and r.length_m == pytest.approx(best, abs=1e-6)
    assert len(r.stops) == len(set(r.stops)) == len(set(points)) and set(r.stops) == set(points)
    for m in HEURISTICS:
        hr = solve(lay, points, RoutingParams(m))
        assert not hr.proven
        assert len(hr.stops) == len(set(hr.stops)) == len(set(points)) and set(hr.stops) == set(points)
        assert hr.length_m >= best - 1e-6
        assert route_length(lay, points, m) == pytest.approx(hr.length_m)


@pytest.mark.parametrize("blocks", [3, 4])
def test_gap_to_held_karp_on_three_and_four_blocks(blocks: int) -> None:
    """Mean gap of ``optimal`` to the proven optimum on seeded lists of 10 picks: 0."""
    rng = random.Random(blocks)
    lay = rect(blocks=blocks, aisles=8, slots=8, depot_x=7.5)
    gaps = []
    for _ in range(8):
        points = [lay.make_point(rng.randint(1, 8), rng.randint(1, blocks), rng.randint(1, 8)) for _ in range(10)]
        best = oracle(lay, points)
        r = solve(lay, points)
        assert r.proven
        gaps.append((r.length_m - best) / best)
    assert max(abs(g) for g in gaps) <= 1e-9


def test_time_limit_on_many_blocks_falls_back_unproven_or_to_held_karp() -> None:
    lay = rect(blocks=6, aisles=12, slots=6)  # up to five blocks the compiled sweep needs no limit
    rng = random.Random(1)
    points = list({lay.make_point(rng.randint(1, 12), rng.randint(1, 6), rng.randint(1, 6)) for _ in range(20)})
    r = solve(lay, points, RoutingParams(time_limit_s=1e-6))
    assert not r.proven
    best_heuristic = min(
        lay.route_length(heuristic_stops(lay, points, m, 0.0)) for m in HEURISTICS
    )
    assert r.length_m == pytest.approx(best_heuristic)
    small = points[:6]
    r = solve(lay, small, RoutingParams(time_limit_s=1e-6))
    assert r.proven and r.length_m == pytest.approx(oracle(lay, small))
