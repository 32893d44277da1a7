"""Trips to pickers and times: earliest-due-date list scheduling, exact for few trips.

Given trips with durations and the items they carry, each picker does its trips
one after another from time 0. :func:`edd_schedule` hands trips in order of
their deadline (the earliest due time among their items) to the picker free
first: O(k log k). :func:`exact_schedule` enumerates every assignment of trips
to pickers (pickers free at the same time are interchangeable, so only distinct
free times are branched on) with each picker's trips in deadline order, which
is optimal for "no order late" on one picker (Jackson's rule) and hence over
all assignments; it minimises (late orders, lateness) among those schedules.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Sequence

from engine.scheduling.problem import TIME_EPS, SchedulingProblem

#: Trips up to which :func:`best_schedule` tries every assignment when the list schedules have a late order.
EXACT_TRIPS = 9
#: Search nodes of :func:`exact_schedule` before it settles for the best found (exact below it).
NODE_BUDGET = 4000


def deadline(problem: SchedulingProblem, items: Sequence[int]) -> float:
    return min((problem.due_s[i] for i in items), default=math.inf)


def lateness(problem: SchedulingProblem, batches: Sequence[Sequence[int]], ends: Sequence[float]
             ) -> tuple[int, float, list[float]]:
    """Late orders, total lateness (s) and each order's completion (``nan``: no item)."""
    done = [math.nan] * problem.n_orders
    for b, end in zip(batches, ends, strict=True):
        for i in b:
            o = problem.order_of[i]
            if not done[o] >= end:
                done[o] = end
    due = [math.inf] * problem.n_orders
    for i, d in enumerate(problem.due_s):
        o = problem.order_of[i]
        due[o] = min(due[o], d)
    late, total = 0, 0.0
    for c, d in zip(done, due, strict=True):
        if c == c and c - d > TIME_EPS:
            late += 1
            total += c - d
    return late, total, done


def edd_order(problem: SchedulingProblem, batches: Sequence[Sequence[int]], durations: Sequence[float]) -> list[int]:
    """Trip indices by deadline, then longer first, then first item (deterministic)."""
    return sorted(range(len(batches)),
                  key=lambda b: (deadline(problem, batches[b]), -durations[b], min(batches[b], default=-1)))


def list_schedule(order: Sequence[int], durations: Sequence[float], pickers: int
                  ) -> tuple[list[int], list[float]]:
    """Each trip of ``order`` to the picker free first (lowest index on ties); picker and start per trip."""
    k = len(durations)
    who, start = [0] * k, [0.0] * k
    free = [(0.0, p) for p in range(pickers)]
    for b in order:
        t, p = heapq.heappop(free)
        who[b], start[b] = p, t
        heapq.heappush(free, (t + durations[b], p))
    return who, start


def best_fit_schedule(problem: SchedulingProblem, order: Sequence[int], batches: Sequence[Sequence[int]],
                      durations: Sequence[float]) -> tuple[list[int], list[float]]:
    """Each trip of ``order`` to the picker free *latest* that still meets its deadline (else the one free first).

    Keeps early-free pickers for the tight trips that follow; O(k m).
    """
    m = problem.labour.pickers
    free = [0.0] * m
    k = len(durations)
    who, start = [0] * k, [0.0] * k
    for b in order:
        dl = deadline(problem, batches[b])
        fit = [p for p in range(m) if free[p] + durations[b] <= dl + TIME_EPS]
        p = max(fit, key=lambda q: (free[q], -q)) if fit else min(range(m), key=lambda q: (free[q], q))
        who[b], start[b] = p, free[p]
        free[p] += durations[b]
    return who, start


def edd_schedule(problem: SchedulingProblem, batches: Sequence[Sequence[int]], durations: Sequence[float]
                 ) -> tuple[list[int], list[float]]:
    """Earliest-due-date list schedule: picker and start of each trip."""
    return list_schedule(edd_order(problem, batches, durations), durations, problem.labour.pickers)


def exact_schedule(problem: SchedulingProblem, batches: Sequence[Sequence[int]], durations: Sequence[float],
                   best: tuple[int, float] | None = None) -> tuple[tuple[int, float], list[int], list[float]] | None:
    """The best assignment with deadline order per picker, by depth-first branch and bound.

    Returns ``((late orders, lateness), picker, start)`` or ``None`` when none beats ``best``.
    O(min(m, k)^k) in the worst case: for few trips only.
    """
    order = edd_order(problem, batches, durations)
    m = problem.labour.pickers
    due = [math.inf] * problem.n_orders
    for i, d in enumerate(problem.due_s):
        due[problem.order_of[i]] = min(due[problem.order_of[i]], d)
    k = len(order)
    free = [0.0] * m
    who, start = [0] * len(batches), [0.0] * len(batches)
    done: dict[int, float] = {}
    found: list[tuple[tuple[int, float], list[int], list[float]]] = []
    limit = [best if best is not None else (10**9, math.inf)]

    def score() -> tuple[int, float]:
        late, tot = 0, 0.0
        for o, c in done.items():
            if c - due[o] > TIME_EPS:
                late += 1
                tot += c - due[o]
        return late, round(tot, 6)

    nodes = [0]

    def dfs(pos: int) -> None:
        nodes[0] += 1
        if nodes[0] > NODE_BUDGET:
            return
        s = score()
        if s >= limit[0]:
            return
        if pos == k:
            limit[0] = s
            found.append((s, who.copy(), start.copy()))
            return
        b = order[pos]
        tried: set[float] = set()
        for p in sorted(range(m), key=lambda q: (free[q], q)):
            if free[p] in tried:
                continue
            tried.add(free[p])
            t0 = free[p]
            end = t0 + durations[b]
            saved = {problem.order_of[i]: done.get(problem.order_of[i]) for i in batches[b]}
            for i in batches[b]:
                o = problem.order_of[i]
                if done.get(o, -math.inf) < end:
                    done[o] = end
            who[b], start[b], free[p] = p, t0, end
            dfs(pos + 1)
            free[p] = t0
            for o, c in saved.items():
                if c is None:
                    del done[o]
                else:
                    done[o] = c

    dfs(0)
    return found[-1] if found else None


def best_schedule(problem: SchedulingProblem, batches: Sequence[Sequence[int]], durations: Sequence[float]
                  ) -> tuple[tuple[int, float], list[int], list[float]]:
    """The list schedule, improved by :func:`exact_schedule` when it has a late order and few trips."""
    order = edd_order(problem, batches, durations)
    who, start = list_schedule(order, durations, problem.labour.pickers)
    late, tot, _ = lateness(problem, batches, [s + d for s, d in zip(start, durations, strict=True)])
    score = (late, round(tot, 6))
    if late and problem.labour.pickers > 1:
        w2, s2 = best_fit_schedule(problem, order, batches, durations)
        late2, tot2, _ = lateness(problem, batches, [s + d for s, d in zip(s2, durations, strict=True)])
        if (late2, round(tot2, 6)) < score:
            score, who, start = (late2, round(tot2, 6)), w2, s2
    if score[0] and len(batches) <= EXACT_TRIPS and problem.labour.pickers > 1:
        better = exact_schedule(problem, batches, durations, score)
        if better is not None:
            return better
    return score, who, start


def with_pickers(problem: SchedulingProblem, pickers: int) -> SchedulingProblem:
    """The same problem with ``pickers`` pickers."""
    return dataclasses.replace(problem, labour=dataclasses.replace(problem.labour, pickers=pickers))


def pickers_for(problem: SchedulingProblem, trips: Sequence[Sequence[int]], durations: Sequence[float],
                upper: int | None = None) -> int | None:
    """Fewest pickers with which these trips, sequenced again, leave no order late (binary search).

    ``None`` when no count does (a trip alone ends after its deadline). The
    search starts at ``upper`` (default: the problem's pickers) and doubles
    from there; a sequence that meets every deadline with ``m`` pickers is
    assumed to exist with more.
    """
    if not trips:
        return 0

    def ok(m: int) -> bool:
        return best_schedule(with_pickers(problem, m), trips, durations)[0][0] == 0

    most = len(trips)
    if not ok(most):
        return None
    hi = min(most, max(1, problem.labour.pickers if upper is None else upper))
    lo = 1
    while not ok(hi):
        lo, hi = hi + 1, min(most, hi * 2)
    while lo < hi:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo
