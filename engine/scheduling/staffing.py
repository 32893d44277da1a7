"""How many pickers: the fewest with which every order is on time, and a lower bound (SPEC section 8).

- :func:`pickers_for` -- the fewest pickers with which *given* trips, sequenced
  again (:func:`~engine.scheduling.sequencing.best_schedule`), leave no order late;
- :func:`work_profile` and :func:`profile_bound` -- a lower bound on the work
  due by each due time, and the pickers it takes to do that work in time: no
  plan of these items does with fewer;
- :func:`fewest_pickers` -- the planner's figure: the fewest pickers for which
  the search (:func:`engine.scheduling.search.improve`, the same as planning)
  finds trips with no late order. The trip sets the search saw are sequenced
  again for every count (cheap); then each count one below the best so far is
  searched -- from the best trips known there, first made lean with the pickers
  they need (as planning does on big instances), then against the clock --
  until one leaves some order late or the budget ends. The lower bound says how
  far the figure can be from the true fewest.

The work bound of a set ``S`` of items, all due by ``t``: every item's rows and
units; every distinct stop of ``S`` once; a setup for each of at least
``ceil(max(|S| / totes, weight / cart weight, volume / cart volume))`` trips;
and walking: a trip is at least as long as the route of any one item it
carries, and in any split of ``S`` into trips of at most ``totes`` items the
``j``-th longest trip is at least the ``(j * totes)``-th longest route alone,
so the walking is at least the sum of those routes. All of it must be done by
``t``, on pickers that start at 0: at least ``work / t`` pickers.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from engine.scheduling.params import SchedulingParams
from engine.scheduling.problem import TIME_EPS, SchedulingProblem
from engine.scheduling.search import RELAX_ITEMS, _Budget, _relaxed, _Search, improve
from engine.scheduling.sequencing import pickers_for, with_pickers
from engine.scheduling.trips import Durations, evaluate


def work_profile(problem: SchedulingProblem, durations: Durations) -> tuple[tuple[float, float], ...]:
    """``(t, w)`` per distinct finite due time ``t``: no plan does the items due by ``t`` in less work ``w`` (s).

    See the module's docstring for the bound. Items of one order share its due time.
    """
    lab, bp = problem.labour, problem.batching
    order = sorted((i for i in range(problem.n) if math.isfinite(problem.due_s[i])), key=lambda i: problem.due_s[i])
    if not order:
        return ()
    alone = durations.routes.lengths([frozenset(bp.points[i]) for i in order])
    w, v = bp.weight_kg.tolist(), bp.volume_l.tolist()
    totes = max(1, bp.cart.totes)
    out: list[tuple[float, float]] = []
    stops: set[int] = set()
    routes: list[float] = []
    rows = units = 0
    weight = volume = 0.0
    for pos, i in enumerate(order):
        stops.update(problem.stops[i])
        routes.append(alone[pos])
        rows += problem.rows[i]
        units += problem.units[i]
        weight += w[i]
        volume += v[i]
        t = problem.due_s[i]
        if pos + 1 < len(order) and problem.due_s[order[pos + 1]] == t:
            continue
        trips = max(math.ceil(len(routes) / totes),
                    math.ceil(weight / bp.cart.max_weight_kg - 1e-9) if bp.cart.max_weight_kg > 0 else 0,
                    math.ceil(volume / bp.cart.max_volume_l - 1e-9) if bp.cart.max_volume_l > 0 else 0)
        walk = math.fsum(sorted(routes, reverse=True)[::totes])
        out.append((t, lab.setup_s_per_trip * trips + walk / lab.walking_speed_m_s + lab.time_s_per_stop * len(stops)
                    + lab.time_s_per_line * rows + lab.time_s_per_unit * units))
    return tuple(out)


def profile_bound(profiles: Sequence[Sequence[tuple[float, float]]]) -> int | None:
    """Fewest pickers the work profiles (of disjoint item sets, added up) need: ``max ceil(w(t) / t)``.

    ``None`` when some work is due at or before time 0 (no count does it).
    """
    cuts = sorted({t for prof in profiles for t, _ in prof})
    best = 0
    for t in cuts:
        work = 0.0
        for prof in profiles:  # each profile's work due by t: its entry at the last due time <= t
            got = [w for s, w in prof if s <= t]
            work += got[-1] if got else 0.0
        if work <= 0:
            continue
        if t <= TIME_EPS:
            return None
        best = max(best, math.ceil(work / t - 1e-9))
    return best


def _stop_descent(search: _Search, over: Callable[[int], bool],
                  on_time: Callable[[tuple[int, float, float]], bool]) -> bool:
    return over(0) or on_time(search.key)


@dataclass(frozen=True, slots=True)
class Staffing:
    """The pickers a problem needs.

    Attributes
    ----------
    needed
        Fewest pickers for which a plan with no late order was found (``None``:
        none, e.g. an order alone ends after its due time).
    trips
        That plan's trips (item indices) -- the witness; empty when ``needed`` is ``None``.
    durations
        Their durations (s).
    lower_bound
        No plan does with fewer pickers (the work bound; ``None`` when none can be on time).
    profile
        The work bound per due time, ``(t, w)`` (see :func:`work_profile`).
    probes
        ``(pickers, late orders)`` of each count searched, in the order searched.
    """

    needed: int | None
    trips: tuple[tuple[int, ...], ...]
    durations: tuple[float, ...]
    lower_bound: int | None
    profile: tuple[tuple[float, float], ...]
    probes: tuple[tuple[int, int], ...] = ()


def fewest_pickers(
    problem: SchedulingProblem,
    durations: Durations,
    trip_sets: Sequence[Sequence[Sequence[int]]],
    params: SchedulingParams,
    clock: Callable[[], float] = time.monotonic,
) -> Staffing:
    """The fewest pickers for which the search finds a plan with no late order, and the work bound.

    Counts are searched one below the best found so far, down to one where the
    search leaves an order late (or to the bound). Each count is searched as
    planning with that many pickers searches: from the best of the planning
    search's starts there (the trip sets after the first), made lean first on
    big instances, then against the clock -- with about the time planning has.
    When the plan (the first trip set) leaves an order late with the problem's
    pickers, no count at or below them is searched again (planning searched it).

    Parameters
    ----------
    problem
        The items; ``labour.pickers`` is the plan's count.
    durations
        Trip durations (their route cache is shared with the planning search).
    trip_sets
        Trip sets already found: the plan first, then others (the search's
        starts). Each is sequenced again for every count; the best of them at a
        count starts the search there.
    params
        Budget of the whole call (``time_limit_s``, or ``max_iterations`` rounds
        per count searched) and seed.
    clock
        Seconds as a float; never read when ``params.max_iterations`` is set.

    Returns
    -------
    Staffing
        With ``max_iterations`` set: the same for the same inputs and seed.
    """
    profile = work_profile(problem, durations)
    bound = profile_bound([profile])
    if problem.n == 0:
        return Staffing(0, (), (), 0, profile)
    sets = [[sorted(b) for b in s if b] for s in trip_sets]
    alone = [durations([i]) for i in range(problem.n)]
    if all(a <= problem.due_s[i] + TIME_EPS for i, a in enumerate(alone)):
        sets.append([[i] for i in range(problem.n)])  # every item alone, all at once: a witness at n pickers
    best: tuple[int, list[list[int]]] | None = None
    for s in sets:
        got = pickers_for(problem, s, [durations(b) for b in s], best[0] if best else None)
        if got is not None and (best is None or got < best[0]):
            best = (got, s)
    if best is None or bound is None:
        return Staffing(None, (), (), bound, profile)
    budget = _Budget(params, clock)
    t0 = budget.t0
    rng = np.random.default_rng(params.seed)
    rounds = params.max_iterations
    probes: list[tuple[int, int]] = []

    def over(it: int) -> bool:
        return it >= rounds if rounds is not None else clock() - t0 >= params.time_limit_s

    def on_time(key: tuple[int, float, float]) -> bool:
        return key[0] == 0

    def probe(c: int, witness: list[list[int]]) -> list[list[int]] | None:
        """Search ``c`` pickers as planning with ``c`` would: from the best start there; the trips if none is late."""
        sub = with_pickers(problem, c)
        starts = others or [witness, *sets]
        start = min((evaluate(sub, durations, s)[0], k) for k, s in enumerate(starts))[1]
        search = _Search(sub, durations, starts[start])
        if not on_time(search.key) and problem.n > RELAX_ITEMS:  # as planning does: lean trips first
            search = _relaxed(search, rng, budget, over)
        if not on_time(search.key):
            search.descend(functools.partial(_stop_descent, search, over, on_time))
            improve(search, rng, over, over, on_time)
        probes.append((c, search.key[0]))
        return None if search.key[0] else [list(b) for b in search.batches]

    def budget_left() -> bool:
        return rounds is not None or clock() - t0 < params.time_limit_s

    others = sets[1:len(trip_sets)]  # the planning search's own starts: a probe starts as planning would
    floor = max(bound, 1)
    n = problem.labour.pickers
    if best[0] > n:  # the plan is late with its pickers: that count was searched by planning itself
        floor = max(floor, n + 1)
    while best[0] - 1 >= floor and budget_left():
        found = probe(best[0] - 1, best[1])
        if found is None:
            break
        best = (best[0] - 1, found)
    trips = [sorted(b) for b in best[1]]
    return Staffing(best[0], tuple(tuple(b) for b in trips), tuple(durations(b) for b in trips), bound, profile,
                    tuple(probes))


__all__ = ["Staffing", "fewest_pickers", "pickers_for", "profile_bound", "with_pickers", "work_profile"]
