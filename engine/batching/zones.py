"""Zone split: independent batching problems (one per zone) under one budget.

Under the ``zone`` method each zone has its own picker and depot, so the
problems do not interact; they are solved one after another, each getting a
share of the iterations (or of the time left) proportional to its items.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from engine.batching.problem import BatchingParams, BatchingProblem, BatchingResult, RouteCache, RouteCost
from engine.batching.search import Progress, solve


def solve_split(
    problems: Sequence[BatchingProblem],
    costs: Sequence[RouteCost | RouteCache],
    params: BatchingParams,
    seed: int = 0,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> list[BatchingResult]:
    """Solve each problem with its own cost; budget shared by item count.

    Problem ``k`` runs with seed ``seed + k``. With ``params.max_iterations`` set,
    problem ``k`` gets ``round(max_iterations * n_k / n)`` iterations and the clock
    is never read; otherwise it gets the time left times ``n_k / (items left)``.
    """
    if len(problems) != len(costs):
        raise ValueError("one cost per problem")
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
