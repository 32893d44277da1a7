"""Trip durations of item sets (cached), cart fit, and the key of a set of trips."""

from __future__ import annotations

from collections.abc import Sequence

from engine.batching import RouteCache, RouteCost
from engine.scheduling.problem import SchedulingProblem
from engine.scheduling.sequencing import best_schedule


class Durations:
    """Trip durations of item sets, cached; route lengths through a :class:`RouteCache`."""

    def __init__(self, problem: SchedulingProblem, cost: RouteCost | RouteCache) -> None:
        self.p = problem
        self.routes = cost if isinstance(cost, RouteCache) else RouteCache(cost)
        self._memo: dict[frozenset[int], float] = {}

    def seen(self) -> list[frozenset[int]]:
        """Every item set scored so far (the pool of the set-partitioning step)."""
        return list(self._memo)

    def __call__(self, items: Sequence[int] | frozenset[int]) -> float:
        key = items if isinstance(items, frozenset) else frozenset(items)
        d = self._memo.get(key)
        if d is None:
            p, lab = self.p, self.p.labour
            pts = frozenset(q for i in key for q in p.batching.points[i])
            stops = len(frozenset(s for i in key for s in p.stops[i]))
            d = (lab.setup_s_per_trip + self.routes(pts) / lab.walking_speed_m_s + lab.time_s_per_stop * stops
                 + lab.time_s_per_line * sum(p.rows[i] for i in key)
                 + lab.time_s_per_unit * sum(p.units[i] for i in key))
            self._memo[key] = d
        return d


_LOADS: dict[int, tuple[SchedulingProblem, list[float], list[float]]] = {}


def fits(problem: SchedulingProblem, items: Sequence[int]) -> bool:
    """Whether ``items`` fit one cart (totes, weight, volume)."""
    bp = problem.batching
    if len(items) > bp.cart.totes:
        return False
    got = _LOADS.get(id(problem))
    if got is None or got[0] is not problem:  # python floats: summing them beats numpy scalars here
        if len(_LOADS) > 64:
            _LOADS.clear()
        got = _LOADS[id(problem)] = (problem, bp.weight_kg.tolist(), bp.volume_l.tolist())
    _, w, v = got
    return (sum(w[i] for i in items) <= bp.cart.max_weight_kg + 1e-9
            and sum(v[i] for i in items) <= bp.cart.max_volume_l + 1e-9)


def evaluate(problem: SchedulingProblem, durations: Durations, batches: Sequence[Sequence[int]]
             ) -> tuple[tuple[int, float, float], list[int], list[float]]:
    """(late orders, lateness, working) key, picker and start of each trip."""
    dur = [durations(b) for b in batches]
    (late, tot), who, start = best_schedule(problem, batches, dur)
    return (late, tot, round(sum(dur), 6)), who, start


