"""Independent work of a wave spread over processes: final routes, and whole groups.

Final routes of the batches are independent per batch, so they go to a
process pool in a few large chunks (one round trip per chunk; the layout is
sent once per worker). Results come back
in input order and equal the serial ones: :func:`engine.routing.solve` is
deterministic.

Small jobs (fewer than :data:`MIN_POOL_JOBS`) or ``workers <= 1`` run in this
process: a pool costs a few hundred milliseconds to start. Every worker dies
with the process that started it (:func:`engine.lifetime.die_with_parent`):
killing ``pickwave plan`` leaves no worker behind.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

from engine.layout import Layout
from engine.lifetime import die_with_parent
from engine.routing import Route, RoutingParams
from engine.routing import solve as route_solve

#: Below this many routes a pool does not pay for its start-up.
MIN_POOL_JOBS = 200
#: Chunks per worker: a few, so that a slow chunk does not leave a core idle for long.
CHUNKS_PER_WORKER = 4

if TYPE_CHECKING:  # types only: the pipeline imports this module, never the other way
    from engine.wave.pipeline import GroupPlan, WavePrep

_layout: Layout | None = None
_params: RoutingParams | None = None


def _init(layout: Layout, params: RoutingParams) -> None:
    global _layout, _params
    _layout, _params = layout, params


def _init_worker(layout: Layout, params: RoutingParams) -> None:
    die_with_parent()
    _init(layout, params)


def _solve_chunk(jobs: Sequence[tuple[Sequence[Hashable], str | None]]) -> list[Route]:
    assert _layout is not None and _params is not None
    return [route_solve(_layout, list(points), _params, zone) for points, zone in jobs]


def _chunks(n: int, workers: int) -> list[slice]:
    size = max(1, -(-n // (workers * CHUNKS_PER_WORKER)))
    return [slice(i, i + size) for i in range(0, n, size)]


def _pool(layout: Layout, params: RoutingParams, workers: int) -> ProcessPoolExecutor:
    # fork: the workers inherit the imported engine (and its warm caches) instead of re-importing it.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init_worker,
                               initargs=(layout, params))


def route_many(
    layout: Layout,
    jobs: Sequence[tuple[Sequence[Hashable], str | None]],
    params: RoutingParams,
    workers: int = 1,
) -> list[Route]:
    """:func:`engine.routing.solve` on each ``(points, zone_id)``, over ``workers`` processes.

    Examples
    --------
    >>> from engine.layout import RectangularLayout
    >>> lay = RectangularLayout("t", blocks=1, aisles=3, slots_per_side=5, slot_length_m=1.0,
    ...                         aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> [r.length_m for r in route_many(lay, [([lay.point("A01-B1-S001-L")], None)], RoutingParams())]
    [3.0]
    """
    if workers <= 1 or len(jobs) < MIN_POOL_JOBS:
        _init(layout, params)
        return _solve_chunk(jobs)
    with _pool(layout, params, workers) as pool:
        parts = pool.map(_solve_chunk, [jobs[s] for s in _chunks(len(jobs), workers)])
        return [r for part in parts for r in part]


#: The prepared wave and the group planner of the running :func:`plan_groups` pool; forked workers inherit them.
_prep: list[tuple[Callable[[WavePrep, int], GroupPlan], WavePrep]] = []


def _plan_one(index: int) -> GroupPlan:
    plan, prep = _prep[0]
    return plan(prep, index)


def plan_groups(plan: Callable[[WavePrep, int], GroupPlan], prep: WavePrep, indices: Sequence[int],
                workers: int = 1) -> list[GroupPlan]:
    """``plan(prep, k)`` (:func:`engine.wave.pipeline.plan_group`) of each index, over ``workers`` forked processes.

    The planner is passed in, so this module never imports the pipeline that
    calls it. Largest groups first, so that the last to finish is a small one;
    results in ``indices`` order, equal to the serial ones (a group's plan
    depends only on ``prep`` and its index). Without ``fork`` (or with one
    worker) they run here.
    """
    if workers <= 1 or len(indices) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [plan(prep, k) for k in indices]
    _prep[:] = [(plan, prep)]
    try:
        order = sorted(indices, key=lambda k: (-len(prep.groups[k]), k))
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=min(workers, len(indices)), mp_context=ctx,
                                 initializer=die_with_parent) as pool:
            done = dict(zip(order, pool.map(_plan_one, order), strict=True))
    finally:
        _prep.clear()
    return [done[k] for k in indices]
