"""Exact re-batching of close trips: never longer, strictly better where a group splits badly, reproducible."""

from __future__ import annotations

import pytest

from engine.batching import rebatch
from engine.batching.colgen import KernelData
from engine.batching.problem import BatchingProblem, RouteCache

from .test_batching import assert_feasible
from .test_colgen import _brute_force_scored, _length, scored_problem


def _cost(problem: BatchingProblem, cache: RouteCache, plan: list[tuple[int, ...]]) -> float:
    return sum(_length(problem, cache, b) for b in plan)


def _bad_plan(problem: BatchingProblem, size: int) -> list[tuple[int, ...]]:
    """Items in release order, ``size`` a trip while they fit (a plan no route knowledge went into)."""
    plan: list[tuple[int, ...]] = []
    cur: list[int] = []
    for i in range(problem.n):
        w = float(problem.weight_kg[[*cur, i]].sum())
        if len(cur) >= size or w > problem.cart.max_weight_kg:
            plan.append(tuple(cur))
            cur = []
        cur.append(i)
    plan.append(tuple(cur))
    return plan


@pytest.mark.parametrize("seed", [1, 2])
def test_rebatch_is_never_longer_and_reaches_the_optimum_of_a_small_problem(seed: int) -> None:
    # Three trips of three (a cart holds 15 units, an order at most 5): the one group of three trips
    # holds every item, so its exact sub-problem is the whole problem.
    problem, cache = scored_problem(9, seed, cap=15.0)
    kernel = KernelData.build(problem, cache)
    assert kernel is not None
    plan = _bad_plan(problem, 3)
    assert len(plan) == rebatch.MIN_TRIPS
    res = rebatch.rebatch(problem, cache, plan, {}, kernel, None, max_groups=4)
    assert_feasible(problem, tuple(res.batches))
    assert res.cost == pytest.approx(_cost(problem, cache, res.batches))
    assert res.cost <= _cost(problem, cache, plan) + 1e-9
    assert res.groups >= 1
    assert res.cost == pytest.approx(_brute_force_scored(problem, cache))
    for trip, length in res.seen.items():  # every trip returned is scored exactly
        assert length == pytest.approx(_length(problem, cache, trip))


def test_rebatch_improves_a_poor_plan_group_by_group_and_reproducibly() -> None:
    problem, cache = scored_problem(40, 5, cap=10.0)
    kernel = KernelData.build(problem, cache)
    assert kernel is not None
    plan = _bad_plan(problem, 4)
    a = rebatch.rebatch(problem, cache, plan, {}, kernel, None, max_groups=6)
    problem2, cache2 = scored_problem(40, 5, cap=10.0)
    kernel2 = KernelData.build(problem2, cache2)
    assert kernel2 is not None
    b = rebatch.rebatch(problem2, cache2, plan, {}, kernel2, None, max_groups=6)
    assert_feasible(problem, tuple(a.batches))
    assert a.improved >= 1
    assert a.cost < _cost(problem, cache, plan) - 1.0
    assert a.batches == b.batches and a.cost == b.cost and a.groups == b.groups == 6


def test_groups_are_close_trips_within_the_order_limit() -> None:
    problem, cache = scored_problem(40, 6, cap=10.0)
    plan = _bad_plan(problem, 4)
    groups = rebatch.groups_by_proximity(problem, cache, plan, 3)
    assert groups
    for g in groups:
        assert len(g) == 3 and len(set(g)) == 3
        assert sum(len(plan[k]) for k in g) <= rebatch.MAX_ITEMS


def test_worth_it_only_for_full_trips() -> None:
    assert not rebatch.worth_it([(0, 1), (2, 3), (4,), (5, 6)])
    assert not rebatch.worth_it([tuple(range(k, k + 6)) for k in range(0, 30, 6)])  # too few trips
    assert rebatch.worth_it([tuple(range(k, k + 6)) for k in range(0, 6 * rebatch.MIN_PLAN_TRIPS, 6)])
