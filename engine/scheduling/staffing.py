"""How many pickers: the fewest with which every order is on time, and a lower bound (SPEC section 8).

- :func:`pickers_for` -- the fewest pickers with which *given* trips, sequenced
  again (:func:`~engine.scheduling.sequencing.best_schedule`), leave no order late;
- :func:`work_profile` and :func:`profile_bound` -- a lower bound on the work
  due by each due time, and the pickers it takes to do that work in time: no
  plan of these items does with fewer;
- :func:`fewest_pickers` -- the planner's figure: the fewest pickers for which
  planning finds trips with no late order. The trip sets the search saw are
  sequenced again for every count (cheap); then each count one below the best
  so far is planned -- the planning search itself
  (:func:`engine.scheduling.search.solve`, same starts, parameters and seed),
  stopped at its first punctual trips -- until one leaves some order late or
  the budget ends. So planning again with one fewer than the figure leaves an
  order late (exactly so with ``max_iterations`` set). The lower bound says
  how far the figure can be from the true fewest.

A plan is judged on its *final* trips: after the search, the wave re-chooses
each trip's faces from the stock (shorter walks), so trips the search left a
few orders late can be on time as planned. A count searched here is judged the
same way when the caller gives ``final`` (the durations those last steps give):
trips the search left late count as on time when, with their final durations,
they are. Without it a fresh plan with that many pickers could be on time where
the count searched here was not (seed 31's 1,000-order day: the search at 2
pickers left 3 orders late both in a fresh plan and below a 5-picker plan; the
fresh plan's faces, re-chosen, made them all on time, so 2 pickers planned on
time while the figure said 3).

Against the clock a search's outcome near the threshold depends on how far it
got in its time, so the count below the figure is searched harder than a
fresh plan would search it: from the plan's starts *and* from the trips found
on time with one picker more and the plan's own trips (a count that succeeds
from there stops within moments, leaving the rest of the budget to the count
that decides). Symmetrically, a plan late with its own pickers searches that
count once more, from the trips found with more pickers, with what the
counts above left of the budget; the wave then uses those trips when they are
on time (:func:`engine.wave.labour.batch_group`). With ``max_iterations`` set
a count is searched exactly as planning would search it, as above.

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

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from engine.scheduling.params import SchedulingParams
from engine.scheduling.problem import TIME_EPS, SchedulingProblem
from engine.scheduling.search import solve
from engine.scheduling.sequencing import best_schedule, pickers_for, with_pickers
from engine.scheduling.trips import Durations


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
        Their durations (s): the search's, or the final ones (``final`` of
        :func:`fewest_pickers`) where only those leave no order late.
    lower_bound
        No plan does with fewer pickers (the work bound; ``None`` when none can be on time).
    profile
        The work bound per due time, ``(t, w)`` (see :func:`work_profile`).
    probes
        ``(pickers, late orders)`` of each count searched, in the order searched (late by the final
        durations where those are given and leave fewer late).
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
    *,
    search: SchedulingParams | None = None,
    starts: Sequence[Sequence[Sequence[int]]] = (),
    final: Callable[[Sequence[Sequence[int]]], Sequence[float]] | None = None,
    final_s: float = 0.0,
) -> Staffing:
    """The fewest pickers for which the planning search finds a plan with no late order, and the work bound.

    The trip sets are sequenced again for every count; the best of them gives a
    first figure. Then each count one below the best so far is *planned*: the
    same search as planning with that many pickers (:func:`engine.scheduling.search.solve`
    with ``search``'s parameters and ``starts``), stopped at its first
    trips with no order late -- down to a count where it leaves an order late,
    or to the bound, or until the budget ends. With ``max_iterations`` set, a
    count searched here is on time exactly when planning with that many pickers
    is (the same search, the same seed); with the clock each count is also
    started from the trips found with one picker more and the plan's trips.
    When the plan (the first trip set) leaves an order late with the problem's
    pickers, no count below them is searched, and theirs only with the clock
    (once more, last, from those trips).

    Parameters
    ----------
    problem
        The items; ``labour.pickers`` is the plan's count.
    durations
        Trip durations (their route cache is shared with the planning search).
    trip_sets
        Trip sets already found: the plan first, then others. Each is sequenced
        again for every count.
    params
        Budget of the whole call: ``time_limit_s`` (each count searched gets
        what is left of it, at most ``search.time_limit_s``), or, with
        ``max_iterations`` set, the rounds of each count searched.
    clock
        Seconds as a float; never read when ``params.max_iterations`` is set.
    search
        The planning search's parameters (its time limit, exact model, seed);
        default ``params``.
    starts
        The start solutions the planning search was given.
    final
        The durations trips (item indices, in the order searched) get from the
        plan's last steps (faces re-chosen): a count whose search ends late is
        on time when these durations, sequenced, leave no order late (see the
        module's docstring). ``None``: the search's own durations decide.
    final_s
        Seconds kept back from each count's search for ``final`` (with the clock).

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
    best: tuple[int, list[list[int]], list[float]] | None = None
    for s in sets:
        dur = [durations(b) for b in s]
        if best is not None and not _on_time(problem, s, dur, best[0] - 1):
            continue  # this set does not beat the best (and sequencing it at every count would cost much)
        got = pickers_for(problem, s, dur, best[0] if best else None)
        if got is not None and (best is None or got < best[0]):
            best = (got, s, dur)
    if best is None or bound is None:
        return Staffing(None, (), (), bound, profile)
    plan = search or params
    t0 = clock() if params.max_iterations is None else 0.0
    probes: list[tuple[int, int]] = []

    def left() -> float:
        return math.inf if params.max_iterations is not None else params.time_limit_s - (clock() - t0)

    by_clock = params.max_iterations is None
    first = [sorted(b) for b in trip_sets[0] if b] if trip_sets else []

    def probe(c: int) -> tuple[list[list[int]], list[float]] | None:
        """Plan ``c`` pickers as planning would, until on time; the trips and durations if no order is late.

        With the clock the search also starts from the trips found on time
        with the fewest pickers so far and from the plan's trips. Trips the
        search leaves late are judged once more by their ``final`` durations.
        """
        if not by_clock:
            sp = dataclasses.replace(plan, max_iterations=params.max_iterations)
            given = list(starts)
        else:
            keep = final_s if final is not None else 0.0
            sp = dataclasses.replace(plan, max_iterations=None,
                                     time_limit_s=max(0.05, min(plan.time_limit_s, left() - keep)))
            given = [*starts, *(s for s in (best[1], first) if s)]  # type: ignore[index]
        res = solve(with_pickers(problem, c), durations.routes, sp, clock, given, until_on_time=True)
        trips = [list(t.items) for t in res.trips]
        late = res.objective.late_orders
        dur = [durations(b) for b in trips]
        if late and final is not None:
            fdur = [float(d) for d in final(trips)]
            late_final = best_schedule(with_pickers(problem, c), trips, fdur)[0][0]
            if late_final < late:
                late, dur = late_final, fdur
        probes.append((c, late))
        return None if late else (trips, dur)

    floor = max(bound, 1)
    n = problem.labour.pickers
    if best[0] > n:
        # the plan is late with its pickers: planning searched that count. With max_iterations a search
        # again would be the same search; with the clock the plan's own count is searched once more
        # (last, with what is left), from the trips the counts above found: see the module's docstring
        floor = max(floor, n + 1 if not by_clock else n)
    while best[0] - 1 >= floor and left() > 0:
        found = probe(best[0] - 1)
        if found is None:
            break
        best = (best[0] - 1, *found)
    return Staffing(best[0], tuple(tuple(sorted(b)) for b in best[1]), tuple(best[2]), bound, profile,
                    tuple(probes))


def _on_time(problem: SchedulingProblem, trips: Sequence[Sequence[int]], dur: Sequence[float], pickers: int) -> bool:
    """Whether these trips, sequenced with ``pickers`` pickers, leave no order late."""
    return pickers >= 1 and best_schedule(with_pickers(problem, pickers), trips, dur)[0][0] == 0


__all__ = ["Staffing", "fewest_pickers", "pickers_for", "profile_bound", "with_pickers", "work_profile"]
