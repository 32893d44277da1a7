"""Route-aware batching: construction, relocate/swap descent and ALNS.

The metaheuristic follows Žulj, Kramer & Schneider (2018) in spirit: adaptive
large neighbourhood search whose destroy operators take items out of batches
(random, related, worst, whole batches) and whose repair operators put them
back (greedy or regret-2 insertion), every move scored by exact route lengths
from a :class:`RouteCache`. Acceptance is simulated annealing with a linear
cooling schedule; operator weights adapt (Ropke & Pisinger 2006).

Set partitioning (problems of at most ``partition_max_items`` items): every
trip a repair, a polish or an insertion scores is pooled with its exact
length; halfway through the ALNS and at its end a MIP chooses the best
combination of pooled trips (:mod:`engine.batching.setpart`). When every
feasible trip can be listed (``enumerate_limit``), their LP relaxation is a
proven lower bound, and a MIP over all of them that the reduced-cost filter
makes small enough proves the optimum: the search then stops (``stopped_by``
``"optimal"``).

Stopping: by ``max_iterations`` when set (then the clock is never read and the
result is the same for the same data and seed), otherwise by the time limit,
split as: savings construction until at most ``CONSTRUCTION_SHARE`` of it (cut
short on a big wave, see :func:`savings_batches`), relocate/swap descent to a
local optimum (the "CW + LS" baseline) until ``POLISH_AT``, ALNS from there
until ``POLISH_AT`` (each new best polished by a descent over the re-inserted
items), then a final descent on the best. Every iteration works on a
neighbourhood: ``destroy_max`` items and the ``candidate_batches`` batches
sharing most aisles with each, so its cost does not grow with the wave.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from engine.batching import rebatch as rebatching
from engine.batching.colgen import KernelData, column_generation, wide_trips
from engine.batching.construction import first_come, savings_batches, seed_batches
from engine.batching.problem import (
    BatchingParams,
    BatchingProblem,
    BatchingResult,
    Construction,
    RouteCache,
    RouteCost,
)
from engine.batching.setpart import PoolLP, TripPool, enumerate_trips, pool_lp, set_partition_mip
from engine.batching.state import EPS, BatchState

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


class _Budget:
    """Stop rule: iterations when given (clock never read), else a wall-clock deadline."""

    def __init__(self, params: BatchingParams, clock: Callable[[], float]) -> None:
        self.max_iterations = params.max_iterations
        self.clock = clock
        self.start = 0.0 if params.max_iterations is not None else clock()
        self.limit = params.time_limit_s

    @property
    def by_iterations(self) -> bool:
        return self.max_iterations is not None

    def elapsed(self) -> float:
        """Seconds since the start; 0 when stopping by iterations (the clock is not read)."""
        return 0.0 if self.by_iterations else self.clock() - self.start

    def out_of_time(self) -> bool:
        return not self.by_iterations and self.clock() - self.start >= self.limit

    def fraction(self, iteration: int) -> float:
        """Share of the budget used, in [0, 1]."""
        if self.max_iterations is not None:
            return min(1.0, iteration / max(1, self.max_iterations))
        return min(1.0, (self.clock() - self.start) / self.limit)

    def done(self, iteration: int) -> bool:
        if self.max_iterations is not None:
            return iteration >= self.max_iterations
        return self.out_of_time()


def local_search(
    state: BatchState,
    k: int,
    stop: Callable[[], bool] | None = None,
    max_passes: int = 3,
    items: Sequence[int] | None = None,
) -> int:
    """First-improvement descent over relocate and swap moves.

    For each item with a positive removal gain, candidate batches are the ``k``
    sharing most keys: a relocate costs one route evaluation per candidate.
    Where the two best candidates are too full to take the item, swaps with
    their members that share a key with the item's batch are tried (two
    evaluations each). Passes repeat until none improves or ``max_passes``;
    ``stop`` (checked once per item) ends the descent early. ``items`` limits
    the moves to those items (default: all, in index order). Returns the number
    of improving moves applied.

    A look that moved nothing is not made again while what it read is
    unchanged (:class:`_Unchanged`): an item is looked at again only when its
    batch, one of its candidates, or a batch that now ranks among its ``k``
    candidates has changed, and within a look a relocate or swap with a
    candidate is tried again only when that candidate or the item's batch
    has changed. The moves, trips scored and result are those of looking at
    everything every pass (one of the 10,000-order scale wave's two regions,
    4,477 items: the same 1,238 moves over 12 passes in 12.5 s of CPU instead
    of 19.8 s).
    """
    moves = 0
    order = range(state.p.n) if items is None else items
    unchanged = _Unchanged(state, k)
    cache = state.cache
    for _ in range(max_passes):
        before = moves
        for i in order:
            if stop is not None and stop():
                return moves
            if unchanged(i):
                continue
            a = int(state.batch_of[i])
            gain = state.removal_gain(i)
            if gain <= EPS:
                unchanged.looked(i, (), ranked=False)
                continue
            cands = state.candidates(i, k, exclude=a)
            full: list[int] = []
            moved = False
            # (candidate, whether i fits it, whether that was looked at afresh, its trip with i to score)
            looks: list[tuple[int, bool, bool, frozenset[int] | None]] = []
            for b in cands:
                known = unchanged.relocate(i, a, b)
                if known is None:  # not looked at since a or b changed
                    fitted = state.fits(b, (i,))
                    looks.append((b, fitted, True, state.points_with(b, add=(i,)) if fitted else None))
                else:
                    looks.append((b, known, False, None))
            cache.prefetch([pts for *_, pts in looks if pts is not None])  # one compiled call for the look
            for b, fitted, fresh, pts in looks:
                if fresh:
                    if pts is not None and state.insertion_delta(i, b, pts) < gain - EPS:
                        state.move(i, b)
                        unchanged.changed(a, b)
                        moves += 1
                        moved = True
                        break
                    unchanged.no_relocate(i, a, b, fitted)
                if not fitted:
                    full.append(b)
            if moved:
                continue
            keys_a: set[int] | None = None
            without_i: frozenset[int] | None = None  # a's points without i's
            for b in [b for b in cands[:2] if b in full]:
                if unchanged.swapped(i, a, b):
                    continue
                if keys_a is None:
                    keys_a = {key for j in state.members[a] if j != i for key in state.p.keys[j]}
                if without_i is None:
                    without_i = state.points_with(a, remove=(i,))
                pairs = [(j, without_i.union(state.p.points[j]), state.points_with(b, (i,), (j,)))
                         for j in sorted(state.members[b])
                         if state.p.keys[j] & keys_a and state.fits(b, (i,), (j,)) and state.fits(a, (j,), (i,))]
                cache.prefetch([q for _, pa, pb in pairs for q in (pa, pb)])
                for j, pa, pb in pairs:
                    new_a = cache(pa)
                    new_b = cache(pb)
                    if new_a + new_b < state.cost[a] + state.cost[b] - EPS:
                        state.move(i, b)
                        state.move(j, a)
                        unchanged.changed(a, b)
                        moves += 1
                        moved = True
                        break
                if moved:
                    break
                unchanged.no_swap(i, a, b)
            if not moved:
                unchanged.looked(i, cands, ranked=True)
        if moves == before:
            break
    return moves


class _Unchanged:
    """Which looks of :func:`local_search` need not be made again: nothing they read has changed.

    A look at item ``i`` in batch ``a`` reads ``a`` (its removal gain, keys,
    load), the ranking of the batches sharing keys with ``i`` (its candidates)
    and the candidates' contents. Every move is logged with the two batches it
    changes; a look that moved nothing is recorded with the log's length and
    the candidates it saw. The item needs a new look only when ``a`` or one of
    those candidates changed since, or a batch that changed since now ranks
    above the last candidate (or shares a key at all, when there were fewer
    than ``k``): a look over the same batches in the same ranking scores the
    same trips and moves nothing, so skipping it leaves the descent as it was.
    Likewise a relocate of the item to a candidate, or its swaps with the
    candidate's members, that did not pay are not tried again until the item's
    batch or the candidate changes.
    """

    #: Most batches changed since a look that are checked for a new ranking (more: the item is looked at).
    MAX_CHANGED = 512

    def __init__(self, state: BatchState, k: int) -> None:
        self.state = state
        self.k = k
        self.log: list[int] = []  # batches changed, in order
        self.stamp: dict[int, int] = {}  # batch -> length of the log after its last change
        self.seen: dict[int, tuple[int, Sequence[int], bool]] = {}  # item -> (log length, candidates, ranked)
        # (item, batch) -> (its batch, both batches' stamps[, whether it fitted]) of a move that did not pay
        self.relocates: dict[tuple[int, int], tuple[int, int, int, bool]] = {}
        self.swaps: dict[tuple[int, int], tuple[int, int, int]] = {}

    def changed(self, a: int, b: int) -> None:
        """Batches ``a`` and ``b`` changed (a relocate or a swap between them)."""
        self.log += (a, b)
        self.stamp[a] = self.stamp[b] = len(self.log)

    def relocate(self, i: int, a: int, b: int) -> bool | None:
        """Whether ``i`` fitted ``b`` when its relocate from ``a`` last failed (``None``: changed since)."""
        seen = self.relocates.get((i, b))
        if seen is None or seen[0] != a or seen[1] != self.stamp.get(a, 0) or seen[2] != self.stamp.get(b, 0):
            return None
        return seen[3]

    def no_relocate(self, i: int, a: int, b: int, fitted: bool) -> None:
        """Moving ``i`` from ``a`` to ``b`` does not pay (or ``i`` does not fit: not ``fitted``)."""
        self.relocates[i, b] = (a, self.stamp.get(a, 0), self.stamp.get(b, 0), fitted)

    def swapped(self, i: int, a: int, b: int) -> bool:
        """Whether no swap of ``i`` (in ``a``) with a member of ``b`` paid, and neither batch changed since."""
        seen = self.swaps.get((i, b))
        return seen is not None and seen == (a, self.stamp.get(a, 0), self.stamp.get(b, 0))

    def no_swap(self, i: int, a: int, b: int) -> None:
        """No swap of ``i`` (in ``a``) with a member of ``b`` pays."""
        self.swaps[i, b] = (a, self.stamp.get(a, 0), self.stamp.get(b, 0))

    def looked(self, i: int, cands: Sequence[int], ranked: bool) -> None:
        """Item ``i`` was looked at and did not move; ``cands`` are the candidates it ranked (``ranked``:
        it had a removal gain, so the look read the ranking)."""
        self.seen[i] = (len(self.log), cands, ranked)

    def __call__(self, i: int) -> bool:
        """Whether a look at ``i`` now would be the same as its last (so it moves nothing)."""
        seen = self.seen.pop(i, None)
        if seen is None:
            return False
        at, cands, ranked = seen
        stamp = self.stamp
        state = self.state
        a = int(state.batch_of[i])
        if stamp.get(a, 0) > at or any(stamp.get(b, 0) > at for b in cands):
            return False
        if ranked:
            since = self.log[at:]
            if len(since) > self.MAX_CHANGED:
                return False
            if since:
                full = len(cands) >= self.k  # a changed batch enters by outranking the last candidate
                last = cands[-1] if full else -1
                floor = state.shared_keys(i, (last,))[0] if full else 0
                for b, c in zip(since, state.shared_keys(i, since), strict=True):
                    if b != a and (c > floor or (full and c == floor and b < last)):
                        return False
        self.seen[i] = seen
        return True


# --- ALNS operators -------------------------------------------------------------------
def _destroy_random(state: BatchState, q: int, rng: np.random.Generator) -> list[int]:
    return [int(i) for i in rng.choice(state.p.n, size=q, replace=False)]


def _destroy_related(state: BatchState, q: int, rng: np.random.Generator) -> list[int]:
    """A random item and the items of batches sharing its keys, most shared keys first."""
    seed = int(rng.integers(state.p.n))
    keys = state.p.keys[seed]
    pool: dict[int, int] = {}
    for b in state.candidates(seed, 6):
        for j in state.members[b]:
            pool[j] = len(keys & state.p.keys[j])
    for j in state.members[int(state.batch_of[seed])]:
        pool[j] = len(keys & state.p.keys[j])
    pool.pop(seed, None)
    noise = rng.random(len(pool))
    ranked = sorted(zip(pool.items(), noise, strict=True), key=lambda t: (-t[0][1] - t[1], t[0][0]))
    return [seed] + [j for (j, _), _ in ranked[: q - 1]]


def _destroy_worst(state: BatchState, q: int, rng: np.random.Generator) -> list[int]:
    """Of ``3q`` sampled items, the ``q`` whose removal saves most route per item."""
    sample = rng.choice(state.p.n, size=min(state.p.n, 3 * q), replace=False)
    gains = [(-state.removal_gain(int(i)) * (0.8 + 0.4 * rng.random()), int(i)) for i in sample]
    gains.sort()
    return [i for _, i in gains[:q]]


def _destroy_batches(state: BatchState, q: int, rng: np.random.Generator) -> list[int]:
    """All items of one or two random batches, least-filled first: makes merges possible."""
    live = [b for b, m in enumerate(state.members) if m]
    fill = np.array([len(state.members[b]) for b in live], dtype=np.float64)
    weights = 1.0 / fill
    weights /= weights.sum()
    picked = rng.choice(len(live), size=min(len(live), 2), replace=False, p=weights)
    out: list[int] = []
    for idx in picked:
        out.extend(sorted(state.members[live[int(idx)]]))
        if len(out) >= q:
            break
    return out


def _repair_greedy(state: BatchState, items: list[int], k: int, rng: np.random.Generator) -> None:
    for idx in rng.permutation(len(items)):
        i = items[int(idx)]
        _, b = state.best_insertion(i, k)
        state.place(i, b)


def _repair_regret(state: BatchState, items: list[int], k: int, rng: np.random.Generator) -> None:
    """Regret-2: insert first the item that loses most if its best batch fills up."""
    left = list(items)
    while left:
        best_item, best_b, best_regret = -1, -1, -np.inf
        # every trip this round scores, in one compiled call
        looks = [(i, [(b, state.points_with(b, add=(i,))) for b in state.candidates(i, k) if state.fits(b, (i,))],
                  frozenset(state.p.points[i])) for i in left]
        state.cache.prefetch([q for _, trips, alone in looks for q in (*(pts for _, pts in trips), alone)])
        for i, trips, alone in looks:
            options: list[tuple[float, int]] = [(state.insertion_delta(i, b, pts), b) for b, pts in trips]
            options.append((state.cache(alone), -1))
            options.sort()
            regret = options[1][0] - options[0][0] if len(options) > 1 else np.inf
            if regret > best_regret + EPS:
                best_item, best_b, best_regret = i, options[0][1], regret
        state.place(best_item, best_b)
        left.remove(best_item)


DESTROY = (_destroy_random, _destroy_related, _destroy_worst, _destroy_batches)
REPAIR = (_repair_greedy, _repair_regret)
# Scores (Ropke & Pisinger 2006): new best, better than current, accepted worse.
SIGMA = (33.0, 9.0, 13.0)
REACTION, SEGMENT = 0.1, 50
#: Share of the time budget given to construction + ALNS; the final descent gets the rest.
POLISH_AT = 0.95
#: Most of the time budget the savings construction may use (then it is cut short, see savings_batches).
CONSTRUCTION_SHARE = 0.5
#: Passes of the first descent: enough to reach a local optimum on 2,000-order waves.
DESCENT_PASSES = 50
#: Budget fractions at which the pooled trips are set-partitioned during the ALNS.
CHECKPOINTS = (0.5,)
#: Share of the time budget each of those set-partitioning calls may use (wall clock).
PARTITION_SHARE = 0.1
#: ALNS ends at this share of the budget; the last set partitioning may use FINAL_SHARE.
SEARCH_END = 0.86
FINAL_SHARE = 0.09
#: Most trips of an exact set-partitioning MIP (more: the cheapest in reduced cost, not exact).
EXACT_COLUMNS = 1500
#: Share of the budget after which no set partitioning starts (time-limited runs; SCIP may overrun a little).
SEARCH_LIMIT = 0.96


def _record(state: BatchState, pool: TripPool, batches: Iterable[int]) -> None:
    for b in set(batches):
        if state.members[b]:
            pool.add(state.members[b], state.cost[b])


def _record_all(state: BatchState, pool: TripPool, force: bool = False) -> None:
    for b, m in enumerate(state.members):
        if m:
            (pool.force if force else pool.add)(m, state.cost[b])


#: Partition = (pool, incumbent batches) -> (best batches or None, proven optimal).
Partition = Callable[[TripPool, Sequence[Sequence[int]]], "tuple[tuple[tuple[int, ...], ...] | None, bool]"]


def alns(
    state: BatchState,
    params: BatchingParams,
    rng: np.random.Generator,
    budget: _Budget,
    progress: Progress | None = None,
    pool: TripPool | None = None,
    partition: Partition | None = None,
    checkpoints: Sequence[float] = (),
) -> tuple[np.ndarray, float, int, list[tuple[int, float]]]:
    """Improve ``state`` in place; returns (best assignment, best cost, iterations, history).

    With a ``pool`` every trip a repair builds is kept; at each budget fraction
    of ``checkpoints`` ``partition`` chooses the best combination of pooled
    trips, and the search goes on from it when it is better than the best.
    """
    n = state.p.n
    best_assign, best_cost = state.batch_of.copy(), state.total
    history: list[tuple[int, float]] = []
    if n < 2:
        return best_assign, best_cost, 0, history
    marks = list(checkpoints)
    record = pool
    state.seen = record
    w_destroy = np.ones(len(DESTROY))
    w_repair = np.ones(len(REPAIR))
    s_destroy, n_destroy = np.zeros(len(DESTROY)), np.zeros(len(DESTROY))
    s_repair, n_repair = np.zeros(len(REPAIR)), np.zeros(len(REPAIR))
    live = sum(1 for m in state.members if m)
    t0 = params.start_temperature * state.total / max(1, live)
    it = 0
    qmax = min(params.destroy_max, n)
    qmin = min(params.destroy_min, qmax)
    while not budget.done(it):
        frac = budget.fraction(it)
        temp = t0 * (1.0 - frac)
        d = int(rng.choice(len(DESTROY), p=w_destroy / w_destroy.sum()))
        r = int(rng.choice(len(REPAIR), p=w_repair / w_repair.sum()))
        q = int(rng.integers(qmin, qmax + 1))
        before = state.total
        removed = DESTROY[d](state, q, rng)
        undo = [(i, int(state.batch_of[i])) for i in removed]
        for i in removed:
            state.remove(i)
        REPAIR[r](state, removed, params.candidate_batches, rng)
        if record is not None:
            _record(state, record, [int(state.batch_of[i]) for i in removed])
        after = state.total
        score = 0.0
        if after < best_cost - EPS and params.local_search:
            # Polish each new best around what moved (the re-inserted items): cheap, and often finds more.
            local_search(state, params.candidate_batches, max_passes=2, items=sorted(removed))
            after = state.total
            if record is not None:
                _record_all(state, record)
        if after < best_cost - EPS:
            best_cost, best_assign = after, state.batch_of.copy()
            history.append((it + 1, best_cost))
            score = SIGMA[0]
        elif after < before - EPS:
            score = SIGMA[1]
        elif after > before + EPS and temp > 0 and rng.random() < math.exp(-(after - before) / temp):
            score = SIGMA[2]
        elif after > before + EPS:
            for i in removed:
                state.remove(i)
            for i, b in undo:
                state.place(i, b)
        s_destroy[d] += score
        n_destroy[d] += 1
        s_repair[r] += score
        n_repair[r] += 1
        it += 1
        if it % SEGMENT == 0:
            used = n_destroy > 0
            w_destroy[used] = (1 - REACTION) * w_destroy[used] + REACTION * s_destroy[used] / n_destroy[used]
            used = n_repair > 0
            w_repair[used] = (1 - REACTION) * w_repair[used] + REACTION * s_repair[used] / n_repair[used]
            np.maximum(w_destroy, 0.05, out=w_destroy)
            np.maximum(w_repair, 0.05, out=w_repair)
            s_destroy[:] = n_destroy[:] = s_repair[:] = n_repair[:] = 0
            if progress is not None:
                progress("search", budget.fraction(it))
        if marks and pool is not None and partition is not None and budget.fraction(it) >= marks[0]:
            while marks and budget.fraction(it) >= marks[0]:
                marks.pop(0)
            chosen, proven = partition(pool, _assignment_batches(best_assign))
            if chosen is not None:
                cand = BatchState(state.p, state.cache, chosen)
                if cand.total < best_cost - EPS:
                    # Go on from the combination: it is the best known, and its neighbourhood is new.
                    state = cand
                    state.seen = record
                    best_cost, best_assign = cand.total, cand.batch_of.copy()
                    history.append((it, best_cost))
            if proven:
                break
    return best_assign, best_cost, it, history


def _assignment_batches(assign: np.ndarray) -> list[list[int]]:
    groups: dict[int, list[int]] = {}
    for i, b in enumerate(assign.tolist()):
        groups.setdefault(b, []).append(i)
    return [groups[b] for b in sorted(groups, key=lambda b: groups[b][0])]


def construct(
    problem: BatchingProblem, cache: RouteCache, params: BatchingParams, stop: Callable[[], bool] | None = None
) -> list[list[int]]:
    """The start solution of :attr:`BatchingParams.construction`; ``stop`` may cut savings short."""
    if params.construction is Construction.FIRST_COME:
        return first_come(problem)
    if params.construction is Construction.SEED:
        return seed_batches(problem)
    return savings_batches(problem, cache, params.savings_neighbours, stop)


def solve(
    problem: BatchingProblem,
    cost: RouteCost | RouteCache,
    params: BatchingParams | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
    start: Sequence[Sequence[int]] | None = None,
) -> BatchingResult:
    """Batch ``problem`` to minimise the total route length under cart capacity.

    Construction (``params.construction``), then relocate/swap descent, then
    ALNS until the budget ends, then a final descent on the best solution.

    Parameters
    ----------
    problem
        Items and cart.
    cost
        Route length of a point set; wrapped in a :class:`RouteCache` unless it is one.
    params
        Search settings; defaults to :class:`BatchingParams()`.
    seed
        Seed of the search; with ``params.max_iterations`` set, the result depends
        only on ``problem``, ``params`` and ``seed``.
    progress
        Called with ``(stage, fraction)`` now and then.
    clock
        Seconds as a float; read only when no iteration limit is set.
    start
        Batches (item indices, each item once, each batch fitting the cart) to start
        from instead of the construction heuristic.

    Examples
    --------
    >>> from engine.model import CartSpec
    >>> p = BatchingProblem.build([(0,), (0,), (5,)], [(0,), (0,), (5,)], [1, 1, 1], [1, 1, 1], CartSpec(totes=2))
    >>> trip = lambda pts: 4.0 + 2.0 * max(pts)   # a fixed cost per trip plus depth
    >>> r = solve(p, trip, BatchingParams(max_iterations=20))
    >>> r.batches, r.cost
    (((0, 1), (2,)), 18.0)
    """
    params = params or BatchingParams()
    cache = cost if isinstance(cost, RouteCache) else RouteCache(cost)
    budget = _Budget(params, clock)
    rng = np.random.default_rng(seed)
    if problem.n == 0:
        return BatchingResult((), 0.0, 0.0, 0.0, 0, 0, "empty")
    if progress is not None:
        progress("construction", 0.0)

    def construction_over() -> bool:
        return not budget.by_iterations and budget.elapsed() >= CONSTRUCTION_SHARE * budget.limit

    state = BatchState(problem, cache, construct(problem, cache, params, construction_over) if start is None
                       else [list(b) for b in start])
    construction_cost = state.total
    log.debug("construction %.1f m: %d items, %.1f s of %.1f s", construction_cost, problem.n, budget.elapsed(),
              budget.limit)
    if params.local_search:
        def descent_over() -> bool:
            return not budget.by_iterations and budget.elapsed() >= POLISH_AT * budget.limit

        local_search(state, params.candidate_batches, descent_over, max_passes=DESCENT_PASSES)
    descent_cost = state.total
    log.debug("construction %.1f m, descent %.1f m (%d route evaluations, %.1f s)", construction_cost,
              descent_cost, cache.evaluations, budget.elapsed())
    pool: TripPool | None = None  # the trips the search has seen
    full: TripPool | None = None  # every feasible trip, when few enough to list
    full_lp: PoolLP | None = None
    lower: float | None = None
    proven = False
    kernel: KernelData | None = None  # column generation's compiled pricing, when it applies
    if params.set_partitioning and problem.n > params.partition_max_items:
        log.info("set partitioning skipped: %d items > partition_max_items %d (ALNS alone)", problem.n,
                 params.partition_max_items)
    elif params.set_partitioning and problem.n >= 2:
        pool = TripPool(params.pool_size)
        enough_time = budget.by_iterations or params.time_limit_s >= params.colgen_seconds_per_item * problem.n
        if params.column_generation and problem.n <= params.colgen_max_items and enough_time:
            kernel = KernelData.build(problem, cache)
        if kernel is not None:
            return _solve_colgen(problem, cache, params, rng, budget, progress, state, pool, kernel,
                                 construction_cost, descent_cost)
        trips = enumerate_trips(problem, params.enumerate_limit) if params.enumerate_limit else None
        if trips is not None:
            full = TripPool(len(trips) + problem.n)
            lengths = cache.lengths([problem.trip_points(t) for t in trips])
            for t, c in zip(trips, lengths, strict=True):
                full.force(t, c)
            full_lp = pool_lp(problem.n, full)
            if full_lp is not None:
                lower = full_lp[0]  # the LP over every feasible trip bounds every plan
            log.debug("all %d feasible trips listed and scored, LP bound %s (%.1f s)", len(trips), lower,
                      budget.elapsed())
        _record_all(state, pool, force=True)

    def partition(share: float) -> Partition:
        """Set partitioning, ``share`` of the budget as its wall-clock box.

        Over every feasible trip when they are listed and the reduced-cost
        filter leaves few enough for an exact MIP (then it may prove the
        optimum); otherwise over the trips the search has seen.
        """
        def run(pool: TripPool, incumbent: Sequence[Sequence[int]]) -> tuple[tuple[tuple[int, ...], ...] | None, bool]:
            nonlocal lower, proven
            if budget.by_iterations:
                wall, nodes = None, params.partition_nodes
            else:
                left = max(0.0, SEARCH_LIMIT * budget.limit - budget.elapsed())
                wall, nodes = min(share * budget.limit, left), None
                if wall < 0.05:
                    return None, False
            target, lp = pool, None
            if full is not None and full_lp is not None:
                ub = sum(full.trips[tuple(sorted(b))] for b in incumbent)
                if int(np.count_nonzero(full_lp[3] <= ub - full_lp[0] + 1e-6 * max(1.0, ub))) <= EXACT_COLUMNS:
                    target, lp = full, full_lp
            for b in incumbent:  # the incumbent must be in the model
                target.force(b, cache(problem.trip_points(b)))
            res = set_partition_mip(problem.n, target, incumbent, wall, nodes, max_columns=EXACT_COLUMNS, lp=lp)
            if res is None:
                return None, False
            if target is full and res.bound is not None:
                lower = res.bound if lower is None else max(lower, res.bound)
                proven = proven or res.optimal
            log.debug("set partitioning over %d %s trips (%d kept): %.1f m (LP %.1f, bound %s, %s), %.1f s",
                      len(target), "listed" if target is full else "seen", res.columns, res.cost, res.lp, res.bound,
                      "optimal" if res.optimal and target is full else "open", budget.elapsed())
            return res.trips, proven
        return run

    iterations, history = 0, list[tuple[int, float]]()
    stopped = "iterations" if budget.by_iterations else "time"
    if params.alns and not (budget.by_iterations and params.max_iterations == 0):
        # ALNS ends at SEARCH_END of the budget (the last partition and the final descent get the rest).
        end = SEARCH_END if pool is not None else POLISH_AT
        search_budget = _Budget(replace(params, time_limit_s=params.time_limit_s * end), clock)
        search_budget.start = budget.start
        best_assign, best, iterations, history = alns(
            state, params, rng, search_budget, progress, pool, partition(PARTITION_SHARE), CHECKPOINTS)
        log.debug("alns: %d iterations, best %.1f m, %d route evaluations, %.1f s", iterations, best,
                  cache.evaluations, budget.elapsed())
        state = BatchState(problem, cache, _assignment_batches(best_assign))
    if pool is not None and not proven:
        chosen, _ = partition(FINAL_SHARE)(pool, state.batches())
        if chosen is not None:
            cand = BatchState(problem, cache, chosen)
            if cand.total < state.total - EPS:
                state = cand
    if params.local_search and not proven:
        local_search(state, params.candidate_batches, budget.out_of_time)
    log.debug("search: %d iterations, best %.1f m, %d route evaluations, %.1f s", iterations, state.total,
              cache.evaluations, budget.elapsed())
    if progress is not None:
        progress("search", 1.0)
    total = state.recomputed_total()
    if lower is not None and total <= lower + EPS:
        stopped = "optimal"
    return BatchingResult(
        state.batches(), total, construction_cost, descent_cost,
        iterations, cache.evaluations, stopped, tuple(history), lower,
    )


#: Column generation (time-limited runs): ALNS until COLGEN_START of the budget, pricing rounds
#: until COLGEN_PRICE_END, a dive until COLGEN_DIVE_END, ALNS from the dive's plan until
#: COLGEN_POLISH_END, exact re-batching of close trips until COLGEN_REBATCH_END (plans of full
#: trips only, :func:`engine.batching.rebatch.worth_it`), the MIP until COLGEN_MIP_END, then a
#: last descent.
COLGEN_START = 0.05
COLGEN_PRICE_END = 0.4
COLGEN_DIVE_END = 0.5
COLGEN_POLISH_END = 0.6
COLGEN_REBATCH_END = 0.75
#: Under ``max_iterations``: the sub-problems re-batching solves.
REBATCH_GROUPS = 4
COLGEN_MIP_END = 0.95
#: Plans of many orders a trip (:func:`engine.batching.colgen.wide_trips`): dives until WIDE_DIVE_END
#: (a search over dives), the polish until WIDE_POLISH_END, re-batching until WIDE_REBATCH_END.
WIDE_DIVE_END = 0.72
WIDE_POLISH_END = 0.75
WIDE_REBATCH_END = 0.85
#: Under ``max_iterations`` the column-generation MIP gets ``partition_nodes`` divided by this
#: (HiGHS over thousands of columns: milliseconds a node).
COLGEN_NODES_DIVISOR = 100


def _solve_colgen(
    problem: BatchingProblem,
    cache: RouteCache,
    params: BatchingParams,
    rng: np.random.Generator,
    budget: _Budget,
    progress: Progress | None,
    state: BatchState,
    pool: TripPool,
    kernel: KernelData,
    construction_cost: float,
    descent_cost: float,
) -> BatchingResult:
    """ALNS for a start and columns, then column generation and a MIP (:mod:`engine.batching.colgen`).

    Under ``max_iterations`` the ALNS runs its iterations, the pricing at most
    ``colgen_rounds`` rounds and the MIP ``partition_nodes`` nodes: the clock
    is never read.
    """
    _record_all(state, pool, force=True)
    iterations, history = 0, list[tuple[int, float]]()
    clock = budget.clock
    if params.alns and not (budget.by_iterations and params.max_iterations == 0):
        search_budget = _Budget(replace(params, time_limit_s=params.time_limit_s * COLGEN_START), clock)
        search_budget.start = budget.start
        best_assign, _, iterations, history = alns(state, params, rng, search_budget, progress, pool)
        state = BatchState(problem, cache, _assignment_batches(best_assign))
    if progress is not None:
        progress("search", COLGEN_START)
    columns = dict(pool.trips)
    wide = wide_trips(problem.n, kernel.min_trips())
    dive_end, polish_end, rebatch_end = (WIDE_DIVE_END, WIDE_POLISH_END, WIDE_REBATCH_END) if wide else \
        (COLGEN_DIVE_END, COLGEN_POLISH_END, COLGEN_REBATCH_END)

    def pricing_left() -> float:
        return COLGEN_PRICE_END * budget.limit - budget.elapsed()

    def dive_left() -> float:
        return dive_end * budget.limit - budget.elapsed()

    def mip_seconds() -> float | None:
        if budget.by_iterations:
            return None
        return max(0.0, COLGEN_MIP_END * budget.limit - budget.elapsed())

    def polish(batches: list[tuple[int, ...]]) -> tuple[list[tuple[int, ...]], dict[tuple[int, ...], float]]:
        """Descent and ALNS from the best plan until COLGEN_POLISH_END (half the iterations)."""
        seen = TripPool(params.pool_size)
        start = BatchState(problem, cache, batches)
        if budget.by_iterations:
            sub = replace(params, max_iterations=max(1, (params.max_iterations or 0) // 2))
        else:
            sub = replace(params, time_limit_s=polish_end * budget.limit)
        sub_budget = _Budget(sub, clock)
        sub_budget.start = budget.start
        start.seen = seen
        if params.local_search:  # a descent first: the dive's plan is rarely a local optimum
            local_search(start, params.candidate_batches, sub_budget.out_of_time, max_passes=DESCENT_PASSES)
            _record_all(start, seen)
        assign, _, _, _ = alns(start, params, rng, sub_budget, None, seen)
        plan = [tuple(b) for b in _assignment_batches(assign)]
        trips = dict(seen.trips)
        if rebatching.worth_it(plan):
            def rebatch_left() -> float:
                return rebatch_end * budget.limit - budget.elapsed()

            for t, c in trips.items():
                columns.setdefault(t, c)
            res = rebatching.rebatch(problem, cache, plan, columns, kernel,
                                     None if budget.by_iterations else rebatch_left, REBATCH_GROUPS)
            log.debug("rebatch: %d groups, %d better, %.1f m, %d trips scored, %.1f s", res.groups, res.improved,
                      res.cost, len(res.seen), budget.elapsed())
            plan = res.batches
            for t, c in res.seen.items():
                trips.setdefault(t, c)
        return plan, trips

    res = column_generation(
        problem, cache, kernel, columns, state.batches(), pricing_left, dive_left, mip_seconds,
        max_rounds=params.colgen_rounds if budget.by_iterations else None,
        mip_nodes=max(1, params.partition_nodes // COLGEN_NODES_DIVISOR) if budget.by_iterations else None,
        polish=polish if params.alns else None, wide=wide)
    if res.cost < state.total - EPS:
        state = BatchState(problem, cache, res.batches)
        history.append((iterations, state.total))
    if params.local_search and not res.optimal:
        local_search(state, params.candidate_batches, budget.out_of_time)
    if progress is not None:
        progress("search", 1.0)
    total = state.recomputed_total()
    lower = res.lower_bound
    stopped = "iterations" if budget.by_iterations else "time"
    if lower is not None and total <= lower + EPS * max(1.0, total) + 1e-6 * max(1.0, total):
        stopped = "optimal"
    log.debug("column generation: %d rounds, %d columns, LP %.1f, bound %s, best %.1f m, %.1f s", res.rounds,
              res.columns, res.lp, lower, total, budget.elapsed())
    return BatchingResult(state.batches(), total, construction_cost, descent_cost, iterations, cache.evaluations,
                          stopped, tuple(history), lower)
