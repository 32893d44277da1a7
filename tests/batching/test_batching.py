"""Batching solvers on small problems with a hand-checkable route cost."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pytest

from engine.batching import (
    BatchingParams,
    BatchingProblem,
    BatchState,
    Construction,
    RouteCache,
    first_come,
    local_search,
    neighbour_pairs,
    savings_batches,
    seed_batches,
    solve,
)
from engine.batching.setpart import TripPool
from engine.batching.zones import solve_split
from engine.model import CartSpec


def aisle_cost(pts: frozenset[int]) -> float:
    """A return-style trip: points are ``aisle * 100 + depth``; walk to the farthest aisle and
    into each visited aisle to its deepest point and back."""
    if not pts:
        return 0.0
    aisles: dict[int, int] = {}
    for p in pts:
        a, d = divmod(p, 100)
        aisles[a] = max(aisles.get(a, 0), d)
    return 2.0 * 3 * max(aisles) + 2.0 * sum(aisles.values())


def random_problem(n: int, seed: int, cart: CartSpec | None = None) -> BatchingProblem:
    rng = np.random.default_rng(seed)
    points, keys = [], []
    for _ in range(n):
        k = int(rng.integers(1, 4))
        pts = [int(rng.integers(1, 10)) * 100 + int(rng.integers(1, 30)) for _ in range(k)]
        points.append(pts)
        keys.append([p // 100 for p in pts])
    return BatchingProblem.build(points, keys, rng.uniform(1, 20, n).tolist(), rng.uniform(1, 50, n).tolist(),
                                 cart or CartSpec(totes=4, max_weight_kg=45.0, max_volume_l=120.0))


def assert_feasible(problem: BatchingProblem, batches: tuple[tuple[int, ...], ...] | list[list[int]]) -> None:
    flat = sorted(i for b in batches for i in b)
    assert flat == list(range(problem.n)), "every item exactly once"
    for b in batches:
        assert 1 <= len(b) <= problem.cart.totes
        assert problem.weight_kg[list(b)].sum() <= problem.cart.max_weight_kg + 1e-9
        assert problem.volume_l[list(b)].sum() <= problem.cart.max_volume_l + 1e-9


def total(problem: BatchingProblem, batches: Iterable[Iterable[int]]) -> float:
    return sum(aisle_cost(frozenset(q for i in b for q in problem.points[i])) for b in batches)


def test_build_rejects_item_over_cart() -> None:
    with pytest.raises(ValueError, match="exceed an empty cart"):
        BatchingProblem.build([(1,)], [(1,)], [200.0], [1.0], CartSpec())


def test_first_come_is_next_fit_under_every_capacity() -> None:
    p = BatchingProblem.build([(1,)] * 5, [(1,)] * 5, [10, 10, 30, 5, 5], [1] * 5,
                              CartSpec(totes=3, max_weight_kg=40, max_volume_l=10))
    assert first_come(p) == [[0, 1], [2, 3, 4]]
    assert first_come(p, [4, 3, 2, 1, 0]) == [[4, 3, 2], [1, 0]]


def test_savings_merges_items_of_one_aisle() -> None:
    # Two items deep in aisle 5 and one in aisle 1: savings pairs the aisle-5 items.
    p = BatchingProblem.build([(520,), (525,), (110,)], [(5,), (5,), (1,)], [1, 1, 1], [1, 1, 1],
                              CartSpec(totes=2))
    assert savings_batches(p, RouteCache(aisle_cost), 5) == [[0, 1], [2]]


def test_neighbour_pairs_only_pair_items_sharing_keys() -> None:
    p = BatchingProblem.build([(1,), (2,), (3,)], [(1, 2), (2,), (7,)], [1] * 3, [1] * 3, CartSpec())
    assert neighbour_pairs(p, 5) == [(0, 1)]


def one_aisle_problem(n: int, centroid: bool) -> BatchingProblem:
    """``n`` single-pick items in aisle 3 (as order parts split by zone are): all share one key."""
    depth = [(7 * i) % 97 + 1 for i in range(n)]
    return BatchingProblem.build([(300 + d,) for d in depth], [(3,)] * n, [1.0] * n, [1.0] * n,
                                 CartSpec(totes=8), [(3.0, float(d)) for d in depth] if centroid else None)


@pytest.mark.parametrize("centroid", [True, False])
def test_neighbour_pairs_spread_over_items_sharing_the_same_keys(centroid: bool) -> None:
    # A lowest-index tie-break gave every item the same few partners (0..k), so savings filled
    # one cart and left the rest of the aisle unpaired.
    p = one_aisle_problem(200, centroid)
    partners = {j for pair in neighbour_pairs(p, 4) for j in pair}
    assert len(partners) == p.n
    if centroid:  # the nearest in depth: every pair within a few slots
        assert all(abs(p.centroid[i, 1] - p.centroid[j, 1]) <= 3 for i, j in neighbour_pairs(p, 2))


@pytest.mark.parametrize("centroid", [True, False])
def test_savings_fills_carts_when_every_item_shares_one_aisle(centroid: bool) -> None:
    p = one_aisle_problem(200, centroid)
    batches = savings_batches(p, RouteCache(aisle_cost), 10)
    assert_feasible(p, batches)
    # 200 items, 8 totes: 25 full carts at best; the sweep merges leftover carts whole (next fit)
    assert len(batches) == 25 if centroid else len(batches) <= 30


def test_centroid_must_have_one_row_per_item() -> None:
    with pytest.raises(ValueError, match="centroid must have shape"):
        BatchingProblem.build([(1,), (2,)], [(1,), (1,)], [1, 1], [1, 1], CartSpec(), [(0.0, 0.0)])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_constructions_are_feasible(seed: int) -> None:
    p = random_problem(60, seed)
    for batches in (first_come(p), seed_batches(p), savings_batches(p, RouteCache(aisle_cost), 6)):
        assert_feasible(p, batches)


def test_state_keeps_costs_exact_under_moves() -> None:
    p = random_problem(40, 3)
    state = BatchState(p, RouteCache(aisle_cost), first_come(p))
    rng = np.random.default_rng(0)
    for _ in range(200):
        i = int(rng.integers(p.n))
        _, b = state.best_insertion(i, 4)
        state.remove(i)
        state.place(i, b)
        assert state.total == pytest.approx(state.recomputed_total())
    assert_feasible(p, state.batches())


def test_local_search_never_worsens() -> None:
    p = random_problem(50, 4)
    state = BatchState(p, RouteCache(aisle_cost), first_come(p))
    start = state.total
    local_search(state, 6)
    assert state.total <= start + 1e-9
    assert state.total == pytest.approx(total(p, state.batches()))
    assert_feasible(p, state.batches())


def test_solve_beats_first_come_and_reports_its_cost() -> None:
    p = random_problem(80, 5)
    r = solve(p, aisle_cost, BatchingParams(max_iterations=300), seed=1)
    assert_feasible(p, r.batches)
    assert r.cost == pytest.approx(total(p, r.batches))
    assert r.cost <= r.descent_cost + 1e-9 <= r.construction_cost + 1e-9
    assert r.cost < total(p, first_come(p))
    assert r.stopped_by == "iterations" and r.iterations == 300


def test_same_seed_same_batches_and_iterations_never_read_the_clock() -> None:
    p = random_problem(70, 6)

    def clock() -> float:
        raise AssertionError("the clock must not be read when max_iterations is set")

    params = BatchingParams(max_iterations=150)
    a = solve(p, aisle_cost, params, seed=7, clock=clock)
    b = solve(p, aisle_cost, params, seed=7, clock=clock)
    assert a == b


def test_time_limit_stops_the_search() -> None:
    p = random_problem(60, 8)
    ticks = itertools.count()
    r = solve(p, aisle_cost, BatchingParams(time_limit_s=2.0), clock=lambda: float(next(ticks)) * 0.01)
    assert r.stopped_by == "time"
    assert_feasible(p, r.batches)


def test_zone_split_solves_each_problem_with_its_own_cost() -> None:
    p1, p2 = random_problem(20, 9), random_problem(30, 10)
    costs = [RouteCache(aisle_cost), RouteCache(lambda pts: 2 * aisle_cost(pts))]
    r1, r2 = solve_split([p1, p2], costs, BatchingParams(max_iterations=100, set_partitioning=False), seed=3)
    assert_feasible(p1, r1.batches)
    assert_feasible(p2, r2.batches)
    assert r1.iterations + r2.iterations == 100
    assert r2.cost == pytest.approx(2 * total(p2, r2.batches))


def test_single_tote_cart_gives_one_item_per_batch() -> None:
    p = random_problem(15, 11, CartSpec(totes=1, max_weight_kg=100, max_volume_l=100))
    r = solve(p, aisle_cost, BatchingParams(max_iterations=20, construction=Construction.SEED))
    assert all(len(b) == 1 for b in r.batches)
    assert_feasible(p, r.batches)


def test_params_are_validated() -> None:
    with pytest.raises(ValueError):
        BatchingParams(time_limit_s=0)
    with pytest.raises(ValueError):
        BatchingParams(candidate_batches=0)


def test_savings_cut_short_still_batches_every_item_feasibly() -> None:
    from engine.batching.construction import aisle_sweep

    p = random_problem(120, 7)
    calls = iter(range(10**6))
    cut = savings_batches(p, RouteCache(aisle_cost), 5, stop=lambda: next(calls) >= 3)
    assert_feasible(p, cut)
    full = savings_batches(p, RouteCache(aisle_cost), 5)
    assert_feasible(p, full)
    # The sweep only merges part-full batches, in aisle order.
    swept = aisle_sweep(p, [[i] for i in range(p.n)])
    assert_feasible(p, swept)
    assert len(swept) < p.n and total(p, swept) < total(p, [[i] for i in range(p.n)])


def test_neighbour_pairs_by_rank_is_the_same_set() -> None:
    p = random_problem(80, 2)
    by_rank = neighbour_pairs(p, 4, by_rank=True)
    assert sorted(by_rank) == neighbour_pairs(p, 4) and len(set(by_rank)) == len(by_rank)


def batch_cost(sets: Iterable[frozenset[int]]) -> list[float]:
    """:func:`aisle_cost` of each set (a batch scorer for :meth:`RouteCache.prefetch`)."""
    return [aisle_cost(s) for s in sets]


def plain_descent(state: BatchState, k: int, max_passes: int, items: list[int] | None = None) -> int:
    """The descent of :func:`local_search` looking at every item in every pass (no record of unchanged items)."""
    moves = 0
    for _ in range(max_passes):
        before = moves
        for i in range(state.p.n) if items is None else items:
            a = int(state.batch_of[i])
            gain = state.removal_gain(i)
            if gain <= 1e-9:
                continue
            cands = state.candidates(i, k, exclude=a)
            full, moved = [], False
            for b in cands:
                if not state.fits(b, (i,)):
                    full.append(b)
                elif state.insertion_delta(i, b) < gain - 1e-9:
                    state.move(i, b)
                    moves, moved = moves + 1, True
                    break
            if moved:
                continue
            keys_a = {key for j in state.members[a] if j != i for key in state.p.keys[j]}
            for b in [b for b in cands[:2] if b in full]:
                for j in sorted(state.members[b]):
                    if not (state.p.keys[j] & keys_a) or not (state.fits(b, (i,), (j,)) and state.fits(a, (j,), (i,))):
                        continue
                    if (state.cache(state.points_with(a, (j,), (i,))) + state.cache(state.points_with(b, (i,), (j,)))
                            < state.cost[a] + state.cost[b] - 1e-9):
                        state.move(i, b)
                        state.move(j, a)
                        moves, moved = moves + 1, True
                        break
                if moved:
                    break
        if moves == before:
            break
    return moves


def descent_problem(seed: int) -> tuple[BatchingProblem, list[list[int]]]:
    """A random problem (few dense or many sparse keys, some items of two totes) and a poor start."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 250))
    n_keys = int(rng.choice([6, 40, 700]))  # 700 keys: the key index instead of the dense counts
    points = [[int(rng.integers(1, 10)) * 100 + int(rng.integers(1, 30)) for _ in range(int(rng.integers(1, 4)))]
              for _ in range(n)]
    keys = [[(p // 100 * 7 + int(rng.integers(7))) % n_keys for p in pts] for pts in points]
    totes = [int(t) for t in rng.integers(1, 3, n)] if seed % 2 else None
    p = BatchingProblem.build(points, keys, rng.uniform(1, 20, n).tolist(), rng.uniform(1, 50, n).tolist(),
                              CartSpec(totes=int(rng.integers(3, 7)), max_weight_kg=60.0, max_volume_l=150.0),
                              totes=totes)
    order = [int(i) for i in rng.permutation(n)]
    return p, [order[i:i + 2] for i in range(0, n, 2)]


@pytest.mark.parametrize("seed", range(24))
def test_local_search_makes_the_moves_of_looking_at_every_item_every_pass(seed: int) -> None:
    p, start = descent_problem(seed)
    k, passes = (1, 2, 3, 8)[seed % 4], (1, 3, 50)[seed % 3]
    items = None if seed % 5 else list(range(0, p.n, 2))
    runs = []
    for descent in (local_search, None):
        # local_search scores each look's trips in one batch call (prefetch), as behind the compiled scorer
        cache = (RouteCache(aisle_cost, batch_cost, scorer=object()) if descent is not None  # type: ignore[arg-type]
                 else RouteCache(aisle_cost))
        state = BatchState(p, cache, start)
        state.seen = TripPool(10_000)
        moves = (local_search(state, k, max_passes=passes, items=items) if descent is not None
                 else plain_descent(state, k, passes, items))
        runs.append((moves, state.batches(), state.total, cache.evaluations, state.seen.trips))
    assert runs[0] == runs[1]


class Lookups:
    """A route cache that counts the lengths asked of it (``looked[0]``)."""

    def __init__(self, memo: RouteCache, looked: list[int]) -> None:
        self.memo, self.looked = memo, looked

    def __call__(self, pts: frozenset[int]) -> float:
        self.looked[0] += 1
        return self.memo(pts)

    def prefetch(self, sets: Iterable[frozenset[int]]) -> None:
        self.memo.prefetch(sets)


def test_local_search_does_not_look_again_at_items_whose_batches_did_not_change() -> None:
    # A long descent: its late passes change few batches, so most items are not scored again.
    p, start = descent_problem(0)
    lookups = []
    for descent in (local_search, None):
        calls = [0]

        def counted(pts: frozenset[int], calls: list[int] = calls) -> float:
            calls[0] += 1
            return aisle_cost(pts)

        state = BatchState(p, RouteCache(counted), start)
        looked = [0]
        state.cache = Lookups(state.cache, looked)  # type: ignore[assignment]
        moves = local_search(state, 8, max_passes=50) if descent is not None else plain_descent(state, 8, 50)
        assert moves > 0
        lookups.append((looked[0], calls[0]))
    assert lookups[0][1] == lookups[1][1]  # the same trips scored
    assert lookups[0][0] < 0.8 * lookups[1][0]  # far fewer looked up again


def test_local_search_on_some_items_moves_only_those() -> None:
    p = random_problem(60, 4)
    state = BatchState(p, RouteCache(aisle_cost), first_come(p))
    before = state.batch_of.copy()
    local_search(state, 8, max_passes=1, items=[0, 1, 2, 3])
    moved = set(np.flatnonzero(state.batch_of != before).tolist())
    # In one pass each listed item moves at most once; a swap moves one other item with it.
    assert state.total <= total(p, first_come(p)) + 1e-9
    assert len(moved - {0, 1, 2, 3}) <= 4


def test_solve_split_over_processes_equals_serial_under_an_iteration_limit() -> None:
    p1, p2, p3 = random_problem(25, 12), random_problem(30, 13), random_problem(20, 14)
    params = BatchingParams(max_iterations=60)
    serial = solve_split([p1, p2, p3], [RouteCache(aisle_cost)] * 3, params, seed=5)
    pooled = solve_split([p1, p2, p3], [RouteCache(aisle_cost) for _ in range(3)], params, seed=5, workers=2)
    assert [r.batches for r in serial] == [r.batches for r in pooled]
    assert [r.cost for r in serial] == [r.cost for r in pooled]


def test_partition_by_keys_cuts_aisle_bands_of_equal_size() -> None:
    from engine.batching.zones import partition_by_keys

    p = random_problem(101, 15)
    regions = partition_by_keys(p, 3)
    assert sorted(int(i) for r in regions for i in r) == list(range(p.n))
    assert sorted(len(r) for r in regions) == [33, 34, 34]
    centre = [np.mean([np.mean(list(p.keys[int(i)])) for i in r]) for r in regions]
    assert centre == sorted(centre)


@pytest.mark.parametrize("module", ["engine.batching", "engine.batching.construction", "engine.batching.problem",
                                    "engine.batching.search", "engine.batching.setpart", "engine.batching.zones",
                                    "engine.commands.plan", "engine.wave.parallel"])
def test_docstring_examples(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0


def test_prefetched_lengths_count_as_evaluations_only_when_asked_for() -> None:
    single: list[frozenset[int]] = []
    batched: list[list[frozenset[int]]] = []

    def one(pts: frozenset[int]) -> float:
        single.append(pts)
        return aisle_cost(pts)

    def many(sets: Iterable[frozenset[int]]) -> list[float]:
        batched.append(list(sets))
        return batch_cost(sets)

    cache = RouteCache(one, many, scorer=object())  # type: ignore[arg-type]
    a, b, c = frozenset({101, 205}), frozenset({302}), frozenset({404, 101})
    cache(a)
    cache.prefetch([a, b, c, b])  # a is cached: only b and c are scored, in one call
    assert batched == [[b, c]] and cache.evaluations == 1
    assert cache(b) == aisle_cost(b) and cache.evaluations == 2 and single == [a]
    cache.prefetch([frozenset({505}), frozenset({606})])  # c, never asked for, is dropped
    assert cache(c) == aisle_cost(c) and single == [a, c] and cache.evaluations == 3
    plain = RouteCache(one, many)  # without a compiled scorer prefetch does nothing
    plain.prefetch([b, c])
    assert len(batched) == 2 and plain.evaluations == 0
