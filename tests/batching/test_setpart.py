"""The trip pool, set partitioning and the proven optimum of small problems."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from engine.batching import BatchingParams, BatchingProblem, solve
from engine.batching.setpart import TripPool, enumerate_trips, set_partition_mip
from engine.model import CartSpec

from .test_batching import aisle_cost, assert_feasible, random_problem, total


def _fits(p: BatchingProblem, items: tuple[int, ...]) -> bool:
    return (p.tote_count(items) <= p.cart.totes and p.weight_kg[list(items)].sum() <= p.cart.max_weight_kg + 1e-9
            and p.volume_l[list(items)].sum() <= p.cart.max_volume_l + 1e-9)


def _partitions(items: list[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for k in range(len(rest) + 1):
        for others in itertools.combinations(rest, k):
            left = [i for i in rest if i not in others]
            for tail in _partitions(left):
                yield [[first, *others], *tail]


def _brute_force(p: BatchingProblem) -> float:
    best = float("inf")
    for part in _partitions(list(range(p.n))):
        if all(_fits(p, tuple(b)) for b in part):
            best = min(best, total(p, part))
    return best


def test_enumerate_trips_lists_exactly_the_feasible_subsets() -> None:
    p = random_problem(9, 21)
    got = enumerate_trips(p, 10**6)
    assert got is not None
    want = {c for k in range(1, p.n + 1) for c in itertools.combinations(range(p.n), k) if _fits(p, c)}
    assert sorted(got) == sorted(want)
    assert enumerate_trips(p, len(want) - 1) is None


def test_enumerate_trips_counts_totes() -> None:
    base = random_problem(9, 22)
    p = BatchingProblem.build(base.points, [sorted(k) for k in base.keys], base.weight_kg.tolist(),
                              base.volume_l.tolist(), base.cart, totes=[1, 2, 1, 3, 1, 1, 2, 1, 1])
    got = enumerate_trips(p, 10**6)
    want = {c for k in range(1, p.n + 1) for c in itertools.combinations(range(p.n), k) if _fits(p, c)}
    assert got is not None and sorted(got) == sorted(want)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_solve_proves_the_brute_force_optimum(seed: int) -> None:
    p = random_problem(8, 30 + seed)
    r = solve(p, aisle_cost, BatchingParams(max_iterations=50), seed=seed)
    assert_feasible(p, r.batches)
    assert r.cost == pytest.approx(_brute_force(p))
    assert r.stopped_by == "optimal" and r.lower_bound == pytest.approx(r.cost)


def test_bound_is_never_above_the_optimum_and_the_cost_never_below() -> None:
    p = random_problem(9, 40, CartSpec(totes=3, max_weight_kg=40.0, max_volume_l=120.0))
    best = _brute_force(p)
    # a complete pool with little time: whatever the MIP reaches, the bound stays valid
    pool = TripPool(10**6)
    trips = enumerate_trips(p, 10**6)
    assert trips is not None
    for t in trips:
        pool.add(t, aisle_cost(frozenset(q for i in t for q in p.points[i])))
    singles = [(i,) for i in range(p.n)]
    for nodes in (1, 5, 1000):
        res = set_partition_mip(p.n, pool, singles, None, max_nodes=nodes)
        assert res is not None
        assert res.cost >= best - 1e-6
        assert res.bound is None or res.bound <= best + 1e-6
        assert res.lp <= best + 1e-6


def test_pool_partition_never_worse_than_the_incumbent() -> None:
    p = random_problem(40, 41)
    pool = TripPool(100)
    inc = [(i,) for i in range(p.n)]
    for t in inc:
        pool.add(t, aisle_cost(frozenset(p.points[t[0]])))
    res = set_partition_mip(p.n, pool, inc, None, max_nodes=10)
    assert res is not None and res.cost == pytest.approx(total(p, inc))
    with pytest.raises(ValueError, match="in the pool"):
        set_partition_mip(p.n, TripPool(10), inc, None)


def test_pool_search_is_deterministic_and_feasible() -> None:
    # too many trips to list: the pool of trips seen by the search, partitioned by a node-limited MIP
    p = random_problem(60, 42, CartSpec(totes=6, max_weight_kg=80.0, max_volume_l=300.0))
    params = BatchingParams(max_iterations=400, enumerate_limit=10)
    a = solve(p, aisle_cost, params, seed=5)
    b = solve(p, aisle_cost, params, seed=5)
    assert a == b
    assert_feasible(p, a.batches)
    assert a.lower_bound is None and a.stopped_by == "iterations"


def test_set_partitioning_skipped_above_its_size() -> None:
    p = random_problem(30, 43)
    r = solve(p, aisle_cost, BatchingParams(max_iterations=50, partition_max_items=10), seed=0)
    assert r.lower_bound is None
    assert_feasible(p, r.batches)
