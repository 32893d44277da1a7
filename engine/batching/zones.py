"""Independent batching problems (zones, or regions of a huge wave) under one budget.

Under the ``zone`` method each zone has its own picker and depot, so the
problems do not interact; a huge wave is also cut into aisle regions
(:func:`partition_by_keys`) whose problems are solved apart. Problems are
solved one after another, each getting a share of the iterations (or of the
time left) proportional to its items, or over ``workers`` processes at once.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import numpy as np

from engine.batching.problem import BatchingParams, BatchingProblem, BatchingResult, RouteCache, RouteCost
from engine.batching.search import Progress, solve
from engine.lifetime import die_with_parent

#: The jobs of the running :func:`solve_split` pool; forked workers inherit them (costs are closures).
_JOBS: list[tuple[BatchingProblem, RouteCost | RouteCache, BatchingParams, int]] = []


def _solve_job(k: int) -> BatchingResult:
    problem, cost, params, seed = _JOBS[k]
    return solve(problem, cost, params, seed)


def _shares(problems: Sequence[BatchingProblem], params: BatchingParams, workers: int) -> list[BatchingParams]:
    """Per-problem params when solved at once: iterations by item share; time so that no worker overruns."""
    return group_shares([p.n for p in problems], params, max(2, workers))


def group_shares(sizes: Sequence[int], params: BatchingParams, workers: int = 1) -> list[BatchingParams]:
    """Each of several problems' params under one budget, by item count.

    With ``params.max_iterations`` set, problem ``k`` of ``n_k`` items gets
    ``round(max_iterations * n_k / n)`` iterations (whatever ``workers``). Else
    one worker gets ``time_limit_s * n_k / n``; ``workers > 1`` processes running
    them at once get ``time_limit_s * n_k / (rounds * n_max)`` with
    ``rounds = ceil(problems / workers)``, so that no worker runs over the limit
    whatever the order the problems are taken in.

    >>> [p.max_iterations for p in group_shares([30, 10], BatchingParams(max_iterations=100))]
    [75, 25]
    >>> [p.time_limit_s for p in group_shares([30, 10], BatchingParams(time_limit_s=4.0), workers=2)]
    [4.0, 1.3333333333333333]
    """
    total = max(1, sum(sizes))
    if params.max_iterations is not None:
        return [replace(params, max_iterations=round(params.max_iterations * n / total)) for n in sizes]
    if workers <= 1:
        return [replace(params, time_limit_s=max(params.time_limit_s * n / total, 1e-3)) for n in sizes]
    rounds = -(-len(sizes) // workers)
    largest = max(1, max(sizes, default=1))
    return [replace(params, time_limit_s=max(params.time_limit_s * n / (rounds * largest), 1e-3)) for n in sizes]


def solve_split(
    problems: Sequence[BatchingProblem],
    costs: Sequence[RouteCost | RouteCache],
    params: BatchingParams,
    seed: int = 0,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    workers: int = 1,
) -> list[BatchingResult]:
    """Solve each problem with its own cost; budget shared by item count.

    Problem ``k`` runs with seed ``seed + k``. With ``params.max_iterations`` set,
    problem ``k`` gets ``round(max_iterations * n_k / n)`` iterations and the clock
    is never read; otherwise it gets the time left times ``n_k / (items left)``.
    With ``workers > 1`` (and a platform that forks) the problems run in a process
    pool, problem ``k`` getting ``n_k / (rounds * n_max)`` of the time limit
    (``rounds = ceil(problems / workers)``), so that no worker runs over it; with
    an iteration limit the result is the same as with one worker.
    """
    if len(problems) != len(costs):
        raise ValueError("one cost per problem")
    if workers > 1 and len(problems) > 1 and "fork" in multiprocessing.get_all_start_methods():
        return _solve_pool(problems, costs, params, seed, progress, workers)
    total = sum(p.n for p in problems)
    start = clock() if params.max_iterations is None else 0.0
    left = total
    done = 0
    results: list[BatchingResult] = []
    for k, (problem, cost) in enumerate(zip(problems, costs, strict=True)):
        share = problem.n / max(1, left)
        if params.max_iterations is not None:
            sub = replace(params, max_iterations=round(params.max_iterations * problem.n / max(1, total)))
        else:
            remaining = max(params.time_limit_s - (clock() - start), 1e-3)
            sub = replace(params, time_limit_s=max(remaining * share, 1e-3))

        def scaled(stage: str, frac: float, base: int = done, n: int = problem.n) -> None:
            if progress is not None:
                progress(stage, (base + frac * n) / max(1, total))

        results.append(solve(problem, cost, sub, seed + k, scaled if progress else None, clock))
        done += problem.n
        left -= problem.n
    return results


def _solve_pool(
    problems: Sequence[BatchingProblem],
    costs: Sequence[RouteCost | RouteCache],
    params: BatchingParams,
    seed: int,
    progress: Progress | None,
    workers: int,
) -> list[BatchingResult]:
    subs = _shares(problems, params, workers)
    _JOBS[:] = [(p, c, s, seed + k) for k, (p, c, s) in enumerate(zip(problems, costs, subs, strict=True))]
    if progress is not None:
        progress("construction", 0.0)
    try:
        # Largest problems first, so that the last one to finish is a small one.
        order = sorted(range(len(problems)), key=lambda k: (-problems[k].n, k))
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(problems)), mp_context=ctx,
                                 initializer=die_with_parent) as pool:
            solved = dict(zip(order, pool.map(_solve_job, order), strict=True))
    finally:
        _JOBS.clear()
    if progress is not None:
        progress("search", 1.0)
    return [solved[k] for k in range(len(problems))]


def partition_by_keys(problem: BatchingProblem, parts: int) -> list[np.ndarray]:
    """Cut the items into ``parts`` regions of (nearly) equal size by their mean key (aisle).

    Items are sorted by ``(mean key, index)`` and cut into consecutive runs, so
    each region covers a band of neighbouring aisles; a batch never spans two
    regions. Returns sorted item indices per region. O(n log n).

    >>> from engine.model import CartSpec
    >>> p = BatchingProblem.build([(0,)] * 4, [(9,), (1,), (8,), (2,)], [1] * 4, [1] * 4, CartSpec(totes=2))
    >>> [r.tolist() for r in partition_by_keys(p, 2)]
    [[1, 3], [0, 2]]
    """
    centre = np.array([float(np.mean(list(k))) if k else 0.0 for k in problem.keys])
    order = np.lexsort((np.arange(problem.n), centre))
    return [np.sort(chunk) for chunk in np.array_split(order, max(1, min(parts, problem.n))) if chunk.size]
