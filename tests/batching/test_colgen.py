"""Column generation: the compiled pricing against brute force, proofs, bounds and determinism."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from engine.batching import BatchingParams, BatchingProblem, RouteCache, pricing, solve
from engine.batching.colgen import KernelData, Master, _dive, _dive_search, _mip, deepening_search, wide_trips
from engine.layout import RectangularLayout
from engine.layout.rectangular import location_id
from engine.model import CartSpec
from engine.routing import RouteScorer

from .test_batching import assert_feasible
from .test_setpart import _fits, _partitions

LAY = RectangularLayout("cg", blocks=1, aisles=6, slots_per_side=12, slot_length_m=1.0, aisle_pitch_m=4.0,
                        cross_aisle_width_m=2.0)
#: Every pick location of the layout as a point table.
POINTS = [LAY.point(location_id(a, 1, s, side)) for a in range(1, 7) for s in range(1, 13) for side in "LR"]


def scored_problem(n: int, seed: int, cap: float = 9.0) -> tuple[BatchingProblem, RouteCache]:
    """``n`` orders of 1-3 picks and 1-5 units on a one-block layout, the cache backed by the compiled scorer."""
    rng = np.random.default_rng(seed)
    points = [sorted(set(rng.choice(len(POINTS), size=int(rng.integers(1, 4)), replace=False).tolist()))
              for _ in range(n)]
    keys = [sorted({int(POINTS[q][0]) for q in p}) for p in points]
    weights = rng.integers(1, 6, size=n).astype(float).tolist()
    problem = BatchingProblem.build(points, keys, weights, [1.0] * n, CartSpec(totes=n, max_weight_kg=cap,
                                                                                  max_volume_l=1e9))
    scorer = RouteScorer(LAY, POINTS)
    return problem, RouteCache(scorer.length, scorer=scorer)


def _length(problem: BatchingProblem, cache: RouteCache, trip: tuple[int, ...]) -> float:
    return cache(frozenset(q for i in trip for q in problem.points[i]))


def _trips(problem: BatchingProblem) -> list[tuple[int, ...]]:
    return [c for k in range(1, problem.n + 1) for c in itertools.combinations(range(problem.n), k)
            if _fits(problem, c)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_exact_pricing_lists_every_trip_under_the_threshold(seed: int) -> None:
    problem, cache = scored_problem(9, seed)
    data = KernelData.build(problem, cache)
    assert data is not None
    rng = np.random.default_rng(seed)
    duals = rng.uniform(0.0, 30.0, problem.n)
    duals[0] = 0.0  # an item of zero dual is never added
    want: dict[tuple[int, ...], float] = {}
    least = np.inf
    for trip in _trips(problem):
        rc = _length(problem, cache, trip) - float(duals[list(trip)].sum())
        least = min(least, rc)
        if rc <= 5.0 and 0 not in trip:
            want[trip] = rc
    ptr, items, lens, complete, got_least, _ = pricing.exact_price(
        duals, 5.0, data.iptr, data.irank, data.w, data.v, data.t, *data.caps, 10**5, 10**6,
        *pricing.no_cuts(problem.n), *data.route)
    got = {tuple(sorted(items[ptr[k]:ptr[k + 1]].tolist())): float(lens[k]) for k in range(len(lens))}
    assert complete
    assert sorted(got) == sorted(want)
    for trip, length in got.items():
        assert length == pytest.approx(_length(problem, cache, trip))
    assert min(got_least, 5.0) <= least + 1e-9


def test_exact_pricing_says_when_it_stopped_short() -> None:
    problem, cache = scored_problem(9, 4)
    data = KernelData.build(problem, cache)
    assert data is not None
    duals = np.full(problem.n, 40.0)
    *_, complete, _, nodes = pricing.exact_price(
        duals, 0.0, data.iptr, data.irank, data.w, data.v, data.t, *data.caps, 10**5, 3,
        *pricing.no_cuts(problem.n), *data.route)
    assert not complete and nodes == 3


@pytest.mark.parametrize("seed", [5, 6])
def test_greedy_pricing_returns_fitting_trips_of_negative_reduced_cost(seed: int) -> None:
    problem, cache = scored_problem(12, seed)
    data = KernelData.build(problem, cache)
    assert data is not None
    duals = np.random.default_rng(seed).uniform(5.0, 35.0, problem.n)
    seeds = np.arange(problem.n, dtype=np.int64)
    ptr, items, lens, evals = pricing.greedy_price(seeds, duals, data.iptr, data.irank, data.w, data.v, data.t,
                                                   *data.caps, 1000, -1e-6,
                                                   *pricing.no_cuts(problem.n), *data.route)
    assert len(lens) > 0 and evals >= len(lens)
    for k in range(len(lens)):
        trip = tuple(sorted(items[ptr[k]:ptr[k + 1]].tolist()))
        assert len(set(trip)) == len(trip) and _fits(problem, trip)
        assert lens[k] == pytest.approx(_length(problem, cache, trip))
        assert lens[k] - duals[list(trip)].sum() <= -1e-6


def _cut_args(n: int, triples: list[tuple[int, int, int]], pen: list[float]
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    per: list[list[int]] = [[] for _ in range(n)]
    for c, tr in enumerate(triples):
        for i in tr:
            per[i].append(c)
    cptr = np.zeros(n + 1, np.int64)
    np.cumsum([len(p) for p in per], out=cptr[1:])
    return cptr, np.array([c for p in per for c in p], np.int64), np.array(pen)


def _penalty(trip: tuple[int, ...], triples: list[tuple[int, int, int]], pen: list[float]) -> float:
    return sum(p for tr, p in zip(triples, pen, strict=True) if len(set(tr) & set(trip)) >= 2)


@pytest.mark.parametrize("seed", [21, 22])
def test_exact_pricing_with_subset_row_penalties_matches_brute_force(seed: int) -> None:
    problem, cache = scored_problem(9, seed)
    data = KernelData.build(problem, cache)
    assert data is not None
    rng = np.random.default_rng(seed)
    duals = rng.uniform(5.0, 30.0, problem.n)
    triples = [(0, 1, 2), (1, 3, 5), (2, 4, 6), (0, 5, 7), (3, 6, 8)]
    pen = rng.uniform(0.0, 15.0, len(triples)).tolist()
    want: dict[tuple[int, ...], float] = {}
    least = np.inf
    for trip in _trips(problem):
        rc = _length(problem, cache, trip) - float(duals[list(trip)].sum()) + _penalty(trip, triples, pen)
        least = min(least, rc)
        if rc <= 3.0:
            want[trip] = rc
    cuts = _cut_args(problem.n, triples, pen)
    ptr, items, lens, complete, got_least, _ = pricing.exact_price(
        duals, 3.0, data.iptr, data.irank, data.w, data.v, data.t, *data.caps, 10**5, 10**6, *cuts, *data.route)
    got = {tuple(sorted(items[ptr[k]:ptr[k + 1]].tolist())) for k in range(len(lens))}
    assert complete and got == set(want)
    assert got_least == pytest.approx(least)
    # The greedy pricing keeps only trips whose reduced cost, penalties included, is at most its threshold.
    seeds = np.arange(problem.n, dtype=np.int64)
    ptr, items, lens, _ = pricing.greedy_price(seeds, duals, data.iptr, data.irank, data.w, data.v, data.t,
                                               *data.caps, 1000, 3.0, *cuts, *data.route)
    for k in range(len(lens)):
        trip = tuple(sorted(items[ptr[k]:ptr[k + 1]].tolist()))
        assert trip in want


def test_subset_row_separation_finds_the_odd_cycle() -> None:
    # x = 1/2 on {0,1}, {1,2}, {0,2}: the cut over {0, 1, 2} reads 3 x 1/2 = 1.5 > 1.
    m = Master(4)
    m.add([(0,), (1,), (2,), (3,), (0, 1), (1, 2), (0, 2)], [3.0, 3.0, 3.0, 1.0, 2.0, 2.0, 2.0])
    z, _, x = m.solve()
    assert z == pytest.approx(4.0)  # 3 x 1/2 x 2 + the single 3
    assert m.separate(x, 0.01, 5, 2) == 1 and m.cuts == [(0, 1, 2)]
    z2, duals, _ = m.solve()
    assert z2 == pytest.approx(6.0)  # a pair and a single: 2 + 3, and 1 for item 3
    assert m.pen.shape == (1,) and m.pen[0] > 0 and (m.reduced_costs(duals, m.pen) >= -1e-7).all()
    assert m.reduced_costs(duals, m.pen) == pytest.approx(m.trip_rc(m.cols, np.array(m.cost), duals, m.pen))
    m.add([(0, 1, 2)], [2.5])  # a new column holding all three gets the cut's coefficient
    z3, _, _ = m.solve()
    assert z3 == pytest.approx(3.5)


def _cut_terms(trip: tuple[int, ...], cuts: list[tuple[int, ...]], terms: list[float]) -> float:
    """A trip's cut terms: a subset-row penalty (> 0) at two members, a capacity term (< 0) at one."""
    return sum(p for c, p in zip(cuts, terms, strict=True)
               if len(set(c) & set(trip)) >= (1 if p < 0.0 else 2))


@pytest.mark.parametrize("seed", [23, 24])
def test_exact_pricing_with_capacity_cut_terms_matches_brute_force(seed: int) -> None:
    problem, cache = scored_problem(9, seed)
    data = KernelData.build(problem, cache)
    assert data is not None
    rng = np.random.default_rng(seed)
    duals = rng.uniform(5.0, 30.0, problem.n)
    duals[4] = 0.0  # in a capacity cut: a trip may gain by holding it even at dual 0
    cuts: list[tuple[int, ...]] = [(0, 1, 2), (1, 3, 5), (2, 4, 6), (0, 5, 7), (3, 6, 8), (1, 2, 4, 7), (4, 8)]
    terms = rng.uniform(0.0, 15.0, 5).tolist() + (-rng.uniform(5.0, 25.0, 2)).tolist()
    want: dict[tuple[int, ...], float] = {}
    least = np.inf
    for trip in _trips(problem):
        rc = _length(problem, cache, trip) - float(duals[list(trip)].sum()) + _cut_terms(trip, cuts, terms)
        least = min(least, rc)
        if rc <= 3.0:
            want[trip] = rc
    assert any(4 in trip for trip in want)
    args = _cut_args(problem.n, cuts, terms)  # type: ignore[arg-type]
    ptr, items, lens, complete, got_least, _ = pricing.exact_price(
        duals, 3.0, data.iptr, data.irank, data.w, data.v, data.t, *data.caps, 10**5, 10**6, *args, *data.route)
    got = {tuple(sorted(items[ptr[k]:ptr[k + 1]].tolist())) for k in range(len(lens))}
    assert complete and got == set(want)
    assert got_least == pytest.approx(least)
    seeds = np.arange(problem.n, dtype=np.int64)
    ptr, items, lens, _ = pricing.greedy_price(seeds, duals, data.iptr, data.irank, data.w, data.v, data.t,
                                               *data.caps, 1000, 3.0, *args, *data.route)
    found = [tuple(sorted(items[ptr[k]:ptr[k + 1]].tolist())) for k in range(len(lens))]
    assert found and all(trip in want for trip in found)


def test_capacity_cut_separation_raises_the_lp() -> None:
    # Items 0-2 weigh 1 on a cart of 2, item 3 almost nothing. The LP takes the three pairs at 1/2 (1.5
    # trips meeting {0, 1, 2}) and item 3 alone; every plan has ceil(3 / 2) = 2 trips meeting {0, 1, 2}.
    w = np.array([1.0, 1.0, 1.0, 0.1])
    loads = (w, np.zeros(4), np.ones(4), (2.0, 1e9, 10.0))
    m = Master(4, min_trips=2, loads=loads)
    m.add([(0,), (1,), (2,), (3,), (0, 1), (1, 2), (0, 2)], [4.0, 4.0, 4.0, 1.0, 5.0, 5.0, 5.0])
    z, _, x = m.solve()
    assert z == pytest.approx(8.5)
    assert m.separate_capacity(x, 0.01, 4) == 1 and m.cuts == [(0, 1, 2)] and m.cut_rhs == [2.0]
    z2, duals, x2 = m.solve()
    assert z2 == pytest.approx(10.0)  # a pair and a single, and item 3
    assert m.pen.shape == (1,) and m.pen[0] < 0.0
    rc = m.reduced_costs(duals, m.pen, m.sigma)
    assert (rc >= -1e-7).all() and rc == pytest.approx(m.trip_rc(m.cols, np.array(m.cost), duals, m.pen))
    assert m.separate_capacity(x2, 0.01, 4) == 0
    # The dual objective is the LP: item duals, the count row's and the cut's (its term is -dual).
    assert z2 == pytest.approx(float(duals.sum()) + 2 * m.sigma - 2 * float(m.pen[0]))


def _every_trip_priced(seed: int) -> tuple[BatchingProblem, list[tuple[int, ...]], np.ndarray, np.ndarray,
                                              np.ndarray, float, Master]:
    """An 8-order problem with every fitting trip as a column (CSR ``ptr``/``items``), its optimum, its master."""
    problem, cache = scored_problem(8, seed)
    trips = _trips(problem)
    lengths = np.array([_length(problem, cache, t) for t in trips])
    ptr = np.zeros(len(trips) + 1, np.int64)
    np.cumsum([len(t) for t in trips], out=ptr[1:])
    items = np.array([i for t in trips for i in t], np.int64)
    m = Master(problem.n)
    m.add(trips, lengths.tolist())
    return problem, trips, lengths, ptr, items, _brute_force_scored(problem, cache), m


def _every_trip_at_the_lp(seed: int) -> tuple[BatchingProblem, list[tuple[int, ...]], np.ndarray, np.ndarray,
                                              np.ndarray, float, float, np.ndarray, bool]:
    """:func:`_every_trip_priced` solved: its LP value, reduced costs (clipped at 0), integral lengths or not."""
    problem, trips, lengths, ptr, items, best, m = _every_trip_priced(seed)
    z, duals, _ = m.solve()
    rc = np.maximum(m.reduced_costs(duals), 0.0)
    return problem, trips, lengths, ptr, items, best, z, rc, bool(np.all(lengths == np.round(lengths)))


@pytest.mark.parametrize("seed", [31, 32, 33])
def test_partition_search_finds_the_cheapest_partition(seed: int) -> None:
    problem, trips, lengths, ptr, items, best, m = _every_trip_priced(seed)
    # With zero reduced costs and z = 0 only the cost prunes; with the LP's duals the bound does too.
    z, duals, _ = m.solve()
    for rc, zz in ((np.zeros(len(trips)), 0.0), (np.maximum(m.reduced_costs(duals), 0.0), z)):
        picked, cost, complete, _ = pricing.partition_search(problem.n, ptr, items, lengths, rc, zz, 1e9, 1e-6,
                                                             10**7)
        assert complete and cost == pytest.approx(best)
        got = sorted(i for k in picked for i in trips[int(k)])
        assert got == list(range(problem.n))
        # Nothing cheaper than the optimum: a search cut off at it finds nothing, and says so.
        none, _, complete, _ = pricing.partition_search(problem.n, ptr, items, lengths, rc, zz, best, 1e-6, 10**7)
        assert complete and none.shape[0] == 0
    *_, complete, nodes = pricing.partition_search(problem.n, ptr, items, lengths, np.zeros(len(trips)), 0.0, 1e9,
                                                   1e-6, 5)
    assert not complete and nodes == 5


@pytest.mark.parametrize("seed", [31, 34])
def test_deepening_search_finds_and_proves_the_cheapest_partition(seed: int) -> None:
    problem, trips, lengths, ptr, items, best, z, rc, integral = _every_trip_at_the_lp(seed)
    for seconds in (None, 5.0):
        picked, cost, complete, _, floor = deepening_search(problem.n, ptr, items, lengths, rc, z, 1e9, 1e-6,
                                                            integral, seconds)
        assert complete and cost == pytest.approx(best)
        assert sorted(i for k in picked for i in trips[int(k)]) == list(range(problem.n))
        assert floor is None or z - 1e-6 <= floor <= best + 1e-6  # the bounds it passed hold
    # Cut off at the optimum: nothing cheaper, complete, and the bound reached is the optimum's.
    none, _, complete, _, floor = deepening_search(problem.n, ptr, items, lengths, rc, z, best, 1e-6, False, None)
    assert complete and none.shape[0] == 0 and floor == pytest.approx(best - 1e-6)
    # Out of nodes at the first bound: not complete, no bound claimed.
    *_, complete, nodes, floor = deepening_search(problem.n, ptr, items, lengths, np.zeros(len(trips)), 0.0, 1e9,
                                                  1e-6, False, None, max_nodes=3)
    assert not complete and nodes == 3 and floor is None


@pytest.mark.parametrize("seed", [31, 34])
def test_deepening_search_from_a_known_bound(seed: int) -> None:
    problem, trips, lengths, ptr, items, best, z, rc, integral = _every_trip_at_the_lp(seed)
    # Started at the optimum (a valid bound): the first search finds it, complete.
    picked, cost, complete, _, _ = deepening_search(problem.n, ptr, items, lengths, rc, z, 1e9, 1e-6, integral,
                                                    None, start=best)
    assert complete and cost == pytest.approx(best)
    assert sorted(i for k in picked for i in trips[int(k)]) == list(range(problem.n))
    # Started between the LP and the optimum: still the optimum, and any bound claimed holds.
    mid = 0.5 * (z + best)
    picked, cost, complete, _, floor = deepening_search(problem.n, ptr, items, lengths, rc, z, 1e9, 1e-6, integral,
                                                        None, start=mid)
    assert complete and cost == pytest.approx(best)
    assert floor is None or mid - 1e-6 <= floor <= best + 1e-6


def _master_over_every_trip(n: int, seed: int) -> tuple[BatchingProblem, RouteCache, KernelData, Master, float]:
    """A scored problem of ``n`` orders, its route cost, kernel data and the master LP over all its trips, solved."""
    problem, cache = scored_problem(n, seed)
    data = KernelData.build(problem, cache)
    assert data is not None
    m = Master(problem.n, data.min_trips())
    trips = _trips(problem)
    m.add(trips, [_length(problem, cache, c) for c in trips])
    z, _, _ = m.solve()
    return problem, cache, data, m, z


@pytest.mark.parametrize("seed", [31, 34])
def test_dive_is_a_partition_and_honours_its_prefix_and_tabu(seed: int) -> None:
    problem, _, data, m, _ = _master_over_every_trip(8, seed)
    before = np.asarray(m.h.getLp().col_upper_).copy()  # type: ignore[attr-defined]
    plan, path = _dive(m, data, None, 0)
    assert plan is not None and sorted(i for c in plan for i in c) == list(range(problem.n))
    assert len(plan) >= data.min_trips()  # the count row over the items left holds at every step
    assert [m.cols[j] for cols, _ in path for j in cols] == plan
    # The path's first step fixed, then its second column barred (a limited-discrepancy dive).
    if len(path) > 1:
        barred = path[1][0][0]
        again, path2 = _dive(m, data, None, 0, prefix=[path[0][0]], tabu=[barred])
        assert again is not None and sorted(i for c in again for i in c) == list(range(problem.n))
        assert path2[0][0] == path[0][0] and m.cols[barred] not in again
    # The master's bounds are restored.
    assert np.array_equal(np.asarray(m.h.getLp().col_upper_), before)  # type: ignore[attr-defined]


@pytest.mark.parametrize("seed", [31, 34, 35])
def test_strong_dive_is_a_partition_and_restores_the_master(seed: int) -> None:
    problem, cache, data, m, z = _master_over_every_trip(10, seed)
    lp = m.h.getLp()  # type: ignore[attr-defined]
    cols_before = np.asarray(lp.col_upper_).copy()
    rows_before = np.asarray(lp.row_lower_).copy()
    plan, path = _dive(m, data, None, 0, strong=5)
    assert plan is not None and sorted(i for c in plan for i in c) == list(range(problem.n))
    assert len(plan) >= data.min_trips()
    assert [m.cols[j] for cols, _ in path for j in cols] == plan
    assert sum(_length(problem, cache, c) for c in plan) >= z - 1e-6  # a plan: never below the LP
    # The trial fixings are undone: bounds as before, the same LP.
    lp = m.h.getLp()  # type: ignore[attr-defined]
    assert np.array_equal(np.asarray(lp.col_upper_), cols_before)
    assert np.array_equal(np.asarray(lp.row_lower_), rows_before)
    assert m.solve()[0] == pytest.approx(z)


def test_dive_search_forks_every_fractional_step_best_parent_first() -> None:
    # The first dive (cost 100) is fractional at steps 1 and 3; a fork that finds 90 is searched from next.
    first = [([10], 1.0), ([11], 0.5), ([12], 0.999), ([13], 0.3)]
    calls: list[tuple[list[list[int]], list[int]]] = []

    def dive(prefix, tabu, label):  # type: ignore[no-untyped-def]
        calls.append(([list(p) for p in prefix], list(tabu)))
        if tabu == [11]:  # barring step 1: a better plan, fractional at its step 2
            return 90.0, [([10], 1.0), ([21], 0.6), ([22], 0.4), ([23], 1.0)]
        return 120.0, [([10], 1.0), ([31], 1.0)]

    made = _dive_search(dive, 100.0, first, lambda k: k < 10)
    assert made == len(calls) == 4
    assert calls[0] == ([[10]], [11])  # step 1 of the first dive (step 0 and 2 are integral)
    assert calls[1] == ([[10]], [11, 21])  # the better child's forks first, its step 1 (the same depth) ...
    assert calls[2] == ([[10], [21]], [11, 22])  # ... then its step 2
    assert calls[3] == ([[10], [11], [12]], [13])  # then the first dive's step 3
    calls.clear()
    assert _dive_search(dive, 100.0, first, lambda k: k < 2) == 2 == len(calls)  # ``more`` stops it
    assert _dive_search(dive, None, first, lambda k: True) == 0  # no first plan: nothing to fork


def test_wide_trips_is_many_orders_a_trip() -> None:
    assert wide_trips(70, 13) and wide_trips(80, 20)  # 5.4 and 4.0 orders a trip
    assert not wide_trips(70, 18) and not wide_trips(40, 8)  # 3.9 a trip; too few orders
    assert not wide_trips(70, 0)


def test_wide_column_generation_searches_dives_deterministically(monkeypatch: pytest.MonkeyPatch) -> None:
    # Gate opened for a small problem and one pricing round (no proof before the dive): the dive search runs.
    from engine.batching import colgen

    monkeypatch.setattr(colgen, "WIDE_ITEMS", 1)
    monkeypatch.setattr(colgen, "WIDE_ORDERS", 1.0)
    searched: list[int] = []
    real = colgen._dive_search

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        searched.append(real(*args, **kwargs))
        return searched[-1]

    monkeypatch.setattr(colgen, "_dive_search", spy)
    problem, cache = scored_problem(9, 15, cap=10.0)
    params = BatchingParams(max_iterations=20, colgen_rounds=1)
    a = solve(problem, cache, params, seed=2)
    problem2, cache2 = scored_problem(9, 15, cap=10.0)
    b = solve(problem2, cache2, params, seed=2)
    assert searched and 0 < searched[0] <= colgen.WIDE_DIVES - 1
    assert a.batches == b.batches and a.cost == b.cost and a.lower_bound == b.lower_bound
    assert_feasible(problem, a.batches)
    best = _brute_force_scored(problem, cache)
    assert a.cost >= best - 1e-6
    assert a.lower_bound is None or a.lower_bound <= best + 1e-6


def test_mip_over_columns_keeps_the_trip_count_row() -> None:
    # One trip of all three items is cheapest (5), but with at least 2 trips the best is a pair and a single.
    trips = [(0,), (1,), (2,), (0, 1), (0, 1, 2)]
    costs = [4.0, 4.0, 4.0, 4.5, 5.0]
    for min_trips, want in ((0, 5.0), (2, 8.5)):
        m = Master(3, min_trips=min_trips)
        m.add(trips, costs)
        got, value, bound, optimal = _mip(m, list(range(len(trips))), 100.0, 10.0, None)
        assert optimal and got is not None and value == pytest.approx(want) and bound == pytest.approx(want)
        assert len(got) >= min_trips


def test_master_duals_price_its_own_columns_at_zero_or_more() -> None:
    m = Master(3)
    m.add([(0,), (1,), (2,), (0, 1), (1, 2)], [4.0, 4.0, 4.0, 5.0, 5.0])
    assert m.add([(0, 1)], [5.0]) == 0  # already there
    z, duals, _ = m.solve()
    assert z == pytest.approx(9.0)
    assert (m.reduced_costs(duals) >= -1e-7).all()


def test_master_trip_count_row_raises_the_lp_and_prices_with_its_dual() -> None:
    # Three items, any two share a trip of 5, alone 4 each: the LP takes each pair at 1/2 (7.5); with
    # at least 2 trips it must take more (a single 4 and a pair 5: 9), and the row's dual enters the rc.
    trips = [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2)]
    costs = [4.0, 4.0, 4.0, 5.0, 5.0, 5.0]
    plain = Master(3)
    plain.add(trips, costs)
    z0, _, _ = plain.solve()
    m = Master(3, min_trips=2)
    m.add(trips, costs)
    z, duals, x = m.solve()
    assert z0 == pytest.approx(7.5) and z == pytest.approx(9.0)
    assert x.sum() >= 2.0 - 1e-9 and m.sigma > 0.0
    rc = m.reduced_costs(duals, sigma=m.sigma)
    assert (rc >= -1e-7).all()
    assert m.trip_rc(trips, np.array(costs), duals) == pytest.approx(rc)
    assert z == pytest.approx(float(duals.sum()) + 2 * m.sigma)


def test_kernel_data_min_trips_is_the_load_over_the_capacity_rounded_up() -> None:
    problem, cache = scored_problem(9, 5, cap=7.0)
    data = KernelData.build(problem, cache)
    assert data is not None
    assert data.min_trips() == int(np.ceil(sum(problem.weight_kg) / 7.0 - 1e-9))
    fewest = min(len(part) for part in _partitions(list(range(problem.n)))
                 if all(_fits(problem, tuple(b)) for b in part))
    assert 1 <= data.min_trips() <= fewest  # valid for every plan


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_column_generation_proves_the_brute_force_optimum(seed: int) -> None:
    problem, cache = scored_problem(8, seed)
    r = solve(problem, cache, BatchingParams(max_iterations=30), seed=seed)
    assert_feasible(problem, r.batches)
    best = _brute_force_scored(problem, cache)
    assert r.cost == pytest.approx(best)
    assert r.lower_bound is not None and r.lower_bound <= best + 1e-6
    assert r.stopped_by == "optimal"


def test_column_generation_bound_is_valid_without_a_proof() -> None:
    # Too few pricing rounds for a proof: the bound, when given, must still be below the optimum.
    problem, cache = scored_problem(9, 11, cap=12.0)
    best = _brute_force_scored(problem, cache)
    r = solve(problem, cache, BatchingParams(max_iterations=5, colgen_rounds=1), seed=0)
    assert_feasible(problem, r.batches)
    assert r.cost >= best - 1e-6
    assert r.lower_bound is None or r.lower_bound <= best + 1e-6


def test_column_generation_is_deterministic_under_max_iterations() -> None:
    problem, cache = scored_problem(14, 12, cap=10.0)
    a = solve(problem, cache, BatchingParams(max_iterations=40), seed=3)
    problem2, cache2 = scored_problem(14, 12, cap=10.0)
    b = solve(problem2, cache2, BatchingParams(max_iterations=40), seed=3)
    assert a.batches == b.batches and a.cost == b.cost and a.lower_bound == b.lower_bound


def _brute_force_scored(problem: BatchingProblem, cache: RouteCache) -> float:
    """The optimum over every partition of the items into fitting trips (exhaustive, small ``n`` only)."""
    best = float("inf")
    for part in _partitions(list(range(problem.n))):
        if all(_fits(problem, tuple(b)) for b in part):
            best = min(best, sum(_length(problem, cache, tuple(b)) for b in part))
    return best


@pytest.mark.parametrize("seed", [7, 8, 13])
def test_gap_deepening_enumeration_alone_proves_the_brute_force_optimum(monkeypatch: pytest.MonkeyPatch,
                                                                         seed: int) -> None:
    # The listing of every column under UB - LP never completes: only the gap levels can prove.
    from engine.batching import colgen

    monkeypatch.setattr(colgen, "ENUM_COLUMNS", 0)
    monkeypatch.setattr(colgen, "GAP_START", 1e-4)  # several levels before the optimum's
    problem, cache = scored_problem(9, seed, cap=10.0)
    r = solve(problem, cache, BatchingParams(max_iterations=30), seed=seed)
    assert_feasible(problem, r.batches)
    best = _brute_force_scored(problem, cache)
    assert r.cost == pytest.approx(best) and r.stopped_by == "optimal"
    assert r.lower_bound is not None and r.lower_bound <= best + 1e-6


def test_gap_deepening_enumeration_bound_is_valid_when_it_stops_short(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each level's search cut at a few nodes: no proof, and any bound it claims is below the optimum.
    from engine.batching import colgen

    monkeypatch.setattr(colgen, "ENUM_COLUMNS", 0)
    monkeypatch.setattr(colgen, "GAP_START", 1e-4)
    monkeypatch.setattr(colgen, "BB_NODES", 3)
    problem, cache = scored_problem(9, 13, cap=10.0)
    r = solve(problem, cache, BatchingParams(max_iterations=30), seed=0)
    best = _brute_force_scored(problem, cache)
    assert r.cost >= best - 1e-6
    assert r.lower_bound is None or r.lower_bound <= best + 1e-6
