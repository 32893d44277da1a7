"""Exact re-batching of a few close trips: column generation on the sub-problem of their orders.

Where a plan's trips hold many orders each (a capacity-75 Henn & Waescher
instance: 5-7), the column MIP over a few thousand columns covers a sliver
of the trips that could matter, and a local search that moves one or two
orders at a time stops in plans that a different split of the same 20-40
orders beats. This module takes groups of 3-9 trips (at most
:data:`MAX_ITEMS` orders), solves the sub-problem of their orders with
:func:`engine.batching.colgen.column_generation` (pricing, cuts, branch and
bound, HiGHS) in a short box, and replaces the group's trips when the
sub-problem's plan is strictly shorter, every length exact (the same
:class:`RouteCache`). Groups come first from the set-covering LP over the
known trips (:func:`groups_from_lp`: the plan's trips that hold the orders
of an LP trip not in the plan), then by proximity
(:func:`groups_by_proximity`: the trips whose merge saves most route, i.e.
share most aisles), widened by a trip once every group of a size is as good
as it gets; a group is not solved again while its trips are unchanged.
Every trip a sub-problem scores is returned, so that the caller's column MIP
can use it.

Under ``max_rounds`` (no clock) every sub-problem gets a fixed number of
pricing rounds and branch-and-bound nodes and the number of groups is fixed:
the result depends only on the data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.batching.colgen import KernelData, Master, column_generation
from engine.batching.problem import BatchingProblem, RouteCache

log = logging.getLogger(__name__)

#: Most orders of one sub-problem (column generation on 20-30 orders often proves in a second or two).
MAX_ITEMS = 60
#: Trips per group: first this many, widened by one (up to MAX_TRIPS) once no group of that size improves.
MIN_TRIPS = 3
MAX_TRIPS = 9
#: Wall-clock box of one sub-problem (seconds) and its shares for pricing and the dive (the rest: the MIP).
SUB_SECONDS = 1.5
SUB_PRICE_SHARE = 0.5
SUB_DIVE_SHARE = 0.6
#: Trips of at least this LP value that are not in the plan name the groups :func:`groups_from_lp` makes.
LP_MIN_VALUE = 0.1
#: Under ``max_rounds``: pricing rounds and MIP nodes of one sub-problem.
SUB_ROUNDS = 20
SUB_NODES = 20
#: A plan is rebatched only when its trips hold at least this many orders on average and it has at least
#: MIN_PLAN_TRIPS trips: else the column MIP over the whole problem covers the trips that matter and the
#: time is better spent there (Henn & Waescher, 30 s: capacity 75 at 50 orders, 10 trips, got worse with
#: re-batching, 0.11 -> 0.58 % and 0.03 -> 0.61 %, at 60 orders, 11 trips, better, 0.15 -> 0.05 % and
#: 0.46 -> 0.30 %; capacity 60, 4.0-4.4 orders a trip, is left to the MIP).
MIN_MEAN_ORDERS = 4.5
MIN_PLAN_TRIPS = 11

EPS = 1e-6


@dataclass(frozen=True, slots=True)
class RebatchResult:
    """The plan after re-batching, its length, the trips the sub-problems scored and the groups solved."""

    batches: list[tuple[int, ...]]
    cost: float
    seen: dict[tuple[int, ...], float]
    groups: int
    improved: int


def worth_it(batches: Sequence[Sequence[int]]) -> bool:
    """Whether a plan's trips are full and many enough for re-batching to pay (:data:`MIN_MEAN_ORDERS`)."""
    if len(batches) < max(MIN_PLAN_TRIPS, MIN_TRIPS + 1):
        return False
    return sum(len(b) for b in batches) / len(batches) >= MIN_MEAN_ORDERS


def groups_by_proximity(problem: BatchingProblem, cache: RouteCache, batches: Sequence[tuple[int, ...]],
                        size: int) -> list[tuple[int, ...]]:
    """Groups of ``size`` trips (indices into ``batches``), one seeded at each trip, closest first.

    A group grows from its seed by the trip whose merge with the group's
    points saves most route length (``length(group) + length(trip) -
    length(union)``: what their shared aisles are worth), while the group
    holds at most :data:`MAX_ITEMS` orders. Duplicates are dropped; the
    groups come in decreasing order of their saving per trip.
    """
    pts = [problem.trip_points(b) for b in batches]
    out: dict[tuple[int, ...], float] = {}
    for seed in range(len(batches)):
        group = [seed]
        union = pts[seed]
        count = len(batches[seed])
        saving = 0.0
        while len(group) < size:
            cands = [j for j in range(len(batches)) if j not in group and count + len(batches[j]) <= MAX_ITEMS]
            if not cands:
                break
            here = cache(union)
            unions = [union | pts[j] for j in cands]
            lengths = cache.lengths(unions)
            gains = [here + cache(pts[j]) - u for j, u in zip(cands, lengths, strict=True)]
            k = int(np.argmax(gains))  # first of the largest: deterministic
            group.append(cands[k])
            union = unions[k]
            count += len(batches[cands[k]])
            saving += gains[k]
        if len(group) == size:
            key = tuple(sorted(group))
            out.setdefault(key, saving / size)
    return sorted(out, key=lambda g: (-out[g], g))


def lp_trips(problem: BatchingProblem, cache: RouteCache, batches: Sequence[tuple[int, ...]],
             columns: dict[tuple[int, ...], float], kernel: KernelData) -> list[tuple[int, ...]]:
    """The trips of value at least :data:`LP_MIN_VALUE` in the set-covering LP over ``columns``, heaviest first.

    The LP over the known trips (the column generation's master, with its
    trip-count row) is close to the optimum where a plan may not be: its
    trips show which orders it would put together.
    """
    master = Master(problem.n, kernel.min_trips())
    master.add([(i,) for i in range(problem.n)], [cache(frozenset(problem.points[i])) for i in range(problem.n)])
    master.add(list(batches), [cache(problem.trip_points(b)) for b in batches])
    keys = sorted(columns)
    master.add(keys, [columns[k] for k in keys])
    _, _, x = master.solve()
    ranked = np.argsort(-x, kind="stable").tolist()
    return [master.cols[j] for j in ranked if x[j] >= LP_MIN_VALUE and len(master.cols[j]) > 1]


def groups_from_lp(problem: BatchingProblem, cache: RouteCache, batches: Sequence[tuple[int, ...]],
                   guide: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Groups of trips (indices into ``batches``) that the LP's trips ``guide`` would split differently.

    Each LP trip not in the plan names the plan's trips holding its orders;
    those, topped up by the closest trips to :data:`MIN_TRIPS`, are a group
    worth solving (in the order of ``guide``).
    """
    where = {i: k for k, b in enumerate(batches) for i in b}
    plan = set(batches)
    pts = [problem.trip_points(b) for b in batches]
    out: list[tuple[int, ...]] = []
    for col in guide:
        if col in plan:
            continue
        group = sorted({where[i] for i in col})
        count = sum(len(batches[k]) for k in group)
        while len(group) < MIN_TRIPS:  # the closest trip to the group's points
            union = frozenset().union(*(pts[k] for k in group))
            cands = [k for k in range(len(batches)) if k not in group and count + len(batches[k]) <= MAX_ITEMS]
            if not cands:
                break
            lengths = cache.lengths([union | pts[k] for k in cands])
            best = cands[int(np.argmax([cache(pts[k]) - u for k, u in zip(cands, lengths, strict=True)]))]
            group.append(best)
            count += len(batches[best])
        key = tuple(sorted(group))
        if len(key) <= MAX_TRIPS and count <= MAX_ITEMS and key not in out:
            out.append(key)
    return out


def rebatch(
    problem: BatchingProblem,
    cache: RouteCache,
    batches: Sequence[Sequence[int]],
    columns: dict[tuple[int, ...], float],
    kernel: KernelData,
    seconds_left: Callable[[], float] | None,
    max_groups: int = 0,
) -> RebatchResult:
    """Re-batch groups of close trips exactly while time (or ``max_groups``) lasts.

    Parameters
    ----------
    problem, cache
        The whole problem and its exact route lengths.
    batches
        The plan to improve (item indices).
    columns
        Known trips (sorted item tuples) and their lengths: those within a
        group seed its sub-problem's master.
    kernel
        The whole problem's pricing data (its fewest trips for the guiding LP).
    seconds_left
        Seconds left for re-batching (``None``: no clock, ``max_groups``
        sub-problems under fixed round and node limits).
    max_groups
        Sub-problems to solve when ``seconds_left`` is ``None``.

    Returns
    -------
    RebatchResult
        A plan at least as short as ``batches``, and every trip the
        sub-problems scored (global item tuples, exact lengths).
    """
    plan = [tuple(sorted(b)) for b in batches]
    lengths = [cache(problem.trip_points(b)) for b in plan]
    seen: dict[tuple[int, ...], float] = {}
    timed = seconds_left is not None
    solved = improved = 0
    done: set[frozenset[tuple[int, ...]]] = set()  # groups solved with these very trips: no better split
    size = MIN_TRIPS
    guide = lp_trips(problem, cache, plan, columns, kernel)

    def more() -> bool:
        if seconds_left is not None:
            return seconds_left() > 0.2 * SUB_SECONDS
        return solved < max_groups

    while more() and size <= MAX_TRIPS:
        guided = groups_from_lp(problem, cache, plan, guide) if size == MIN_TRIPS else []
        todo = [g for g in guided + groups_by_proximity(problem, cache, plan, size)
                if frozenset(plan[k] for k in g) not in done]
        if not todo:
            size += 1  # every group of this size is as good as it gets: wider ones
            continue
        changed = False
        for g in todo:
            if not more():
                break
            key = frozenset(plan[k] for k in g)
            if key in done:
                continue
            items = sorted(i for k in g for i in plan[k])
            local = {i: k for k, i in enumerate(items)}
            sub = problem.subset(items)
            kern = KernelData.build(sub, cache)
            if kern is None:
                return RebatchResult(plan, float(sum(lengths)), seen, solved, improved)
            sub_cols = {tuple(local[i] for i in t): c for t, c in columns.items()
                        if all(i in local for i in t)}
            incumbent = [tuple(local[i] for i in plan[k]) for k in g]
            before = float(sum(lengths[k] for k in g))
            if timed:
                assert seconds_left is not None
                box = min(SUB_SECONDS, seconds_left())
                t0 = time.perf_counter()

                def left(share: float, t0: float = t0, box: float = box) -> float:
                    return share * box - (time.perf_counter() - t0)

                res = column_generation(sub, cache, kern, sub_cols, incumbent,
                                        lambda: left(SUB_PRICE_SHARE), lambda: left(SUB_DIVE_SHARE),
                                        lambda: max(0.0, left(1.0)))
            else:
                res = column_generation(sub, cache, kern, sub_cols, incumbent, lambda: 0.0, lambda: 0.0,
                                        lambda: None, max_rounds=SUB_ROUNDS, mip_nodes=SUB_NODES)
            solved += 1
            if timed:
                log.debug("rebatch: group of %d trips, %d orders: %.1f -> %.1f m%s, %.2f s", len(g), len(items),
                          before, res.cost, " (proven)" if res.optimal else "", time.perf_counter() - t0)
            for t, c in sub_cols.items():
                full = tuple(items[k] for k in t)
                seen.setdefault(full, c)
            if res.cost < before - EPS:
                new = [tuple(sorted(items[k] for k in b)) for b in res.batches]
                new_len = [cache(problem.trip_points(b)) for b in new]
                if sum(new_len) < before - EPS:  # exact lengths, never a covering's
                    keep = [k for k in range(len(plan)) if k not in g]
                    plan = [plan[k] for k in keep] + new
                    lengths = [lengths[k] for k in keep] + new_len
                    improved += 1
                    changed = True
                    log.debug("rebatch: %d trips, %d orders: %.1f -> %.1f m%s", len(g), len(items), before,
                              sum(new_len), " (proven)" if res.optimal else "")
                    done.add(frozenset(new))
                    break  # the groups are recomputed around the new trips
            done.add(key)
        if changed:
            size = MIN_TRIPS
    order = sorted(range(len(plan)), key=lambda k: plan[k])
    return RebatchResult([plan[k] for k in order], float(sum(lengths[k] for k in order)), seen, solved, improved)
