"""The data of an order-batching problem, its parameters and its result.

A *batching problem* is a set of items (orders, or parts of orders split over
trips or zones) to be grouped into batches, one picker trip each, so that the
sum of the trips' route lengths is smallest and no cart is over capacity.
Items are numbered ``0..n-1`` in release rank (the first-come order); a pick
position is an integer index into a point table the caller keeps, so that the
search handles only integers and the route cost is asked through one cached
function.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import numpy as np

from engine.model import CartSpec

#: Route length of a set of pick positions (point indices), depot to depot.
RouteCost = Callable[[frozenset[int]], float]


@dataclass(frozen=True, slots=True)
class BatchingProblem:
    """Items to batch and the cart they must fit.

    Attributes
    ----------
    points
        Per item, the point indices it must visit.
    keys
        Per item, neighbourhood keys (e.g. aisle numbers): items sharing keys are
        likely to route well together. Only used to choose candidate batches.
    weight_kg, volume_l
        Per item load, float64 arrays of length ``n``.
    cart
        Capacity of one batch: ``totes`` items, weight and volume.
    centroid
        Per item, the mean plan position (x, y) of its points, shape ``(n, 2)``,
        or ``None`` when the layout has no coordinates. Among items sharing keys
        equally, savings pairs the nearest ones (see
        :func:`engine.batching.neighbour_pairs`).
    totes
        Per item, the totes it fills (``cart.tote``: an order part may fill
        several), int64; ``None`` when every item takes one tote. A batch holds
        at most ``cart.totes`` totes (:meth:`tote_count`).

    Examples
    --------
    >>> p = BatchingProblem.build([(0,), (1, 2)], [(1,), (2,)], [1.0, 2.0], [1.0, 1.0], CartSpec(totes=2))
    >>> p.n, p.weight_kg.tolist()
    (2, [1.0, 2.0])
    """

    points: tuple[tuple[int, ...], ...]
    keys: tuple[frozenset[int], ...]
    weight_kg: np.ndarray
    volume_l: np.ndarray
    cart: CartSpec
    centroid: np.ndarray | None = None
    totes: np.ndarray | None = None

    @classmethod
    def build(
        cls,
        points: Sequence[Sequence[int]],
        keys: Sequence[Sequence[int]],
        weight_kg: Sequence[float],
        volume_l: Sequence[float],
        cart: CartSpec,
        centroid: Sequence[Sequence[float]] | None = None,
        totes: Sequence[int] | None = None,
    ) -> BatchingProblem:
        """Validate and freeze; every item must fit an empty cart on its own."""
        n = len(points)
        if not (len(keys) == len(weight_kg) == len(volume_l) == n):
            raise ValueError("points, keys, weight_kg and volume_l must have one entry per item")
        c = None
        if centroid is not None:
            c = np.asarray(centroid, dtype=np.float64)
            if c.shape != (n, 2):
                raise ValueError(f"centroid must have shape ({n}, 2), got {c.shape}")
            c.setflags(write=False)
        w = np.asarray(weight_kg, dtype=np.float64).reshape(n)
        v = np.asarray(volume_l, dtype=np.float64).reshape(n)
        too_big = np.flatnonzero((w > cart.max_weight_kg + 1e-9) | (v > cart.max_volume_l + 1e-9))
        if too_big.size:
            raise ValueError(f"items {too_big[:5].tolist()} exceed an empty cart")
        w.setflags(write=False)
        v.setflags(write=False)
        t = None
        if totes is not None and any(int(x) != 1 for x in totes):
            t = np.asarray(totes, dtype=np.int64).reshape(n)
            if t.min(initial=1) < 1 or t.max(initial=1) > cart.totes:
                raise ValueError(f"every item needs 1..{cart.totes} totes")
            t.setflags(write=False)
        return cls(
            tuple(tuple(sorted(set(p))) for p in points),
            tuple(frozenset(k) for k in keys),
            w,
            v,
            cart,
            c,
            t,
        )

    @property
    def n(self) -> int:
        return len(self.points)

    def trip_points(self, items: Iterable[int]) -> frozenset[int]:
        """The points a trip of ``items`` visits (what its route length is priced on)."""
        return frozenset(q for i in items for q in self.points[i])

    def subset(self, items: Sequence[int]) -> BatchingProblem:
        """The problem of ``items`` only, in that order (same point indices: the same route cache scores it)."""
        idx = np.asarray(items, dtype=np.int64)
        return BatchingProblem(
            tuple(self.points[i] for i in items),
            tuple(self.keys[i] for i in items),
            self.weight_kg[idx],
            self.volume_l[idx],
            self.cart,
            None if self.centroid is None else self.centroid[idx],
            None if self.totes is None else self.totes[idx],
        )

    def tote_count(self, items: Iterable[int]) -> int:
        """Totes the ``items`` fill together (their number when each takes one)."""
        if self.totes is None:
            return sum(1 for _ in items)
        return int(sum(int(self.totes[i]) for i in items))


class Construction(StrEnum):
    """Start heuristics (de Koster, van der Poort & Wolters 1999)."""

    FIRST_COME = "first-come"
    SEED = "seed"
    SAVINGS = "savings"


@dataclass(frozen=True, slots=True)
class BatchingParams:
    """How :func:`engine.batching.solve` searches.

    Attributes
    ----------
    time_limit_s
        Wall-clock budget of the whole solve; ignored when ``max_iterations`` is set
        (then the search stops by iterations only, so that it is reproducible).
    max_iterations
        ALNS iterations; ``None`` runs until the time limit.
    construction
        Start heuristic.
    savings_neighbours
        Savings pairs per item: only the ``k`` items sharing most keys are paired
        (``n * k`` route evaluations instead of ``n^2 / 2``).
    candidate_batches
        Batches tried when inserting an item (the ones sharing most keys, plus a new one).
    local_search
        Relocate/swap descent after construction and on the final best.
    alns
        Run the destroy/repair search after the descent.
    destroy_min, destroy_max
        Items removed per ALNS iteration (drawn uniformly, capped at ``n``).
    start_temperature
        Simulated-annealing start temperature as a fraction of the mean batch cost;
        it falls linearly to zero.
    set_partitioning
        Keep every trip the search sees in a pool and, now and then and at the
        end, choose the best combination of pooled trips (CP-SAT, see
        :mod:`engine.batching.setpart`).
    partition_max_items
        Largest problem (items) on which the pool and set partitioning run; a
        bigger one (a big wave's region) is searched by ALNS alone (logged).
    pool_size
        Most trips kept in the pool.
    enumerate_limit
        When a problem has at most this many feasible trips, all are listed and
        scored: set partitioning over them is exact (proven optimum, lower bound).
        0 never lists them.
    partition_nodes
        Branch-and-bound nodes of one set-partitioning MIP under
        ``max_iterations`` (no wall clock then, so the plan is reproducible).
    column_generation
        Price new trips against the set-covering LP's duals with the compiled
        route programme, then a MIP over them (:mod:`engine.batching.colgen`),
        where the route cost has a compiled scorer (``RouteCache.scorer``) and
        the problem has at most ``colgen_max_items`` items; otherwise the pool
        of trips the search saw is set-partitioned.
    colgen_max_items
        Largest problem (items) on which column generation runs.
    colgen_rounds
        Pricing rounds under ``max_iterations`` (the clock bounds them otherwise).
    colgen_seconds_per_item
        Column generation needs at least this much of ``time_limit_s`` per item
        (time-limited runs); on a shorter budget ALNS and pool set partitioning
        do no worse (273 orders in 5 s, load 6: 7,918 m by column generation, 7,909 m without).

    Examples
    --------
    >>> BatchingParams(max_iterations=100).max_iterations
    100
    >>> BatchingParams(destroy_min=5, destroy_max=2)
    Traceback (most recent call last):
    ...
    ValueError: need 1 <= destroy_min <= destroy_max
    """

    time_limit_s: float = 60.0
    max_iterations: int | None = None
    construction: Construction = Construction.SAVINGS
    savings_neighbours: int = 10
    candidate_batches: int = 8
    local_search: bool = True
    alns: bool = True
    destroy_min: int = 2
    destroy_max: int = 12
    start_temperature: float = 0.03
    set_partitioning: bool = True
    partition_max_items: int = 600
    pool_size: int = 50000
    enumerate_limit: int = 6000
    partition_nodes: int = 2000
    column_generation: bool = True
    colgen_max_items: int = 400
    colgen_rounds: int = 60
    colgen_seconds_per_item: float = 0.05

    def __post_init__(self) -> None:
        if not (self.time_limit_s > 0 and math.isfinite(self.time_limit_s)):
            raise ValueError("time_limit_s must be a positive number")
        if self.max_iterations is not None and self.max_iterations < 0:
            raise ValueError("max_iterations must be >= 0")
        if self.savings_neighbours < 1 or self.candidate_batches < 1:
            raise ValueError("savings_neighbours and candidate_batches must be >= 1")
        if not 1 <= self.destroy_min <= self.destroy_max:
            raise ValueError("need 1 <= destroy_min <= destroy_max")
        if self.start_temperature < 0:
            raise ValueError("start_temperature must be >= 0")
        if self.partition_max_items < 0 or self.pool_size < 0 or self.enumerate_limit < 0:
            raise ValueError("partition_max_items, pool_size and enumerate_limit must be >= 0")
        if self.partition_nodes < 1:
            raise ValueError("partition_nodes must be >= 1")
        if self.colgen_max_items < 0 or self.colgen_rounds < 0 or self.colgen_seconds_per_item < 0:
            raise ValueError("colgen_max_items, colgen_rounds and colgen_seconds_per_item must be >= 0")


@dataclass(frozen=True, slots=True)
class BatchingResult:
    """Batches (item indices, each sorted; batches ordered by their first item).

    ``construction_cost`` is the start solution, ``descent_cost`` after the first
    local search, ``cost`` the final total. ``history`` holds ``(iteration,
    best cost)`` at each improvement of the best solution. ``lower_bound`` is a
    proven lower bound on the optimum (``None`` when none is known): it equals
    ``cost`` when ``stopped_by`` is ``"optimal"``.
    """

    batches: tuple[tuple[int, ...], ...]
    cost: float
    construction_cost: float
    descent_cost: float
    iterations: int
    evaluations: int
    stopped_by: str
    history: tuple[tuple[int, float], ...] = ()
    lower_bound: float | None = None


class KernelScorer(Protocol):
    """A compiled exact scorer whose tables the compiled pricing reads (:class:`engine.routing.RouteScorer`)."""

    def kernel_args(self) -> tuple[Any, ...]: ...


class RouteCache:
    """Route lengths of point sets, computed once each.

    ``many``, when given, scores a list of point sets in one call (e.g. the
    compiled scorer's batch entry); :meth:`lengths` uses it for the sets not
    cached yet. ``scorer``, when given, is the compiled scorer that ``cost``
    calls, point indices being its table's: column generation then prices
    trips in compiled code (:mod:`engine.batching.colgen`).

    >>> calls = []
    >>> cache = RouteCache(lambda pts: calls.append(pts) or float(len(pts)))
    >>> cache(frozenset({1, 2})), cache(frozenset({2, 1})), len(calls)
    (2.0, 2.0, 1)
    >>> cache.lengths([frozenset({1, 2}), frozenset({3})])
    [2.0, 1.0]

    :meth:`prefetch` scores sets a caller may ask for next in one batch call
    (behind a compiled scorer only); they count as evaluations (and enter the
    cache) only when asked for, so ``evaluations`` is the number of distinct
    sets asked for, prefetched or not.
    """

    __slots__ = ("_ahead", "_cost", "_many", "_memo", "evaluations", "scorer")

    def __init__(self, cost: RouteCost,
                 many: Callable[[Sequence[frozenset[int]]], Sequence[float]] | None = None,
                 scorer: KernelScorer | None = None) -> None:
        self._cost = cost
        self._many = many
        self.scorer = scorer
        self._memo: dict[frozenset[int], float] = {frozenset(): 0.0}
        self._ahead: dict[frozenset[int], float] = {}
        self.evaluations = 0

    def __call__(self, points: frozenset[int]) -> float:
        value = self._memo.get(points)
        if value is None:
            value = self._ahead.pop(points, None)
            if value is None:
                value = float(self._cost(points))
            self._memo[points] = value
            self.evaluations += 1
        return value

    def prefetch(self, point_sets: Iterable[frozenset[int]]) -> None:
        """Score the sets not cached yet in one batch call, for :meth:`__call__` to find.

        Only behind a compiled ``scorer`` (where ``many`` is its batch entry, so
        a set scored and never asked for costs microseconds); otherwise this does
        nothing. What an earlier prefetch left unasked is dropped (it was for
        other moves).
        """
        if self._many is None or self.scorer is None:
            return
        memo = self._memo
        todo = [p for p in dict.fromkeys(point_sets) if p not in memo]
        self._ahead = ({p: float(v) for p, v in zip(todo, self._many(todo), strict=True)} if len(todo) > 1
                       else {})

    def lengths(self, point_sets: Sequence[frozenset[int]]) -> list[float]:
        """Route length of each set (batch-scored when ``many`` was given)."""
        memo = self._memo
        if self._many is not None:
            todo = list(dict.fromkeys(p for p in point_sets if p not in memo))
            if todo:
                for p, value in zip(todo, self._many(todo), strict=True):
                    memo[p] = float(value)
                self.evaluations += len(todo)
        return [self(p) for p in point_sets]
