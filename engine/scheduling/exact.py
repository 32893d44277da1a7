"""The exact model for small instances: every candidate trip, set partitioning, CP-SAT.

Candidate trips are all item sets that fit the cart and, on their own, end by
their deadline. When a schedule with no late order exists, the lexicographic
objective reduces to the least working time among schedules with no late order;
by Jackson's rule one picker meets every deadline iff its trips in deadline
order do, i.e. iff for every deadline ``t`` the trips due by ``t`` last at most
``t`` in all. So the model is linear: ``x_c`` (trip ``c`` used), ``y_cp`` (done
by picker ``p``), every item in exactly one used trip, and per picker and
deadline ``sum(D_c y_cp : dl_c <= t) <= t``; minimise ``sum(D_c x_c)``. Times
are whole milliseconds in the model; the result is re-scored in floats.

Only used when the search's start has no late order (otherwise no proof is
attempted and the search alone decides).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.scheduling.sequencing import deadline
from engine.scheduling.trips import Durations, evaluate

if TYPE_CHECKING:
    from engine.scheduling.problem import SchedulingProblem


PRESOLVE_MAX_TRIPS = 5_000
"""Above this many trips a recombination (not a proof) is solved without CP-SAT's presolve and LP relaxation."""


def candidate_trips(problem: SchedulingProblem, limit: int) -> list[tuple[int, ...]] | None:
    """Every item set that fits the cart (depth-first by index), or ``None`` past ``limit``."""
    bp, n = problem.batching, problem.n
    out: list[tuple[int, ...]] = []
    w, v = bp.weight_kg.tolist(), bp.volume_l.tolist()
    cap_w, cap_v, totes = bp.cart.max_weight_kg + 1e-9, bp.cart.max_volume_l + 1e-9, bp.cart.totes

    def grow(members: list[int], nxt: int, ww: float, vv: float) -> bool:
        for j in range(nxt, n):
            if ww + w[j] <= cap_w and vv + v[j] <= cap_v and len(members) < totes:
                members.append(j)
                out.append(tuple(members))
                if len(out) > limit or not grow(members, j + 1, ww + w[j], vv + v[j]):
                    return False
                members.pop()
        return True

    return out if grow([], 0, 0.0, 0.0) else None


def solve_exact(
    problem: SchedulingProblem,
    durations: Durations,
    time_limit_s: float,
    max_candidates: int,
    hint: Sequence[Sequence[int]] = (),
    seed: int = 0,
    deterministic: bool = False,
) -> tuple[tuple[int, float, float], list[list[int]], bool, float | None] | None:
    """Least working time with no late order, proven when CP-SAT finishes.

    With ``deterministic`` the wall clock is never read: enumeration is bounded by
    ``max_candidates`` alone and CP-SAT by its deterministic time (``time_limit_s``
    units), so the answer is the same on any machine.

    Returns ``(key, batches, proven, lower bound on working s)``, or ``None``
    when the model is not applicable (too many candidates, a late order in the
    hint, time spent enumerating) or found nothing.
    """
    t0 = time.monotonic()
    if hint and evaluate(problem, durations, hint)[0][0] > 0:
        return None
    cands = candidate_trips(problem, max_candidates)
    if cands is None:
        return None
    for c in cands:
        if not deterministic and time.monotonic() - t0 > time_limit_s / 2:  # routing them all costs too much
            return None
        durations(c)
    left = time_limit_s if deterministic else time_limit_s - (time.monotonic() - t0)
    return partition(problem, durations, cands, left, hint, seed, complete=True, deterministic=deterministic)


def partition(
    problem: SchedulingProblem,
    durations: Durations,
    cands: Sequence[Sequence[int]],
    time_limit_s: float,
    hint: Sequence[Sequence[int]] = (),
    seed: int = 0,
    complete: bool = False,
    deterministic: bool = False,
) -> tuple[tuple[int, float, float], list[list[int]], bool, float | None] | None:
    """The least-working-time choice of trips among ``cands`` with no late order (CP-SAT).

    With ``complete`` (``cands`` is every trip that fits) an optimal answer is a
    proof; otherwise it is the best recombination of the trips seen (a
    set-partitioning step of the search) and never claims a proof.
    """
    t0 = time.monotonic()
    dur_ms: list[int] = []
    keep: list[tuple[int, ...]] = []
    for c in dict.fromkeys(tuple(sorted(c)) for c in cands):
        d = durations(c)
        if d <= deadline(problem, c) + 1e-9:
            keep.append(c)
            dur_ms.append(round(d * 1000.0))
    from ortools.sat.python import cp_model

    m = problem.labour.pickers
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{c}") for c in range(len(keep))]
    y = [[model.new_bool_var(f"y{c}_{p}") for p in range(m)] for c in range(len(keep))]
    for k in range(len(keep)):
        model.add(sum(y[k]) == x[k])
    covering: list[list[int]] = [[] for _ in range(problem.n)]
    for k, members in enumerate(keep):
        for i in members:
            covering[i].append(k)
    for ks in covering:
        if not ks:
            return None
        model.add_exactly_one(x[k] for k in ks)
    # Jackson's rule per picker as running loads: load[p][j] is picker p's work due
    # by the j-th deadline, so each trip enters one sum per picker (O(trips x pickers)
    # terms, not O(deadlines x trips x pickers): pools of 10^4 trips build in time).
    dls = [deadline(problem, c) for c in keep]
    levels = sorted({d for d in dls if math.isfinite(d)})
    level_of = {t: j for j, t in enumerate(levels)}
    at_level: list[list[int]] = [[] for _ in range(len(levels) + 1)]  # last: no deadline
    for k, d in enumerate(dls):
        at_level[level_of[d] if math.isfinite(d) else len(levels)].append(k)
    total_ms = sum(dur_ms)
    finals = []
    for p in range(m):
        prev: cp_model.IntVar | int = 0
        for j, ks in enumerate(at_level):
            cap = math.floor(levels[j] * 1000.0 + 1e-6) if j < len(levels) else total_ms
            load = model.new_int_var(0, max(0, min(cap, total_ms)), f"load{p}_{j}")
            model.add(load == prev + sum(dur_ms[k] * y[k][p] for k in ks))
            prev = load
        finals.append(prev)
        if time.monotonic() - t0 > time_limit_s and not deterministic:
            return None
    # identical pickers: picker p's total is at least picker p+1's
    for p in range(m - 1):
        model.add(finals[p] >= finals[p + 1])
    model.minimize(sum(dur_ms[c] * x[c] for c in range(len(keep))))
    index = {c: k for k, c in enumerate(keep)}
    for b in hint:
        h = index.get(tuple(sorted(b)))
        if h is not None:
            model.add_hint(x[h], 1)
    solver = cp_model.CpSolver()
    if deterministic:
        solver.parameters.max_deterministic_time = max(0.05, time_limit_s)
    else:
        left = time_limit_s - (time.monotonic() - t0)
        if left < 0.05:  # building the model took the time
            return None
        solver.parameters.max_time_in_seconds = left
        if len(keep) > PRESOLVE_MAX_TRIPS and not complete:
            # CP-SAT's presolve does not watch the clock: on a 27,000-trip pool it took
            # 13 s of a 4.8 s limit; the recombination starts from its hint without it.
            solver.parameters.cp_model_presolve = False
            # Nor does its search with the LP relaxation over so many columns: on Kris 228's
            # 13,400-trip pool (40,000 booleans) one dive ran 5 s past the clock's checks
            # (7.5-8.0 s of a 5.6 s limit); without the LP, 5.65 s. The LP's bound is weak
            # here (30 rows) and the recombination only improves on its hint.
            solver.parameters.linearization_level = 0
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    batches = [list(keep[c]) for c in range(len(keep)) if solver.value(x[c])]
    key = evaluate(problem, durations, batches)[0]
    if key[0] > 0:  # a millisecond rounding let a trip slip: no proof
        return None
    proven = complete and status == cp_model.OPTIMAL
    return key, batches, proven, solver.best_objective_bound / 1000.0 if complete else None
