"""The compiled programme (tables + numba sweep) against the reference programme."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.layout import RectangularLayout, RectPoint, Zone
from engine.model import RoutingMethod
from engine.routing import RouteScorer, aisle_dp, compiled, route_length, route_lengths, solve
from engine.routing.tables import MAX_BLOCKS, compiled_tables
from tests.routing.conftest import draw_pick_list, rect


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    """Build the tables and load numba and the kernel once, outside the timed tests
    (about 2-4 s per process, most of it the five-block tables and numba's import)."""
    lay = rect(blocks=5, aisles=2)
    for blocks in range(1, MAX_BLOCKS + 1):
        compiled_tables(blocks)
    solve(lay, [lay.point("A02-B5-S001-L")])
    RouteScorer(lay, [lay.point("A02-B5-S001-L")]).lengths([[0]])
    route_lengths(lay, [[lay.point("A02-B5-S001-L")]])


@st.composite
def lists(draw: st.DrawFn) -> tuple[RectangularLayout, list[RectPoint]]:
    blocks = draw(st.integers(1, 5))
    # five blocks run the dictionary reference, slow on wide layouts and long lists
    return draw_pick_list(draw, "c", blocks, 4 if blocks == 5 else 9, 8, (1.5, 3.0), 5 if blocks == 5 else 25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lists())
def test_compiled_length_equals_the_reference_programme(inst: tuple[RectangularLayout, list[RectPoint]]) -> None:
    lay, points = inst
    depot_x = lay.depot().x
    reference = aisle_dp.optimal_length(lay, sorted(set(points)), depot_x)
    # the same sums in the same order: equal to the last bit, whatever the input order
    assert compiled.optimal_length(lay, points, depot_x) == reference
    assert compiled.optimal_length(lay, points[::-1] + points[:1], depot_x) == reference
    assert route_length(lay, points) == reference
    scorer = RouteScorer(lay, points)
    assert scorer.length(np.arange(len(points))) == reference
    halves = [list(range(0, len(points), 2)), list(range(1, len(points), 2))]
    expected = [aisle_dp.optimal_length(lay, sorted({points[i] for i in h}), depot_x) if h else 0.0 for h in halves]
    assert scorer.lengths(halves).tolist() == expected
    assert route_lengths(lay, [[points[i] for i in h] for h in halves]).tolist() == expected
    r = solve(lay, points)
    assert r.proven and r.length_m == pytest.approx(reference, abs=1e-6)
    assert set(r.stops) == set(points) and len(r.stops) == len(set(points))


@pytest.mark.parametrize("blocks", [1, 2, 3, 4])
def test_longer_lists_on_wide_layouts_equal_the_reference(blocks: int) -> None:
    rng = random.Random(blocks)
    lay = rect(blocks=blocks, aisles=25, slots=60 // blocks, depot_x=37.5)
    sets = [
        [lay.make_point(rng.randint(1, 25), rng.randint(1, blocks), rng.randint(1, 60 // blocks)) for _ in range(30)]
        for _ in range(6)
    ]
    reference = [aisle_dp.optimal_length(lay, sorted(set(s)), lay.depot().x) for s in sets]
    assert route_lengths(lay, sets).tolist() == reference
    table = [p for s in sets for p in s]
    scorer = RouteScorer(lay, table)
    flat = np.arange(len(table))
    offsets = np.arange(0, len(table) + 1, 30)
    assert scorer.lengths_flat(flat, offsets).tolist() == reference
    assert [scorer.length(frozenset(range(30 * i, 30 * i + 30))) for i in range(6)] == reference
    for s, best in zip(sets, reference, strict=True):
        r = solve(lay, s)
        assert r.proven and r.length_m == pytest.approx(best, abs=1e-6)


def test_zone_depot_and_empty_sets() -> None:
    lay = RectangularLayout(
        "z", 2, 6, 10, 1.0, 3.0, 2.0, depot_x_m=0.0, zones=(Zone("Z1", (1, 3), 0.0), Zone("Z2", (4, 6), 15.0)),
    )
    p = [lay.point("A06-B1-S001-L")]
    scorer = RouteScorer(lay, p, zone_id="Z2")
    assert scorer.length([0]) == route_length(lay, p, zone_id="Z2") == pytest.approx(3.0)
    assert RouteScorer(lay, p).length([0]) == pytest.approx(2 * (15 + 1.5))
    assert scorer.length([]) == 0.0 and scorer.lengths([]).shape == (0,)
    assert route_lengths(lay, []).shape == (0,)
    s_shape = RoutingMethod.S_SHAPE
    assert route_lengths(lay, [p, []], s_shape).tolist() == [route_length(lay, p, s_shape), 0.0]


def test_duplicates_do_not_change_the_length() -> None:
    lay = rect(blocks=2, aisles=6)
    pts = [lay.point(i) for i in ("A02-B1-S003-L", "A02-B1-S003-R", "A05-B2-S007-L", "A02-B1-S009-L")]
    scorer = RouteScorer(lay, pts)
    assert scorer.length([0, 1, 2, 3, 3]) == scorer.length([0, 2, 3]) == route_length(lay, pts)


def test_bad_input_is_refused() -> None:
    lay = rect(blocks=2, aisles=4)
    scorer = RouteScorer(lay, [lay.point("A01-B1-S001-L")])
    with pytest.raises(IndexError):
        scorer.length([1])
    with pytest.raises(IndexError):
        scorer.lengths([[0], [-1]])
    with pytest.raises(ValueError, match="offsets"):
        scorer.lengths_flat(np.array([0]), np.array([0, 2]))
    with pytest.raises(ValueError, match="pick points"):
        route_length(lay, [lay.depot()])
    with pytest.raises(ValueError, match="pick points"):
        RouteScorer(lay, [RectPoint(1, 3, 1, 0.0, 30.0)])  # block 3 of a two-block layout
    with pytest.raises(ValueError, match="blocks"):
        RouteScorer(rect(blocks=MAX_BLOCKS + 1), [])
    with pytest.raises(ValueError):
        compiled_tables(MAX_BLOCKS + 1)


def test_six_blocks_use_the_reference_programme() -> None:
    lay = rect(blocks=6, aisles=1, slots=3)  # one aisle: the dictionary programme stays small
    pts = [lay.point("A01-B6-S002-L"), lay.point("A01-B3-S001-L")]
    # blocks 3 m deep, cross aisles 2 m: up the aisle to slot 2 of block 6 (y = 5 * 5 + 1 + 1.5) and back
    assert route_length(lay, pts) == pytest.approx(2 * 27.5)
    assert route_lengths(lay, [pts, pts[1:]]).tolist() == pytest.approx([55.0, 2 * (2 * 5 + 1.5)])


@pytest.mark.parametrize("blocks", [1, 2, 3, 4, 5])
def test_tables_are_closed_and_consistent(blocks: int) -> None:
    t = compiled_tables(blocks)
    n = t.n_states
    assert t.seg.shape == (blocks, 6, n) and t.seg.min() >= 0 and t.seg.max() < n
    assert t.hor_src.min() >= 0 and t.hor_src.max() < n
    assert (np.diff(t.hor_ptr, axis=1) >= 0).all() and t.hor_ptr[1, 0] == t.hor_ptr[0, -1]
    # a move's edge count is the sum of its multiplicities; the empty state never closes a tour
    assert (t.hor_mult.sum(axis=1) == t.hor_edges).all()
    assert not t.final[:, t.empty].any() and t.final[0].any()
    # option NONE leaves a (canonical) state as it is
    assert (t.seg[:, 0, :] == np.arange(n)).all()
