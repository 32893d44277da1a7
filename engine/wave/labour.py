"""Planning against the clock inside the wave service (SPEC section 8).

- :func:`hold_later` -- the release horizon: orders that can wait are held ``later``;
- :func:`batch_group` -- a group's trips by :func:`engine.scheduling.search.solve`,
  started from the distance batching (kept as a baseline);
- :func:`labour_plan` -- the final trips (faces re-chosen, routes final) to pickers
  and times, promises, the fewest pickers needed, and the two baselines.

Due times come from ``ship_by`` and the carriers (:func:`engine.scheduling.due_time`);
inside the solvers times are seconds after ``labour.start``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from engine.batching import BatchingParams, BatchingProblem, BatchingResult, RouteCache, first_come
from engine.batching import solve as solve_batching
from engine.model import Hold, HoldReason, Order, WaveConfig
from engine.scheduling.clock import at, due_time, iso_utc, trip_duration
from engine.scheduling.params import LabourParams, SchedulingParams
from engine.scheduling.problem import SchedulingProblem
from engine.scheduling.search import solve as solve_schedule
from engine.scheduling.sequencing import best_schedule, edd_schedule, lateness, with_pickers
from engine.scheduling.staffing import Staffing, fewest_pickers, pickers_for, profile_bound
from engine.scheduling.trips import Durations, evaluate
from engine.wave.allocation import Take
from engine.wave.plan import Batch
from engine.wave.release import Release
from engine.wave.schedule import LabourBaseline, LabourPlan, Promise, ScheduledTrip

log = logging.getLogger(__name__)

#: Share of a group's search time the distance batching (start and baseline) gets.
DISTANCE_SHARE = 0.4
#: Share of the scheduling time (after the distance batching) spent on the fewest pickers: as much as the
#: plan's own search gets, so that a count searched there (its starts given) is searched as hard as a plan.
STAFFING_SHARE = 0.5


def start_of(config: WaveConfig) -> datetime:
    lab = config.labour
    if lab is None or lab.start is None:
        raise ValueError("labour.start must be resolved (the run's time) before planning")
    return lab.start


def order_dues(config: WaveConfig, orders: Sequence[Order]) -> dict[str, datetime | None]:
    """Each order's due time for picking (SPEC section 8)."""
    lab = config.labour
    assert lab is not None
    carriers = {c.carrier_id: c for c in config.carriers}
    start = start_of(config)
    return {o.order_id: due_time(o.ship_by, carriers.get(o.carrier), start, lab.pack_lead_s) for o in orders}


def seconds_after(start: datetime, t: datetime | None) -> float:
    return math.inf if t is None else (t - start).total_seconds()


def pick_rows(takes: Sequence[Take]) -> int:
    """Picklist rows of one part's (or one order's) takes: one per place and SKU."""
    return len({(t.location_id, t.sku) for t in takes})


def _alone(labour: LabourParams, takes: Sequence[Take], distance_m: float) -> float:
    """Duration of a trip picking ``takes`` alone."""
    return trip_duration(labour, distance_m, len({t.location_id for t in takes}), pick_rows(takes),
                         sum(t.qty for t in takes))


def hold_later(rel: Release, config: WaveConfig, route_m: Callable[[Sequence[Take]], float]) -> Release:
    """Apply ``horizon_s``: hold ``later`` the orders that can wait for a later run.

    Every order whose latest start (due less its trip alone) is before
    ``start + horizon_s`` goes now, and so does every order without a due time
    that ranks ahead of one of them; then the others in release rank while the
    pickers' time within the horizon lasts, each counted as its share of a full
    cart's setup and walking plus its own stop, line and unit times (its trip
    alone divided over ``cart.totes`` orders); the rest are held ``later`` with
    their latest start in the detail and give their stock back.
    """
    lab = config.labour
    if lab is None or lab.horizon_s is None:
        return rel
    start = start_of(config)
    dues = order_dues(config, rel.released)
    horizon_end = lab.horizon_s
    capacity = lab.pickers * lab.horizon_s
    latest: dict[str, float] = {}
    work: dict[str, float] = {}
    for o in rel.released:
        takes = rel.takes[o.order_id]
        dist = route_m(takes)
        alone = _alone(lab, takes, dist)
        latest[o.order_id] = seconds_after(start, dues[o.order_id]) - alone
        shared = (lab.setup_s_per_trip + dist / lab.walking_speed_m_s) / max(1, config.cart.totes)
        work[o.order_id] = alone - lab.setup_s_per_trip - dist / lab.walking_speed_m_s + shared
    must = [o for o in rel.released if latest[o.order_id] < horizon_end]
    # an order with no due time that ranks ahead of an order that must go goes too (release rank holds)
    last = max((k for k, o in enumerate(rel.released) if latest[o.order_id] < horizon_end), default=-1)
    must += [o for k, o in enumerate(rel.released[:last]) if dues[o.order_id] is None]
    used = sum(work[o.order_id] for o in must)
    keep = {o.order_id for o in must}
    for o in rel.released:
        if o.order_id in keep:
            continue
        if used + work[o.order_id] <= capacity:
            keep.add(o.order_id)
            used += work[o.order_id]
    if len(keep) == len(rel.released):
        return rel
    later: list[Hold] = []
    for o in rel.released:
        if o.order_id in keep:
            continue
        for t in rel.takes[o.order_id]:
            rel.ledger.give_back(t)
        ls = latest[o.order_id]
        detail = ("latest start " + iso_utc(at(start, ls)) if math.isfinite(ls)
                  else "no due time; the pickers' time within the horizon is used up")
        later.append(Hold(o.order_id, HoldReason.LATER, detail))
    released = tuple(o for o in rel.released if o.order_id in keep)
    return dataclasses.replace(
        rel, released=released, held=rel.held + tuple(later),
        takes={k: v for k, v in rel.takes.items() if k in keep},
        packs={k: v for k, v in rel.packs.items() if k in keep})


class PartTimes:
    """Per part: stop keys (location ids as integers), picklist rows, units, due (s after start)."""

    def __init__(self, parts: Sequence[object], dues: Mapping[str, float]) -> None:
        self.loc: dict[str, int] = {}
        self.stops: list[list[int]] = []
        self.rows: list[int] = []
        self.units: list[int] = []
        self.due: list[float] = []
        self.order_of: list[int] = []
        orders: dict[str, int] = {}
        for p in parts:
            takes: Sequence[Take] = p.takes  # type: ignore[attr-defined]
            self.stops.append(sorted({self.loc.setdefault(t.location_id, len(self.loc)) for t in takes}))
            self.rows.append(pick_rows(takes))
            self.units.append(sum(t.qty for t in takes))
            oid: str = p.order_id  # type: ignore[attr-defined]
            self.due.append(dues.get(oid, math.inf))
            self.order_of.append(orders.setdefault(oid, len(orders)))

    def problem(self, bp: BatchingProblem, labour: LabourParams, pickers: int | None = None) -> SchedulingProblem:
        lab = labour if pickers is None else dataclasses.replace(labour, pickers=pickers)
        return SchedulingProblem.build(bp, self.stops, self.rows, self.units, self.due, lab, self.order_of)


def due_seconds(config: WaveConfig, orders: Sequence[Order]) -> dict[str, float]:
    start = start_of(config)
    return {oid: seconds_after(start, d) for oid, d in order_dues(config, orders).items()}


def batch_group(
    parts: Sequence[object], bp: BatchingProblem, cache: RouteCache, config: WaveConfig, orders: Sequence[Order],
    params: BatchingParams, seed: int, clock: Callable[[], float], share: float = 1.0,
    final: Callable[[Sequence[Sequence[int]]], Sequence[float]] | None = None, final_s: float = 0.0,
) -> tuple[list[tuple[int, ...]], BatchingResult, Staffing]:
    """A group's trips against the clock, the distance-only batching it started from, and its staffing.

    The group plans with its share of the pickers (``share`` of the wave's
    parts, at least one): groups are planned apart but share the pickers. Of
    the scheduling budget, :data:`STAFFING_SHARE` goes to the fewest pickers
    (:func:`engine.scheduling.staffing.fewest_pickers`): each count is planned
    with the plan's search, its starts and (at most) its time. Each stage ends
    by its share of ``params.time_limit_s`` counted from the call, so a stage
    that overruns shortens the next ones rather than the wave's deadline.
    ``final`` gives trips (indices into ``parts``) the durations the plan's
    last steps would (faces re-chosen; ``final_s`` seconds at most): a count
    searched for the fewest pickers is judged by them as a plan is.
    """
    lab = config.labour
    assert lab is not None
    by_iter = params.max_iterations is not None
    t0 = 0.0 if by_iter else clock()
    limit = params.time_limit_s

    def until(start: float, end: float) -> float:
        """Seconds for the stage from ``start`` to ``end`` (shares of the budget): with the clock, what is
        left until ``end`` of the budget has passed, so that an overrun comes out of later stages."""
        if by_iter:
            return max(0.05, limit * (end - start))
        return max(0.05, limit * end - (clock() - t0))

    dist = solve_batching(bp, cache, dataclasses.replace(params, time_limit_s=until(0.0, DISTANCE_SHARE)),
                          seed, None, clock)
    t_dist = 0.0 if by_iter else clock() - t0
    times = PartTimes(parts, due_seconds(config, orders))
    sp = times.problem(bp, lab, group_pickers(lab.pickers, share))
    plan_end = DISTANCE_SHARE + (1 - DISTANCE_SHARE) * (1 - STAFFING_SHARE)
    rounds = max(1, (params.max_iterations or 0) // 100) if by_iter else None
    sparams = SchedulingParams(time_limit_s=until(DISTANCE_SHARE, plan_end), max_iterations=rounds,
                               seed=seed, exact_items=12 if len(parts) <= 12 else 0)
    res = solve_schedule(sp, cache, sparams, clock, starts=[dist.batches])
    t_plan = 0.0 if by_iter else clock() - t0
    trips = [t.items for t in res.trips]
    durations = Durations(sp, cache)
    # each count below is planned as this plan was: the same starts and parameters, about as much time
    staff = fewest_pickers(sp, durations, [trips, *res.alternatives],
                           SchedulingParams(time_limit_s=until(plan_end, 1.0), max_iterations=rounds, seed=seed), clock,
                           search=sparams, starts=[dist.batches], final=final, final_s=final_s)
    if res.objective.late_orders and staff.trips and (
            evaluate(sp, durations, staff.trips)[0] < evaluate(sp, durations, trips)[0]):
        trips = list(staff.trips)  # the staffing search made every order with these pickers (or fewer)
    log.info("group of %d items, %d pickers: %d late; pickers needed %s (searched %s), at least %s; "
             "budget %.1f s, distance batching until %.1f s, plan until %.1f s, staffing until %.1f s", sp.n,
             sp.labour.pickers, res.objective.late_orders, staff.needed, staff.probes, staff.lower_bound, limit,
             t_dist, t_plan, 0.0 if by_iter else clock() - t0)
    return trips, dist, staff


def group_pickers(pickers: int, share: float) -> int:
    """A group's pickers: its share of the wave's, rounded half up, at least one."""
    return max(1, min(pickers, math.floor(pickers * share + 0.5)))


def _durations(batches: Sequence[Batch], lab: LabourParams) -> list[float]:
    return [trip_duration(lab, b.distance_m, len({p.stop for p in b.picks}), len(b.picks), b.units) for b in batches]


def labour_plan(
    config: WaveConfig,
    orders: Sequence[Order],
    batches: Sequence[Batch],
    baseline_trips: Mapping[str, tuple[Sequence[Sequence[object]], Callable[[frozenset[int]], float],
                                       Callable[[str], int]]],
    held_later: int,
    witness: Sequence[tuple[Sequence[str], float]] = (),
    profiles: Sequence[Sequence[tuple[float, float]]] = (),
) -> LabourPlan:
    """The final trips to pickers and times, the promises, pickers needed, and the baselines.

    ``baseline_trips`` maps a baseline's name to its trips (lists of parts), a
    route cost of point-index sets and the point index of a location.
    ``witness`` is the groups' fewest-pickers trips put together (each trip's
    order ids and duration) and ``profiles`` their work bounds
    (:func:`engine.scheduling.staffing.work_profile`). ``pickers_needed`` is the
    fewest pickers with which one of these trip sets -- the plan's, a
    baseline's, the witness -- sequenced again leaves no order late; the
    witness's count was searched down until the search left an order late.
    """
    lab = config.labour
    assert lab is not None
    start = start_of(config)
    dues = order_dues(config, orders)
    due_s = {k: seconds_after(start, v) for k, v in dues.items()}
    # the scheduling problem over whole orders: one item per (batch, order)
    items: list[tuple[int, str]] = [(b, oid) for b, bt in enumerate(batches) for oid in bt.orders]
    oidx: dict[str, int] = {}
    order_of = [oidx.setdefault(oid, len(oidx)) for _, oid in items]
    sp = _plain_problem([due_s.get(oid, math.inf) for _, oid in items], order_of, lab)
    trips: list[list[int]] = [[] for _ in batches]
    for k, (b, _) in enumerate(items):
        trips[b].append(k)
    dur = _durations(batches, lab)
    (_late, tot), who, st = best_schedule(sp, trips, dur)
    ends = [s + d for s, d in zip(st, dur, strict=True)]
    _, _, done = lateness(sp, trips, ends)
    seq: dict[int, int] = {}
    rows = []
    for b in sorted(range(len(batches)), key=lambda b: (who[b], st[b])):
        seq[who[b]] = seq.get(who[b], 0) + 1
        rows.append(ScheduledTrip(f"P{who[b] + 1:02d}", seq[who[b]], batches[b].batch_id, at(start, st[b]),
                                  at(start, ends[b])))
    rows.sort(key=lambda t: (t.start, t.picker))
    promises = []
    for oid, k in oidx.items():
        c = done[k]
        d = dues.get(oid)
        late_s = max(0.0, c - due_s[oid]) if d is not None else 0.0
        promises.append(Promise(oid, d, at(start, c), late_s if late_s > 1e-6 else 0.0))
    base = [_baseline(name, spec, lab, due_s) for name, spec in baseline_trips.items()]
    sets = [(sp, trips, dur)]
    if witness:
        w_items = [(k, oid) for k, (oids, _) in enumerate(witness) for oid in oids]
        w_idx: dict[str, int] = {}
        w_sp = _plain_problem([due_s.get(oid, math.inf) for _, oid in w_items],
                              [w_idx.setdefault(oid, len(w_idx)) for _, oid in w_items], lab)
        w_trips: list[list[int]] = [[] for _ in witness]
        for j, (k, _) in enumerate(w_items):
            w_trips[k].append(j)
        sets.append((w_sp, w_trips, [d for _, d in witness]))
    sets += [(b[1], b[2], b[3]) for b in base]
    needed: int | None = None
    for s_sp, s_trips, s_dur in sets:  # a set that is late with one fewer than the best so far cannot beat it
        if needed is not None and (needed <= 1 or best_schedule(with_pickers(s_sp, needed - 1), s_trips,
                                                                 s_dur)[0][0]):
            continue
        got = pickers_needed(s_sp, s_trips, s_dur, lab.pickers if needed is None else needed)
        if got is not None and (needed is None or got < needed):
            needed = got
    bound = profile_bound(profiles) if profiles else None
    if needed is not None and bound is not None:
        bound = min(bound, needed)
    notes = ("times: seconds after labour.start; schedule.csv and promises.csv in UTC",
             "pickers_needed: the fewest pickers for which the planner found trips with no late order (the "
             "search run again at each count below, down to one where it leaves an order late); "
             "pickers_lower_bound: no plan does it with fewer (the work due by each due time)")
    return LabourPlan(start, lab.pickers, tuple(rows), tuple(promises), math.fsum(dur), tot, needed,
                      tuple(b[0] for b in base), held_later, notes, bound)


def _plain_problem(due: Sequence[float], order_of: Sequence[int], lab: LabourParams) -> SchedulingProblem:
    """A problem carrying only due times and pickers (the trips and durations are given)."""
    from engine.model import CartSpec

    n = len(due)
    bp = BatchingProblem.build([()] * n, [()] * n, [0.0] * n, [0.0] * n, CartSpec(totes=max(1, n)))
    return SchedulingProblem.build(bp, [()] * n, [0] * n, [0] * n, due, lab, order_of)


def pickers_needed(sp: SchedulingProblem, trips: Sequence[Sequence[int]], dur: Sequence[float], upper: int
                   ) -> int | None:
    """Fewest pickers with no late order for these trips, sequenced again for each count."""
    return pickers_for(sp, trips, dur, upper)


def _baseline(name: str, spec: tuple[Sequence[Sequence[object]], Callable[[frozenset[int]], float],
                                     Callable[[str], int]], lab: LabourParams, due_s: Mapping[str, float]
              ) -> tuple[LabourBaseline, SchedulingProblem, list[list[int]], list[float]]:
    trips, cost, point = spec
    parts = [p for t in trips for p in t]
    times = PartTimes(parts, due_s)
    n = len(parts)
    sp = _plain_problem(times.due, times.order_of, lab)
    idx, k = [], 0
    for t in trips:
        idx.append(list(range(k, k + len(t))))
        k += len(t)
    dur = []
    for members in idx:
        takes = [tk for i in members for tk in parts[i].takes]  # type: ignore[attr-defined]
        d = cost(frozenset(point(t.location_id) for t in takes))
        dur.append(trip_duration(lab, d, len({t.location_id for t in takes}),
                                 sum(times.rows[i] for i in members), sum(times.units[i] for i in members)))
    _who, st = edd_schedule(sp, idx, dur)
    late, tot, _ = lateness(sp, idx, [s + d for s, d in zip(st, dur, strict=True)])
    assert n == k
    return LabourBaseline(name, len(trips), late, tot, math.fsum(dur)), sp, idx, dur


__all__ = ["batch_group", "due_seconds", "first_come", "hold_later", "labour_plan", "order_dues", "pickers_needed",
           "start_of"]
