"""Batching, picker assignment and sequencing decided together: the search.

:func:`solve` is the one entry point. Starts: the distance batching of
:mod:`engine.batching` scored by trip *durations* (setup per trip included, so
fewer fuller trips win) and an earliest-due-date first-fit; the better one (by
the lexicographic objective of :class:`~engine.scheduling.problem.Objective`)
is improved by a descent over relocate, swap and merge moves, every move scored
with exact trip durations (route lengths from the route cost, cached) and a
fresh schedule (:func:`engine.scheduling.sequencing.best_schedule`); then an
iterated local search (remove a few items, reinsert them greedily, descend)
until the budget ends. Small instances also go to the exact model
(:mod:`engine.scheduling.exact`), which proves optimality where it finishes.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable, Sequence

import numpy as np

from engine.batching import BatchingParams, BatchingProblem, RouteCache, RouteCost, neighbour_pairs
from engine.batching import solve as solve_batching
from engine.scheduling.exact import partition, solve_exact
from engine.scheduling.params import SchedulingParams
from engine.scheduling.problem import Objective, ScheduleResult, SchedulingProblem, Trip
from engine.scheduling.sequencing import lateness, pickers_for, with_pickers
from engine.scheduling.trips import Durations, evaluate, fits

log = logging.getLogger(__name__)

#: Up to this many trips every move is tried (best improvement); beyond, moves go to neighbours only.
FULL_NEIGHBOURHOOD_TRIPS = 40
#: Moves scored per tier while orders are late (each needs a schedule; the cheapest in working time first).
LATE_MOVES = 60
#: Neighbour items per item on big instances.
NEIGHBOURS = 8
#: Share of the budget the exact model may use (enumeration stops at half of it).
EXACT_SHARE = 0.6
#: Items up to which the trips seen are recombined by the set-partitioning model (its size grows with
#: trips x distinct due times).
POOL_ITEMS = 40
#: Share of the budget of the iterated local search; the rest recombines the trips it saw (set partitioning).
ILS_SHARE = 0.7
#: Items up to which the greedy insertion start is built (it schedules O(n * trips) times).
GREEDY_ITEMS = 150
#: Share of the budget the greedy insertion start may use (the rest of its items go first-fit).
GREEDY_SHARE = 0.15
#: Items from which the distance batching search gives a start (below, the descent finds better alone).
DISTANCE_START_ITEMS = 60
#: Most due-time classes the class start batches apart.
DUE_CLASSES = 12
#: Share of the budget the distance start may use.
START_SHARE = 0.25
#: Items above which a start late with the problem's pickers is first made lean with the pickers it needs.
RELAX_ITEMS = GREEDY_ITEMS
#: Share of the remaining budget (or rounds) that step gets.
RELAX_SHARE = 0.5


class _Budget:
    def __init__(self, params: SchedulingParams, clock: Callable[[], float]) -> None:
        self.params, self.clock, self.t0 = params, clock, clock()

    @property
    def by_iterations(self) -> bool:
        return self.params.max_iterations is not None

    def over(self, iteration: int = 0) -> bool:
        if self.params.max_iterations is not None:
            return iteration >= self.params.max_iterations
        return self.clock() - self.t0 >= self.params.time_limit_s

    def left(self) -> float:
        return self.params.time_limit_s - (self.clock() - self.t0)


def edd_first_fit(problem: SchedulingProblem) -> list[list[int]]:
    """Items by due time (then rank) into trips, a new trip when the open one is full."""
    order = sorted(range(problem.n), key=lambda i: (problem.due_s[i], i))
    out: list[list[int]] = []
    for i in order:
        if out and fits(problem, [*out[-1], i]):
            out[-1].append(i)
        else:
            out.append([i])
    return out


def greedy_insertion(problem: SchedulingProblem, durations: Durations,
                     stop: Callable[[], bool] = lambda: False) -> list[list[int]]:
    """Items by due time, each into the trip (or a new one) that gives the best key: O(n * k) schedules.

    Due times make this start feasible where first-fit is not: an item joins a
    trip only if the schedule stays as punctual, else it opens a trip.
    """
    order = sorted(range(problem.n), key=lambda i: (problem.due_s[i], i))
    out: list[list[int]] = []
    for i in order:
        if stop():  # out of time: the rest first-fit
            if out and fits(problem, [*out[-1], i]):
                out[-1] = sorted([*out[-1], i])
            else:
                out.append([i])
            continue
        best_key, best = None, None
        for b in range(len(out) + 1):
            trial = [list(x) for x in out] + [[]]
            if b < len(out) and not fits(problem, [*trial[b], i]):
                continue
            trial[b] = sorted([*trial[b], i])
            trial = [x for x in trial if x]
            key = evaluate(problem, durations, trial)[0]
            if best_key is None or key < best_key:
                best_key, best = key, trial
        assert best is not None
        out = best
    return out


def distance_start(problem: SchedulingProblem, durations: Durations, budget_s: float, iterations: int | None,
                   seed: int, items: Sequence[int] | None = None) -> list[list[int]]:
    """The batching search scored by trip duration less the additive terms (rows, units): working time.

    Over ``items`` only when given (a sub-problem of the same points).
    """
    lab, p = problem.labour, problem

    def trip_cost(pts: frozenset[int]) -> float:
        # stops counted as points here (locations sharing a point differ by per_stop only)
        return lab.setup_s_per_trip + durations.routes(pts) / lab.walking_speed_m_s + lab.time_s_per_stop * len(pts)

    params = BatchingParams(time_limit_s=max(budget_s, 0.05), max_iterations=iterations)
    if items is None:
        res = solve_batching(p.batching, trip_cost, params, seed)
        return [list(b) for b in res.batches]
    bp = p.batching
    idx = list(items)
    sub = BatchingProblem.build([bp.points[i] for i in idx], [sorted(bp.keys[i]) for i in idx],
                                bp.weight_kg[idx].tolist(), bp.volume_l[idx].tolist(), bp.cart,
                                None if bp.centroid is None else bp.centroid[idx].tolist())
    res = solve_batching(sub, trip_cost, params, seed)
    return [[idx[i] for i in b] for b in res.batches]


def class_start(problem: SchedulingProblem, durations: Durations, budget_s: float, iterations: int | None,
                seed: int) -> list[list[int]]:
    """Items grouped by due time (at most :data:`DUE_CLASSES` classes of consecutive due times, by item
    count), each class batched by working time apart: trips that never mix an early truck with a late one.
    """
    order = sorted(range(problem.n), key=lambda i: (problem.due_s[i], i))
    dues = sorted(set(problem.due_s))
    if len(dues) > DUE_CLASSES:  # cut the sorted items into classes of about equal size at due boundaries
        size = -(-problem.n // DUE_CLASSES)
        classes: list[list[int]] = [[]]
        for i in order:
            if len(classes[-1]) >= size and problem.due_s[i] != problem.due_s[classes[-1][-1]]:
                classes.append([])
            classes[-1].append(i)
    else:
        by_due: dict[float, list[int]] = {}
        for i in order:
            by_due.setdefault(problem.due_s[i], []).append(i)
        classes = list(by_due.values())
    out: list[list[int]] = []
    for c in classes:
        share = budget_s * len(c) / problem.n
        it = None if iterations is None else max(1, iterations * len(c) // problem.n)
        out.extend(distance_start(problem, durations, share, it, seed, c) if len(c) > 1 else [list(c)])
    return out


#: Neighbour lists per batching problem (by identity; the problem is kept so that its id is not reused):
#: every descent of every picker count of one problem asks for the same lists.
_NEAR: dict[int, tuple[BatchingProblem, list[list[int]]]] = {}


class _Search:
    """Mutable search state: the batches, their durations, the current key."""

    def __init__(self, problem: SchedulingProblem, durations: Durations, batches: Sequence[Sequence[int]]) -> None:
        self.p, self.dur = problem, durations
        self.batches = [sorted(b) for b in batches if b]
        self.key = evaluate(problem, durations, self.batches)[0]
        self.evaluations = 0
        #: None: moves compared by the lexicographic key; else by working + lam * (lateness + 60 s per late order),
        #: which lets the search cross schedules with late orders on its way to better punctual ones.
        self.lam: float | None = None

    def rank(self, key: tuple[int, float, float]) -> tuple[float, ...]:
        if self.lam is None:
            return key
        return (round(key[2] + self.lam * (key[1] + 60.0 * key[0]), 6),)

    def score(self, batches: list[list[int]]) -> tuple[int, float, float]:
        self.evaluations += 1
        return evaluate(self.p, self.dur, batches)[0]

    def neighbours(self) -> list[list[int]] | None:
        """Each item's neighbours (``None``: every move is tried); computed once per batching problem."""
        if len(self.batches) <= FULL_NEIGHBOURHOOD_TRIPS:
            return None
        bp = self.p.batching
        got = _NEAR.get(id(bp))
        if got is not None and got[0] is bp:
            return got[1]
        near: list[list[int]] = [[] for _ in range(self.p.n)]
        for i, j in neighbour_pairs(bp, NEIGHBOURS):
            near[i].append(j)
            near[j].append(i)
        if len(_NEAR) >= 8:
            _NEAR.clear()
        _NEAR[id(bp)] = (bp, near)
        return near

    def descend(self, stop: Callable[[], bool]) -> None:
        """Relocate / swap / merge until no move improves the key (best improvement per pass)."""
        near = self.neighbours()
        while not stop():
            move = self._best_move(near, stop)
            if move is None:
                return
            self.key, self.batches = move

    def _best_move(self, near: list[list[int]] | None, stop: Callable[[], bool]
                   ) -> tuple[tuple[int, float, float], list[list[int]]] | None:
        p, bs, dur = self.p, self.batches, self.dur
        where = {i: b for b, members in enumerate(bs) for i in members}
        best_key = self.key
        late = best_key[0] > 0 or best_key[1] > 0
        moves: list[tuple[float, int, int, tuple[int, ...], tuple[int, ...]]] = []
        k = len(bs)
        cost = [dur(b) for b in bs]

        def add(a: int, b: int, na: list[int], nb: list[int]) -> None:
            if (na and not fits(p, na)) or (nb and not fits(p, nb)):
                return
            old = cost[a] + (cost[b] if b < k else 0.0)
            delta = (dur(na) if na else 0.0) + (dur(nb) if nb else 0.0) - old
            if late or delta < -1e-9:
                moves.append((delta, a, b, tuple(na), tuple(nb)))

        # tiers, cheapest first: relocate and merge, then swap, then 2-for-1; the next only if one finds nothing
        for tier in range(3):
            moves.clear()
            for i in range(p.n):
                if stop():
                    break
                a = where[i]
                rest = [x for x in bs[a] if x != i]
                if tier == 0:
                    targets = range(k) if near is None else sorted({where[j] for j in near[i]})
                    for b in [*targets, k]:
                        if b == a or (b == k and not rest):
                            continue
                        add(a, b, rest, sorted([*(bs[b] if b < k else []), i]))
                    continue
                if tier == 2 and (near is not None or len(bs[a]) < 2):
                    continue
                partners = range(i + 1, p.n) if near is None else [j for j in near[i] if j > i]
                for j in partners:
                    b = where[j]
                    if b == a:
                        continue
                    if tier == 1:
                        add(a, b, sorted([*rest, j]), sorted([*(x for x in bs[b] if x != j), i]))
                        continue
                    for i2 in bs[a]:  # 2-for-1: i and a partner of i's trip go, j comes
                        if i2 > i:
                            add(a, b, sorted([*(x for x in rest if x != i2), j]),
                                sorted([*(x for x in bs[b] if x != j), i, i2]))
            if tier == 0:
                pairs = ((a, b) for a in range(k) for b in range(a + 1, k)) if near is None else sorted(
                    {(min(where[i], where[j]), max(where[i], where[j])) for i in range(p.n) for j in near[i]
                     if where[i] != where[j]})
                for a, b in pairs:
                    add(a, b, sorted(bs[a] + bs[b]), [])
            moves.sort(key=lambda m: m[0])
            for tried, (_delta, a, b, na, nb) in enumerate(moves):
                if stop() or (late and tried >= LATE_MOVES):
                    break
                trial = [list(x) for x in bs] + [[]]
                trial[a], trial[b] = list(na), list(nb)
                trial = [x for x in trial if x]
                key = self.score(trial)
                if self.rank(key) < self.rank(best_key):
                    # sorted by working time: the first punctual improvement is the best; with late
                    # orders the first improvement is taken
                    return key, trial
        return None

    def perturb(self, rng: np.random.Generator) -> None:
        """Ruin and recreate: remove a few items (random, or one trip's), reinsert by least working time."""
        p, dur = self.p, self.dur
        bs = [list(b) for b in self.batches]
        if rng.random() < 0.3 and len(bs) > 1:
            b = int(rng.integers(len(bs)))
            taken = list(bs[b])
            extra = [int(x) for x in rng.choice(p.n, size=min(p.n, 2), replace=False)]
            taken = list(dict.fromkeys(taken + extra))
        else:
            q = min(p.n, int(rng.integers(2, 7)))
            taken = [int(x) for x in rng.choice(p.n, size=q, replace=False)]
        bs = [[x for x in b if x not in taken] for b in bs]
        bs = [b for b in bs if b]
        order = list(taken)
        rng.shuffle(order)
        for i in order:
            options = []
            for b in range(len(bs)):
                nb = sorted([*bs[b], i])
                if fits(p, nb):
                    options.append((dur(nb) - dur(bs[b]), b))
            options.append((dur([i]), len(bs)))
            options.sort()
            # the cheapest insertion that keeps the key's lateness (a new trip when none does)
            placed = False
            if self.lam is not None:  # the cheapest of the few cheapest by the penalised score
                trials: list[tuple[tuple[float, ...], int, list[list[int]]]] = []
                for _, b in options[:4]:
                    trial = [list(x) for x in bs] + [[]]
                    trial[b] = sorted([*trial[b], i])
                    trial = [x for x in trial if x]
                    trials.append((self.rank(self.score(trial)), len(trials), trial))
                bs = min(trials)[2]
                continue
            base = self.score([*bs, [i]])[:2]
            for _, b in options[:4]:
                trial = [list(x) for x in bs] + [[]]
                trial[b] = sorted([*trial[b], i])
                trial = [x for x in trial if x]
                if self.score(trial)[:2] <= base:
                    bs = trial
                    placed = True
                    break
            if not placed:
                bs = [*bs, [i]]
        self.batches = bs
        self.key = self.score(bs)


def improve(search: _Search, rng: np.random.Generator, over: Callable[[int], bool],
            stop_at: Callable[[int], bool],
            enough: Callable[[tuple[int, float, float]], bool] = lambda key: False) -> int:
    """Iterated local search from the search's (descended) state; leaves it at the best found.

    Rounds of ruin and recreate, each followed by a descent, until ``over(round)``
    or ``enough(best key)``. Odd rounds search the penalised landscape (late
    orders allowed, priced), even ones the strict key. ``stop_at(round)`` stops
    a descent. While the best is late, the first punctual state a descent
    passes through becomes the best (a penalised descent may leave it again).
    Returns the rounds done.
    """
    best_key, best = search.key, [list(b) for b in search.batches]
    iteration, lam = 0, 1.0

    def stop() -> bool:
        nonlocal best_key, best
        if search.key[0] == 0 < best_key[0]:  # the first punctual trips are kept, even mid-descent
            best_key, best = search.key, [list(b) for b in search.batches]
        return stop_at(iteration) or enough(best_key)

    while not enough(best_key) and not over(iteration):
        iteration += 1
        search.lam = lam if iteration % 2 else None
        search.perturb(rng)
        search.descend(stop)
        if search.key < best_key:
            best_key, best = search.key, [list(b) for b in search.batches]
        elif search.rank(search.key) > search.rank(best_key) and rng.random() < 0.3:
            search.batches, search.key = [list(b) for b in best], best_key
        if search.lam is not None:
            lam = min(1e3, lam * 1.5) if search.key[0] > 0 else max(0.01, lam / 1.5)
    search.lam = None
    search.batches, search.key = best, best_key
    return iteration


def _relaxed(search: _Search, rng: np.random.Generator, budget: _Budget, stop_at: Callable[[int], bool]) -> _Search:
    """Late with its pickers: first the working time with as many pickers as the trips need to be on time.

    A big instance's descent at a tight count stalls among late trips; trips
    made lean with a few more pickers are often on time with fewer. For
    :data:`RELAX_SHARE` of what is left of the budget (of the rounds), or until
    the lean trips leave no order late with the problem's own pickers (checked
    whenever they change), then the search goes on with the problem's own
    pickers from there.
    """
    p, dur = search.p, search.dur
    need = pickers_for(p, search.batches, [dur(b) for b in search.batches])
    if need is None or need <= p.labour.pickers:
        return search
    relaxed = _Search(with_pickers(p, need), dur, search.batches)
    seen: list[object] = [None]
    hit: list[list[list[int]]] = []

    def on_time_here() -> bool:
        """Whether the lean trips, sequenced with the problem's pickers, leave no order late (once per state)."""
        if hit:
            return True
        if relaxed.key is not seen[0]:
            seen[0] = relaxed.key
            if relaxed.key[0] == 0 and evaluate(p, dur, relaxed.batches)[0][0] == 0:
                hit.append([list(b) for b in relaxed.batches])
        return bool(hit)
    if budget.by_iterations:
        rounds = int(RELAX_SHARE * (budget.params.max_iterations or 0))

        def over(it: int) -> bool:
            return it >= rounds
    else:
        until = budget.clock() + RELAX_SHARE * max(0.0, budget.left())

        def over(it: int) -> bool:
            return budget.clock() >= until or stop_at(it)
    relaxed.descend(lambda: over(0) or on_time_here())
    if not hit:
        improve(relaxed, rng, lambda it: over(it) or on_time_here(), lambda it: over(it) or on_time_here())
    out = _Search(p, dur, hit[0] if hit else relaxed.batches)
    return out if out.key < search.key else search


def solve(
    problem: SchedulingProblem,
    cost: RouteCost | RouteCache,
    params: SchedulingParams | None = None,
    clock: Callable[[], float] = time.monotonic,
    starts: Sequence[Sequence[Sequence[int]]] = (),
    *,
    until_on_time: bool = False,
) -> ScheduleResult:
    """Trips, pickers and start times minimising (late orders, lateness, working time).

    Parameters
    ----------
    problem
        Items, cart, due times, pickers and time standards.
    cost
        Route length (metres) of a set of point indices; cached here.
    params
        Budget, seed and the exact model's limits.
    clock
        Seconds as a float; never read for the plan when ``params.max_iterations`` is set.
    starts
        Further start solutions (batches of item indices) to compete with the built-in ones.
    until_on_time
        Stop at the first trips that leave no order late (the fewest pickers'
        probe, :func:`engine.scheduling.staffing.fewest_pickers`). Until then the
        search is the one without it: with ``max_iterations`` set, it stops on
        time exactly when that one ends on time.

    Returns
    -------
    ScheduleResult
        With ``max_iterations`` set: the same for the same inputs and seed.
    """
    params = params or SchedulingParams()
    budget = _Budget(params, clock)
    durations = Durations(problem, cost)
    if problem.n == 0:
        return ScheduleResult((), Objective(0, 0.0, 0.0), (), True, 0, "empty")
    rng = np.random.default_rng(params.seed)
    candidates = _candidates(problem, durations, params, budget, clock, starts)
    scored = [(evaluate(problem, durations, c)[0], n, c) for n, c in enumerate(candidates)]
    _, _, start = min(scored)
    search = _Search(problem, durations, start)
    proven, bound = False, None

    def done(key: tuple[int, float, float]) -> bool:
        return until_on_time and key[0] == 0

    exact = None
    if done(search.key):
        pass
    elif params.exact_items and problem.n <= params.exact_items:
        share = budget.left() * EXACT_SHARE if not budget.by_iterations else params.time_limit_s
        exact = solve_exact(problem, durations, max(share, 0.1), params.exact_candidates,
                            hint=search.batches, seed=params.seed, deterministic=budget.by_iterations)
    if exact is not None:
        key, batches, proven, bound = exact
        if key <= search.key:
            search.batches, search.key = [sorted(b) for b in batches], key
    iteration = 0
    if not proven and not done(search.key):
        def stop_at(it: int) -> bool:
            return budget.over(it) if budget.by_iterations else budget.over()

        if problem.n > RELAX_ITEMS and search.key[0] > 0:
            search = _relaxed(search, rng, budget, stop_at)
        search.descend(lambda: stop_at(0) or done(search.key))
        ils = _Budget(params, clock)
        ils.t0 = budget.t0
        pooled = search.key[0] == 0 and params.exact_candidates > 0 and problem.n <= POOL_ITEMS
        ils_share = ILS_SHARE if pooled else 1.0
        ils.params = SchedulingParams(time_limit_s=params.time_limit_s * ils_share,
                                      max_iterations=params.max_iterations, seed=params.seed)
        iteration = improve(search, rng, ils.over, stop_at, done)
        if pooled and search.key[0] == 0 and not done(search.key):
            pool = [sorted(c) for c in durations.seen() if c and fits(problem, sorted(c))]
            left = params.time_limit_s * (1 - ILS_SHARE) if budget.by_iterations else budget.left() - 0.1
            rec = partition(problem, durations, pool, left, search.batches, params.seed,
                            deterministic=budget.by_iterations) if left > 0.2 else None
            if rec is not None and rec[0] < search.key:
                search.key, search.batches = rec[0], rec[1]
    res = _result(problem, durations, search.batches, proven, iteration,
                  "proven" if proven else ("iterations" if budget.by_iterations else "time"), bound)
    return dataclasses.replace(res, alternatives=tuple(tuple(tuple(sorted(b)) for b in c if b) for c in candidates))


def _candidates(problem: SchedulingProblem, durations: Durations, params: SchedulingParams, budget: _Budget,
                clock: Callable[[], float], starts: Sequence[Sequence[Sequence[int]]]) -> list[list[list[int]]]:
    """The start solutions: earliest-due-date first-fit, ``starts``, greedy insertion and the class start."""
    iters = None if params.max_iterations is None else max(10, 5 * params.max_iterations)
    out = [edd_first_fit(problem), *[[list(b) for b in s] for s in starts]]
    if problem.n <= GREEDY_ITEMS:
        share = budget.t0 + GREEDY_SHARE * params.time_limit_s
        out.append(greedy_insertion(problem, durations,
                                    (lambda: False) if budget.by_iterations else (lambda: clock() > share)))
    if problem.n > DISTANCE_START_ITEMS:
        # the class start does not depend on the pickers: searches of other counts of the same items reuse it
        key = (id(problem.batching), id(durations.routes), problem.due_s, iters, params.seed)
        got = _CLASS_STARTS.get(key)
        if got is None or got[0] is not problem.batching or got[1] is not durations.routes:
            if len(_CLASS_STARTS) >= 4:
                _CLASS_STARTS.clear()
            got = (problem.batching, durations.routes,
                   class_start(problem, durations, START_SHARE * params.time_limit_s, iters, params.seed))
            _CLASS_STARTS[key] = got
        out.append([list(b) for b in got[2]])
    return out


#: Class starts by (batching problem, route cache, due times, iterations, seed), the objects kept so that
#: their ids are not reused.
_CLASS_STARTS: dict[tuple[object, ...], tuple[BatchingProblem, RouteCache, list[list[int]]]] = {}


def _result(problem: SchedulingProblem, durations: Durations, batches: Sequence[Sequence[int]], proven: bool,
            iterations: int, stopped: str, bound: float | None) -> ScheduleResult:
    batches = sorted((sorted(b) for b in batches if b), key=lambda b: b[0])
    _, who, start = evaluate(problem, durations, batches)
    dur = [durations(b) for b in batches]
    ends = [s + d for s, d in zip(start, dur, strict=True)]
    late, tot, done = lateness(problem, batches, ends)
    order = sorted(range(len(batches)), key=lambda b: (start[b], who[b]))
    seq: dict[int, int] = {}
    trips = []
    for b in order:
        seq[who[b]] = seq.get(who[b], 0) + 1
        trips.append(Trip(tuple(batches[b]), who[b], seq[who[b]], start[b], ends[b]))
    objective = Objective(late, tot, math.fsum(dur))
    return ScheduleResult(tuple(trips), objective, tuple(done), proven, iterations, stopped, bound)
