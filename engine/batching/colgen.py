"""Column generation for order batching: price-and-branch over the set-covering master.

The master is the LP relaxation of set covering over a growing set of trips
(columns): ``min sum c_S x_S`` subject to every item covered at least once,
``x >= 0`` (HiGHS, one thread, warm-started simplex as columns are added).
Covering rather than partitioning keeps the duals non-negative; since a route
never gets longer when an item is dropped, both have the same integer
optimum. Each round solves the master, reads the duals and *prices*: trips of
negative reduced cost ``length(S) - duals(S)`` found by the compiled
add/drop descent (:func:`engine.batching.pricing.greedy_price`) join the
master; when it finds none, the exact enumeration
(:func:`engine.batching.pricing.exact_price`) either finds some or proves
that none exists, and then the master's LP value is a lower bound on every
plan. Each complete exact pricing also gives the Lagrangian bound ``LP +
kappa * least reduced cost``, ``kappa`` a bound on the trips of an optimal
plan (no two of its trips fit one cart together, or they would be merged:
joining two tours at the depot is never longer, so at most one trip is at
most half full).

A row ``sum_S x_S >= ceil(load / capacity)`` (every plan has at least that
many trips) is in the master from the start; its dual ``sigma >= 0`` is
subtracted from every reduced cost (the pricers look for trips of ``length -
duals(S) + penalties <= sigma``). On the Henn & Waescher grids it closes much
of the LP gap: 27s-30-60-0 (optimum 2,871 m in 8 trips) has LP 2,772 with
subset-row cuts, 2,811 with the row; 4l-20-75-0 (1,612 m, 4 trips) 1,541 and
1,591.

Then a MIP over the columns whose reduced cost is at most ``UB - LP`` (every
other column is in no plan better than the incumbent ``UB``, by LP duality):
first a compiled depth-first branch and bound over them
(:func:`engine.batching.pricing.partition_search`: every partition costs at
least ``LP + the reduced costs of its trips``, and, when every length is an
integer, a better one is at least 1 shorter), then HiGHS over them (cut off
at the incumbent), both time- or node-boxed. When the LP is proven and every
column of reduced cost at most ``UB - LP`` is listed (the exact enumeration
with that threshold completed), they are exact: a completed search proves the
best plan optimal, and HiGHS's bound is a lower bound. This is the
price-and-branch scheme of Wahlen & Gschwind's heuristics, with their
subset-row cuts but without branching on the LP (a Ryan-Foster branch and
bound on the master LP, branching on item pairs, was tried: about 50 node LPs
a second over 15,000-40,000 columns, none completed at 30 s).

Before the dive, and again after the polish, a gap-deepening enumeration
(the route enumeration of Baldacci et al.'s exact VRP codes): for a small
``delta`` (first :data:`GAP_START` of the LP), every trip of reduced cost at
most ``delta`` under the proven LP's duals is listed and
:func:`engine.batching.coversearch.cover_search` looks for the cheapest
partition over them within ``LP + delta``. By the same argument every such
plan uses only listed trips, so one found by a completed search is optimal,
and when none exists ``LP + delta`` (rounded up) is a lower bound and
``delta`` grows. 14l-50-45-0 (optimum 5,607 m, LP 5,585.3, plans of 5,693-
5,798 m at 30 s before): 1,772 trips under ``delta`` = 33, the optimum
proven optimal in 3.1-3.5 s (wall, two runs).

Subset-row cuts (Jepsen et al. 2008; ``sum_S floor(|S & T| / 2) x_S <= 1``
for item triples ``T``) are separated at each proven LP while they raise it;
their duals go into both pricers (a trip's reduced cost then includes the
penalty of every cut holding two of its items), and the last proven LP with
its cuts gives the lower bound and the reduced costs that select the branch
and bound's columns and bound it.

Capacity cuts (``sum_S [S meets T] x_S >= ceil(load(T) / capacity)``: every
plan has that many trips holding an item of ``T``; the count row is the one
over every item) are separated with them (:meth:`Master.separate_capacity`).
The LP without them covers most items with nearly full trips and the rest
with a fraction of a small trip; with them (seed 0, proven LP at 30 s):
8l-30-75-0 2,271 -> 2,317 (optimum 2,332), 11l-40-60-0 3,610 -> 3,645
(3,667), 12l-40-75-0 3,027 -> 3,055 (3,077), 27s-30-60-0 2,811 -> 2,851
(2,871, then proven optimal in 2.5 s), 10l-40-45-0 5,225 -> 5,233 (5,322).
"""

from __future__ import annotations

import heapq
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from engine.batching.problem import BatchingProblem, KernelScorer, RouteCache

log = logging.getLogger(__name__)

EPS = 1e-6
#: Columns a round adds at most (the most negative reduced costs first), per item.
ADD_PER_ITEM = 5
#: Columns one greedy pricing call may return, per item (no new seed starts once it has them).
OUT_PER_ITEM = 10
#: Rotation of the pricing seeds from one round to the next.
SEED_STEP = 7
#: Scored nodes of one exact pricing, and of the enumeration of the improving columns.
EXACT_NODES = 200_000
ENUM_NODES = 2_000_000
#: Under ``max_rounds`` (no clock) the node limits above are divided by this.
FIXED_NODES_DIVISOR = 20
#: Cost of one exact-pricing node in greedy route evaluations (sets the node limit from the time left).
EXACT_NODE_COST = 4.0
#: Share of the time left to the MIP's end that a first exact MIP may use (when the LP is proven early).
EARLY_MIP_SHARE = 0.5
#: Share of the MIP's time the enumeration of improving columns may take (at the measured route rate).
ENUM_SHARE = 0.3
#: Most columns the enumeration of improving columns may list (more: not exact).
ENUM_COLUMNS = 200_000
#: Most columns of the branch and bound over columns (the least reduced costs; more are dropped and it is
#: not exact): when not every improving column is listed, and when they are (then it may prove the optimum);
#: when there are more, OVERFLOW_COLUMNS (8l-30-75-0, 98,000 listed: over the best 30,000 2,356 m, over 3,000
#: the optimum, 2,332).
MIP_COLUMNS = 3000
EXACT_MIP_COLUMNS = 30000
OVERFLOW_COLUMNS = 3000
#: Subset-row cuts (rank-1 cuts over item triples, Jepsen et al. 2008): separated at each proven LP
#: while it rises by more than CUT_TAIL (relative) per round, at most MAX_CUT_ROUNDS rounds and
#: CUTS_PER_ITEM * n cuts in all; per round the max(CUTS_PER_ROUND, n / 4) most violated (by more than
#: CUT_VIOLATION), an item in at most CUTS_PER_ITEM_ROUND of them.
MAX_CUT_ROUNDS = 30
CUTS_PER_ITEM = 3
CUTS_PER_ROUND = 10
CUTS_PER_ITEM_ROUND = 2
CUT_VIOLATION = 0.02
CUT_TAIL = 1e-4
#: Capacity cuts (``sum_S [S meets T] x_S >= ceil(load(T) / capacity)``, :class:`Master`): separated with the
#: subset-row cuts, at most CAPACITY_PER_ROUND a round (violated by more than CAPACITY_VIOLATION), grown
#: greedily from CAPACITY_SEEDS items.
CAPACITY_CUTS = True
CAPACITY_PER_ROUND = 4
CAPACITY_VIOLATION = 0.02
CAPACITY_SEEDS = 12
#: Whether the MIP carries the cuts as rows (HiGHS stalled on them: a root of 15,000 columns unsolved in 3 s).
MIP_CUTS = False
#: The branch and bound over the MIP's columns before HiGHS: this share of the MIP's time, at this many
#: nodes first to measure its rate (0.4-5 million a second here); under ``max_rounds`` BB_NODES nodes.
BB_SHARE = 0.25
#: As BB_SHARE when every improving column is listed (:func:`engine.batching.coversearch.cover_search` then;
#: HiGHS over 10,000 such columns stalls at its root: 43l-70-60-0, bound 6,177 against the LP 6,182.5).
EXACT_BB_SHARE = 0.6
BB_PROBE = 50_000
BB_NODES = 200_000
#: The least dual of an item when the improving columns are listed (so that no item is left out).
ENUM_DUAL_FLOOR = 1e-7
#: Gap-deepening enumeration (after the pricing, before the dive): the first level lists the trips of
#: reduced cost at most GAP_START of the proven LP, each next one GAP_GROW times as deep; a level's listing
#: may use GAP_ENUM_SHARE of the time left and at most GAP_NODES scored nodes (and EXACT_MIP_COLUMNS trips).
GAP_START = 0.003
GAP_GROW = 1.5
#: A level whose listing overflows is retried halfway from the last level proved, down to this step.
GAP_MIN_STEP = 1.0
GAP_ENUM_SHARE = 0.5
GAP_NODES = 20_000_000
#: Share of the time left to the MIP's end that the gap-deepening enumeration may use before the dive
#: (it often ends the search there), and after the polish (time-limited runs; the MIP then gets the rest).
GAP_SHARE = 0.25
GAP_LATE_SHARE = 0.6

_banner = threading.Lock()
_quiet = False
_warm = False


def warm_up(scorer: KernelScorer) -> None:
    """Load the pricing kernels and HiGHS once per process (from numba's on-disk cache: about a second).

    Called when column generation first runs in a process (:meth:`KernelData.build`), or before
    any clock starts (a benchmark's worker); later calls return at once.
    """
    global _warm
    if not _warm:
        from engine.batching import coversearch, pricing

        pricing.warm_up(scorer.kernel_args()[1:])
        coversearch.warm_up()
        _highs()
        _warm = True


def _highs() -> highspy.Highs:
    """A silent HiGHS instance (one thread).

    HiGHS prints its banner to standard output when the first instance of a
    process is made, before any option can be set; that one is made with
    file descriptor 1 pointed at ``/dev/null`` (the CLI writes JSON there).
    """
    global _quiet
    with _banner:
        if not _quiet:
            saved = os.dup(1)
            try:
                with open(os.devnull, "w") as null:
                    os.dup2(null.fileno(), 1)
                    h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _quiet = True
        else:
            h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    return h


@dataclass(frozen=True, slots=True)
class KernelData:
    """The problem in the pricing kernels' form: item point ranks (CSR), loads, capacities, route tables."""

    iptr: np.ndarray
    irank: np.ndarray
    w: np.ndarray
    v: np.ndarray
    t: np.ndarray
    caps: tuple[float, float, float]
    route: tuple[Any, ...]

    @classmethod
    def build(cls, problem: BatchingProblem, cache: RouteCache) -> KernelData | None:
        """From the compiled scorer behind ``cache``; ``None`` when there is none or a point is outside it."""
        scorer = cache.scorer
        if scorer is None or problem.n == 0:
            return None
        warm_up(scorer)  # once per process: numba's cache and HiGHS loaded (about a second)
        rank, aisle, block, rel, *rest = scorer.kernel_args()
        size = int(rank.shape[0])
        if max(max(p) for p in problem.points) >= size:
            return None
        lens = np.array([len(p) for p in problem.points], dtype=np.int64)
        iptr = np.zeros(problem.n + 1, dtype=np.int64)
        np.cumsum(lens, out=iptr[1:])
        irank = np.empty(int(iptr[-1]), dtype=np.int64)
        for i, p in enumerate(problem.points):
            irank[iptr[i]: iptr[i + 1]] = np.unique(rank[np.asarray(p, dtype=np.int64)])
        # Two points of one position share nothing here: ranks are distinct per point index, so
        # a duplicate position only repeats a pick (harmless, as in the scorer).
        t = np.ones(problem.n) if problem.totes is None else problem.totes.astype(np.float64)
        cart = problem.cart
        # Writable copies: numba compiles read-only arrays as another signature than the warm-up's.
        return cls(iptr, irank, np.array(problem.weight_kg, dtype=np.float64),
                   np.array(problem.volume_l, dtype=np.float64), t,
                   (float(cart.max_weight_kg), float(cart.max_volume_l), float(cart.totes)),
                   (aisle, block, rel, *rest))

    def min_trips(self) -> int:
        """Fewest trips of any plan: the load over the cart's capacity, rounded up, in the most binding unit."""
        load = max(self.w.sum() / max(self.caps[0], 1e-12), self.v.sum() / max(self.caps[1], 1e-12),
                   self.t.sum() / max(self.caps[2], 1e-12))
        return int(max(0.0, np.ceil(load - 1e-9)))

    def trip_bound(self) -> int:
        """Most trips of an optimal plan: no two of them fit one cart together (else merged)."""
        load = self.w.sum() / max(self.caps[0], 1e-12) + self.v.sum() / max(self.caps[1], 1e-12) \
            + self.t.sum() / max(self.caps[2], 1e-12)
        return int(min(self.w.shape[0], np.floor(2.0 * load + 1e-9) + 1))


def _csr(ptr: np.ndarray, items: np.ndarray) -> list[tuple[int, ...]]:
    flat = items.tolist()
    bounds = ptr.tolist()
    return [tuple(sorted(flat[bounds[k]: bounds[k + 1]])) for k in range(len(bounds) - 1)]


class Master:
    """The set-covering LP over the columns so far (HiGHS, warm-started as columns are added).

    Rows ``0..n-1`` cover the items (``>= 1``); row ``n`` counts the trips,
    ``sum_S x_S >= min_trips`` (every plan has at least that many: each trip
    carries at most one cart's load; the LP is much weaker without it,
    e.g. 2,772 against an optimum of 2,871 in 8 trips, 2,811 with it); rows
    ``n + 1 + k`` are the cuts :attr:`cuts`, of two kinds (:attr:`cut_cap`):

    - subset-row cuts over item triples ``T_k`` (``sum_S floor(|S & T_k| / 2)
      x_S <= 1``, a coefficient of 1 for every column holding two or three
      items of ``T_k``);
    - capacity cuts over item sets ``T_k`` (``sum_S [S meets T_k] x_S >=
      r_k``, ``r_k`` the load of ``T_k`` over the cart's capacity rounded up:
      every plan has that many trips holding an item of ``T_k``). The count
      row is the one over every item; these catch the LP covering most items
      with full trips and the rest with a fraction of a small one (8l-30-75-0:
      28 of its 30 items weigh 5.19 carts, the LP covered them with 5.39 trips).

    After :meth:`solve`, :attr:`pen` holds each cut's term ``-dual`` (``>= 0``
    for a subset-row cut, ``<= 0`` for a capacity cut) and :attr:`sigma` the
    count row's dual ``>= 0``: a trip's reduced cost is ``length - duals(S) +
    sum of pen over the cuts it has a coefficient of 1 in - sigma``. The
    pricers tell the kinds apart by the sign of the term (a zero term adds
    nothing either way).
    """

    def __init__(self, n: int, min_trips: int = 0,
                 loads: tuple[np.ndarray, np.ndarray, np.ndarray, tuple[float, float, float]] | None = None) -> None:
        self.n = n
        self.min_trips = int(min_trips)
        self.loads = loads  # (weight, volume, totes, capacities): capacity cuts are separated only with them
        self.sigma = 0.0
        self.cuts: list[tuple[int, ...]] = []
        self.cut_cap: list[bool] = []
        self.cut_index: set[tuple[int, ...]] = set()
        self.item_cuts: list[list[int]] = [[] for _ in range(n)]
        self.item_cols: list[list[int]] = [[] for _ in range(n)]
        self.pen = np.zeros(0)
        self.h = _highs()
        self.h.setOptionValue("presolve", "off")  # re-solved from the last basis as columns come
        self.h.setOptionValue("solver", "simplex")
        inf = highspy.kHighsInf
        self.h.addRows(n, np.ones(n), np.full(n, inf), 0, np.zeros(0, np.int32), np.zeros(0, np.int32),
                       np.zeros(0))
        self.h.addRows(1, np.array([float(self.min_trips)]), np.array([inf]), 0, np.zeros(0, np.int32),
                       np.zeros(0, np.int32), np.zeros(0))
        self.cols: list[tuple[int, ...]] = []
        self.cost: list[float] = []
        self.index: dict[tuple[int, ...], int] = {}
        self.cut_rhs: list[float] = []  # each cut's right side (1 for a subset-row cut)

    def add(self, trips: Sequence[tuple[int, ...]], costs: Sequence[float]) -> int:
        """Add the trips not in the master yet (sorted item tuples); returns how many were new."""
        new_t: list[tuple[int, ...]] = []
        new_c: list[float] = []
        for trip, c in zip(trips, costs, strict=True):
            if trip and trip not in self.index:
                self.index[trip] = len(self.cols) + len(new_t)
                new_t.append(trip)
                new_c.append(float(c))
        if not new_t:
            return 0
        rows: list[int] = []
        starts = np.zeros(len(new_t), dtype=np.int32)
        first = len(self.cols)
        for k, trip in enumerate(new_t):
            starts[k] = len(rows)
            rows.extend(trip)
            rows.append(self.n)
            rows.extend(self.n + 1 + c for c in self.cuts_of(trip))
            for i in trip:
                self.item_cols[i].append(first + k)
        idx = np.array(rows, dtype=np.int32)
        self.h.addCols(len(new_t), np.array(new_c), np.zeros(len(new_t)), np.full(len(new_t), highspy.kHighsInf),
                       idx.shape[0], starts, idx, np.ones(idx.shape[0]))
        self.cols.extend(new_t)
        self.cost.extend(new_c)
        return len(new_t)

    def cuts_of(self, trip: Sequence[int]) -> list[int]:
        """The cuts ``trip`` has a coefficient of 1 in (two items of a triple, one of a capacity set), in order."""
        if not self.cuts:
            return []
        seen: dict[int, int] = {}
        for i in trip:
            for c in self.item_cuts[i]:
                seen[c] = seen.get(c, 0) + 1
        return sorted(c for c, k in seen.items() if k >= (1 if self.cut_cap[c] else 2))

    def _cut_columns(self, members: Sequence[int], cap: bool) -> np.ndarray:
        """The columns with a coefficient of 1 in a cut over ``members``."""
        hits = np.bincount(np.array([j for i in members for j in self.item_cols[i]], dtype=np.int64),
                           minlength=len(self.cols))
        return np.flatnonzero(hits >= (1 if cap else 2))

    def _add_rows(self, sets: Sequence[tuple[int, ...]], cap: bool, lo: Sequence[float]) -> int:
        if not sets:
            return 0
        starts = np.zeros(len(sets), dtype=np.int32)
        idx: list[int] = []
        for k, members in enumerate(sets):
            starts[k] = len(idx)
            idx.extend(self._cut_columns(members, cap).tolist())
            cid = len(self.cuts)
            self.cuts.append(members)
            self.cut_cap.append(cap)
            self.cut_rhs.append(float(lo[k]) if cap else 1.0)
            self.cut_index.add(members)
            for i in members:
                self.item_cuts[i].append(cid)
        cols = np.array(idx, dtype=np.int32)
        inf = highspy.kHighsInf
        low = np.array(lo, dtype=np.float64) if cap else np.full(len(sets), -inf)
        up = np.full(len(sets), inf) if cap else np.ones(len(sets))
        self.h.addRows(len(sets), low, up, cols.shape[0], starts, cols, np.ones(cols.shape[0]))
        return len(sets)

    def add_cuts(self, triples: Sequence[tuple[int, int, int]]) -> int:
        """Add the subset-row cuts over ``triples`` not in the master yet; returns how many were new."""
        return self._add_rows([tr for tr in dict.fromkeys(triples) if tr not in self.cut_index], False, [])

    def add_capacity_cuts(self, sets: Sequence[tuple[int, ...]], trips: Sequence[int]) -> int:
        """Add the capacity cuts ``sum_S [S meets T] x_S >= r`` over the sorted item sets ``sets`` (``r``: ``trips``).

        Returns how many were new.
        """
        new = {T: float(r) for T, r in zip(sets, trips, strict=True) if T not in self.cut_index}
        return self._add_rows(list(new), True, list(new.values()))

    def cap_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The capacity cuts' rows and right sides."""
        k = np.flatnonzero(np.array(self.cut_cap, dtype=bool))
        return (self.n + 1 + k).astype(np.int32), np.array([self.cut_rhs[c] for c in k.tolist()], dtype=np.float64)

    def cut_args(self, pen: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pricers' cut arguments ``(cptr, cids, cpen)``: cuts per item (CSR) and terms (the kind by sign).

        ``pen`` (default :attr:`pen`) may be shorter than the cuts: the later ones get 0.
        """
        pen = self.pen if pen is None else pen
        cpen = np.zeros(len(self.cuts))
        cpen[: pen.shape[0]] = pen
        lens = np.array([len(c) for c in self.item_cuts], dtype=np.int64)
        cptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(lens, out=cptr[1:])
        cids = np.array([c for cs in self.item_cuts for c in cs], dtype=np.int64)
        return cptr, cids, cpen

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """LP value, duals per item (>= 0) and the primal values per column; the cuts' terms in :attr:`pen`."""
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"master LP not solved: {self.h.modelStatusToString(self.h.getModelStatus())}")
        sol = self.h.getSolution()
        row = np.asarray(sol.row_dual, dtype=np.float64)
        duals = np.maximum(row[: self.n], 0.0)
        self.sigma = max(float(row[self.n]), 0.0)
        term = -row[self.n + 1:]
        cap = np.array(self.cut_cap, dtype=bool)
        self.pen = np.where(cap, np.minimum(term, 0.0), np.maximum(term, 0.0)) if cap.shape[0] else np.zeros(0)
        return float(self.h.getInfo().objective_function_value), duals, np.asarray(sol.col_value)

    def penalty(self, trips: Sequence[Sequence[int]], pen: np.ndarray | None = None) -> np.ndarray:
        """The cut terms of each trip under ``pen`` (default :attr:`pen`; missing cuts: 0)."""
        pen = self.pen if pen is None else pen
        out = np.zeros(len(trips))
        if pen.shape[0] == 0 or not self.cuts:
            return out
        for k, trip in enumerate(trips):
            out[k] = float(sum(pen[c] for c in self.cuts_of(trip) if c < pen.shape[0]))
        return out

    def trip_rc(self, trips: Sequence[Sequence[int]], lens: np.ndarray, duals: np.ndarray,
                pen: np.ndarray | None = None, sigma: float | None = None) -> np.ndarray:
        """Reduced costs of ``trips`` of lengths ``lens`` (cut terms and the count dual, default :attr:`sigma`)."""
        if not trips:
            return np.zeros(0)
        dsum = np.array([duals[list(k)].sum() for k in trips])
        s = self.sigma if sigma is None else sigma
        return np.asarray(lens, dtype=np.float64) - dsum + self.penalty(trips, pen) - s

    def reduced_costs(self, duals: np.ndarray, pen: np.ndarray | None = None, sigma: float = 0.0) -> np.ndarray:
        """Reduced cost of every column in the master (``pen``: default no cut duals; ``sigma``: the count row's)."""
        lens = np.fromiter((len(t) for t in self.cols), dtype=np.int64, count=len(self.cols))
        flat = np.fromiter((i for t in self.cols for i in t), dtype=np.int64, count=int(lens.sum()))
        seg = np.repeat(np.arange(len(self.cols)), lens)
        dsum = np.bincount(seg, weights=duals[flat], minlength=len(self.cols))
        rc = np.asarray(self.cost) - dsum - sigma
        if pen is not None and pen.shape[0] and self.cuts:
            for c, members in enumerate(self.cuts[: pen.shape[0]]):
                if pen[c] != 0.0:
                    rc[self._cut_columns(members, self.cut_cap[c])] += pen[c]
        return rc

    def separate(self, x: np.ndarray, min_violation: float, most: int, per_item: int) -> int:
        """Add the cuts the LP point ``x`` violates most: subset-row cuts (at most ``most``, ``per_item`` per item)
        and, with :attr:`loads`, capacity cuts (:meth:`separate_capacity`).

        Returns how many were added.
        """
        from engine.batching import pricing

        live = np.flatnonzero(x > 1e-6)
        if live.shape[0] == 0:
            return 0
        lens = np.array([len(self.cols[j]) for j in live.tolist()], dtype=np.int64)
        sptr = np.zeros(live.shape[0] + 1, dtype=np.int64)
        np.cumsum(lens, out=sptr[1:])
        sitems = np.array([i for j in live.tolist() for i in self.cols[j]], dtype=np.int64)
        triples, _ = pricing.separate_subset_rows(sptr, sitems, np.ascontiguousarray(x[live], dtype=np.float64),
                                                  self.n, min_violation, 8 * most)
        uses = np.zeros(self.n, dtype=np.int64)
        chosen: list[tuple[int, int, int]] = []
        for a, b, c in triples.tolist():
            tr = (int(a), int(b), int(c))
            if tr in self.cut_index or max(uses[a], uses[b], uses[c]) >= per_item:
                continue
            chosen.append(tr)
            uses[[a, b, c]] += 1
            if len(chosen) >= most:
                break
        added = self.add_cuts(chosen)
        if self.loads is not None and CAPACITY_CUTS:
            added += self.separate_capacity(x, CAPACITY_VIOLATION, CAPACITY_PER_ROUND)
        return added

    def separate_capacity(self, x: np.ndarray, min_violation: float, most: int) -> int:
        """Add capacity cuts violated by ``x`` (more than ``min_violation``), at most ``most``; returns how many.

        Greedy: from each of the :data:`CAPACITY_SEEDS` items of largest LP
        coverage, a set grows by the item that brings the least new column
        weight per unit of load (the load in the most binding unit); each
        set's right side is its load over the capacity rounded up, and the
        most violated set of each growth is a candidate.
        """
        assert self.loads is not None
        w, v, t, caps = self.loads
        live = np.flatnonzero(x > 1e-6)
        if live.shape[0] == 0:
            return 0
        xl = x[live]
        mem = np.zeros((live.shape[0], self.n))
        for r, j in enumerate(live.tolist()):
            mem[r, list(self.cols[j])] = 1.0
        frac = np.stack([w / max(caps[0], 1e-12), v / max(caps[1], 1e-12), t / max(caps[2], 1e-12)])
        unit = np.maximum(frac.max(axis=0), 1e-12)
        cover = xl @ mem
        seeds = np.argsort(-cover, kind="stable")[: CAPACITY_SEEDS]
        found: dict[tuple[int, ...], tuple[float, int]] = {}
        for s0 in seeds.tolist():
            inset = np.zeros(self.n, dtype=bool)
            inset[s0] = True
            touched = mem[:, s0] > 0
            load = frac[:, s0].copy()
            best, best_set, best_r = min_violation, None, 0
            for _ in range(self.n - 1):
                r = int(np.ceil(load.max() - 1e-9))
                viol = r - float(xl[touched].sum())
                if viol > best + 1e-9:
                    best, best_set, best_r = viol, np.flatnonzero(inset), r
                gain = (xl * ~touched) @ mem / unit
                gain[inset] = np.inf
                j = int(np.argmin(gain))
                inset[j] = True
                touched |= mem[:, j] > 0
                load += frac[:, j]
            if best_set is not None and best_set.shape[0] < self.n:  # the whole set is the count row
                key = tuple(int(i) for i in best_set)
                found[key] = (best, best_r)
        ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))[:most]
        return self.add_capacity_cuts([k for k, _ in ranked], [r for _, (_, r) in ranked])


#: A local search from a plan: (plan) -> (a plan at least as good, trips scored -> their lengths).
Polish = Callable[[list[tuple[int, ...]]], tuple[list[tuple[int, ...]], dict[tuple[int, ...], float]]]


@dataclass(frozen=True, slots=True)
class ColGenResult:
    """What :func:`column_generation` found.

    ``batches``/``cost``: the best plan (the incumbent when nothing better);
    ``lp``: the master's last LP value; ``lower_bound``: a proven lower bound
    on every plan (``None`` when pricing was never exact); ``optimal`` when
    ``cost`` is proven optimal; ``columns`` in the master, ``rounds`` of
    pricing.
    """

    batches: tuple[tuple[int, ...], ...]
    cost: float
    lp: float
    lower_bound: float | None
    optimal: bool
    columns: int
    rounds: int


def _partition(problem: BatchingProblem, cache: RouteCache, trips: Sequence[tuple[int, ...]]
               ) -> tuple[list[tuple[int, ...]], float]:
    """A covering made a partition: an item in several trips stays in the first (costliest kept whole)."""
    seen: set[int] = set()
    out: list[tuple[int, ...]] = []
    for trip in trips:
        keep = tuple(i for i in trip if i not in seen)
        seen.update(keep)
        if keep:
            out.append(keep)
    cost = float(sum(cache(problem.trip_points(t)) for t in out))
    return out, cost


def column_generation(
    problem: BatchingProblem,
    cache: RouteCache,
    data: KernelData,
    columns: dict[tuple[int, ...], float],
    incumbent: Sequence[Sequence[int]],
    pricing_left: Callable[[], float],
    dive_left: Callable[[], float],
    mip_seconds: Callable[[], float | None],
    max_rounds: int | None = None,
    mip_nodes: int | None = None,
    polish: Polish | None = None,
    wide: bool = False,
) -> ColGenResult:
    """Price columns until none prices out (or time / ``max_rounds``), then a MIP over the improving ones.

    ``columns`` (trip -> exact length) seed the master, with the incumbent's
    trips and every single item. ``pricing_left()`` is the seconds left for
    pricing rounds (not called under ``max_rounds``): the exact pricing's node
    limit is cut to what fits, at the route rate the descent measured;
    ``dive_left()`` the seconds left for the dive (:func:`_dive`, a plan from
    the LP, each step priced); ``polish`` (when given) improves the best plan
    after the dive (e.g. by ALNS) and returns it with the trips it scored,
    which join the MIP's columns;
    ``mip_seconds()`` is the MIP's wall-clock box when it starts (``None``: no
    clock, ``mip_nodes`` nodes; with ``max_rounds`` too the result does not
    depend on the clock). Every trip generated is added to ``columns`` (with its
    length) for the caller's later use.

    ``wide`` (plans of many orders a trip, :func:`wide_trips`): strong
    diving (:data:`WIDE_STRONG` candidates a step), and after the first dive
    a limited-discrepancy search over dives (:func:`_dive_search`) until
    ``dive_left()`` runs out (at most :data:`WIDE_DIVES` dives under
    ``max_rounds``).
    """
    from engine.batching import coversearch, pricing  # numba: loaded when column generation first runs

    n = problem.n
    inc = [tuple(sorted(b)) for b in incumbent]
    inc_cost = float(sum(cache(problem.trip_points(b)) for b in inc))
    master = Master(n, data.min_trips(), (data.w, data.v, data.t, data.caps))
    singles = [(i,) for i in range(n)]
    master.add(singles, [cache(frozenset(problem.points[i])) for i in range(n)])
    master.add(inc, [cache(problem.trip_points(b)) for b in inc])
    pool = sorted(columns)
    master.add(pool, [columns[k] for k in pool])
    w, v, t = data.w, data.v, data.t
    capw, capv, capt = data.caps
    kappa = data.trip_bound()
    lower: float | None = None
    lp_proven = False
    rounds = 0
    z, duals = 0.0, np.zeros(n)
    evals = 0
    timed = max_rounds is None
    rate = 0.0  # scored routes per second in the greedy pricing (time-limited runs)

    def node_limit(cap: int, seconds: float) -> int:
        # An exact node (a deeper set, plus the bound) costs more than a greedy evaluation.
        if not timed:  # reproducible runs: fixed, smaller limits (no clock to cut them short)
            return cap // FIXED_NODES_DIVISOR
        return int(min(cap, max(0.0, seconds) * rate / EXACT_NODE_COST))

    # The last LP proven over every trip (no column prices out): its value, item duals, cut penalties and
    # count dual (dual feasible for every trip: the enumeration of improving columns and the MIP's pruning use them).
    proven_lp: tuple[float, np.ndarray, np.ndarray, float] | None = None
    cut_rounds, last_cut_z = 0, 0.0
    while True:
        z, duals, x = master.solve()
        if lp_proven:
            proven_lp = (z, duals, master.pen.copy(), master.sigma)
            lower = z if lower is None else max(lower, z)
            gain = z - last_cut_z if cut_rounds else np.inf
            last_cut_z = z
            # Subset-row cuts: while they raise the proven LP and time (rounds) remain.
            more = cut_rounds < MAX_CUT_ROUNDS and len(master.cuts) < CUTS_PER_ITEM * n \
                and gain > CUT_TAIL * max(1.0, abs(z)) \
                and (pricing_left() > 0 if timed else rounds < (max_rounds or 0))
            if more and master.separate(x, CUT_VIOLATION, max(CUTS_PER_ROUND, n // 4), CUTS_PER_ITEM_ROUND):
                cut_rounds += 1
                lp_proven = False
                log.debug("colgen: cut round %d, LP %.2f, %d cuts", cut_rounds, z, len(master.cuts))
                continue
            log.debug("colgen: cuts end at LP %.2f, %d cuts, %d rounds (%s)", z, len(master.cuts), cut_rounds,
                      "rounds" if cut_rounds >= MAX_CUT_ROUNDS else "cap" if len(master.cuts) >= CUTS_PER_ITEM * n
                      else "tail" if gain <= CUT_TAIL * max(1.0, abs(z)) else "clock" if not more else "none violated")
            break
        if (not timed and rounds >= (max_rounds or 0)) or (timed and pricing_left() <= 0):
            break
        rounds += 1
        # Seeds by falling dual, rotated each round so that an early stop (enough columns) does
        # not always start from the same items.
        seeds = np.roll(np.argsort(-duals, kind="stable").astype(np.int64), -((rounds - 1) * SEED_STEP) % n)
        t0 = time.perf_counter() if timed else 0.0
        cut_args = master.cut_args()
        ptr, items, lens, ev = pricing.greedy_price(seeds, duals, data.iptr, data.irank, w, v, t, capw, capv, capt,
                                                     OUT_PER_ITEM * n, master.sigma - EPS, *cut_args, *data.route)
        if timed:
            rate = max(rate, ev / max(1e-6, time.perf_counter() - t0))
        evals += ev
        found = _csr(ptr, items)
        exact = False
        if not any(k not in master.index for k in found):
            limit = node_limit(EXACT_NODES, pricing_left() if timed else 0.0)
            ptr, items, lens, complete, least, nodes = pricing.exact_price(
                duals, master.sigma - EPS, data.iptr, data.irank, w, v, t, capw, capv, capt, ADD_PER_ITEM * n, limit,
                *cut_args, *data.route)
            evals += nodes
            found = _csr(ptr, items)
            if complete:
                exact = True
                # Valid with cuts too: for a partition x, cost = sum rc x + duals.1 + sum(-pen * rows) and
                # each subset-row row is at most 1 (pen >= 0), each capacity row at least its right side
                # (pen <= 0), the count row's dual >= 0 (every plan has at least min_trips trips), so
                # cost >= z + least * (trips), trips <= kappa.
                bound = z + kappa * min(0.0, least - master.sigma)
                lower = bound if lower is None else max(lower, bound)
                if not found:
                    lp_proven = True
                    continue
            elif not found:
                break  # pricing found nothing and could not prove there is nothing: stop here
        rc = master.trip_rc(found, lens, duals)
        order = np.argsort(rc, kind="stable")[: ADD_PER_ITEM * n]
        chosen = [found[int(j)] for j in order if rc[int(j)] < -EPS]
        costs = [float(lens[int(j)]) for j in order if rc[int(j)] < -EPS]
        for k, c in zip(chosen, costs, strict=True):
            columns.setdefault(k, c)
        added = master.add(chosen, costs)
        log.debug("colgen round %d: LP %.2f, %d new columns (%s), %d in all", rounds, z, added,
                  "exact" if exact else "greedy", len(master.cols))
        if added == 0:
            break
    ub = inc_cost
    best_trips: list[tuple[int, ...]] = inc
    lp_proven = proven_lp is not None
    if proven_lp is not None:
        z_root, duals_root, pen_root, sigma_root = proven_lp  # dual feasible for every trip (the exact pricing said so)
    else:
        z_root, duals_root, pen_root, sigma_root = z, duals, master.pen.copy(), master.sigma

    def proven() -> bool:
        return lower is not None and ub <= lower + EPS * max(1.0, ub)

    def adopt(trips: Sequence[tuple[int, ...]], cost: float) -> None:
        """A better plan: the best from now on, its trips in the master (a later MIP must hold them)."""
        nonlocal best_trips, ub
        best_trips, ub = [tuple(sorted(b)) for b in trips], cost
        master.add(best_trips, [cache(problem.trip_points(b)) for b in best_trips])

    def close(seconds: float | None, exact_only: bool = False) -> None:
        """MIP over the columns of reduced cost <= UB - LP; exact when the LP is proven and all are listed.

        With ``exact_only`` nothing is solved unless it would be exact.
        """
        nonlocal best_trips, ub, lower, evals
        rc_all = master.reduced_costs(duals_root, pen_root, sigma_root)
        gap = ub - z_root
        exact = False
        if lp_proven and gap > EPS:
            limit = node_limit(ENUM_NODES, ENUM_SHARE * (seconds or 0.0) if timed else 0.0)
            # Items of zero dual too (floored duals: a trip holding one may be in an optimal plan; every
            # trip of rc <= gap under the true duals has rc <= gap under the floored ones).
            ptr, items, lens, complete, _, nodes = pricing.exact_price(
                np.maximum(duals_root, ENUM_DUAL_FLOOR), gap + sigma_root + EPS, data.iptr, data.irank, w, v, t,
                capw, capv, capt, ENUM_COLUMNS, limit, *master.cut_args(pen_root), *data.route)
            evals += nodes
            if complete:
                listed = _csr(ptr, items)
                for k, c in zip(listed, lens.tolist(), strict=True):
                    columns.setdefault(k, c)
                master.add(listed, lens.tolist())
                rc_all = master.reduced_costs(duals_root, pen_root, sigma_root)
                exact = True
            log.debug("colgen: improving columns %s (%d nodes)", "all listed" if complete else "not all listed",
                      nodes)
        keep = np.flatnonzero(rc_all <= gap + EPS)
        most = EXACT_MIP_COLUMNS if exact else MIP_COLUMNS
        if keep.shape[0] > most:
            keep = np.argsort(rc_all, kind="stable")[:min(most, OVERFLOW_COLUMNS)]
            exact = False
        inc_idx = [master.index[b] for b in best_trips]
        sel = sorted(set(keep.tolist()) | set(inc_idx))
        if len(sel) <= len(best_trips) or (exact_only and not exact):
            return
        if timed and seconds is not None:
            seconds = max(0.0, min(seconds, mip_seconds() or 0.0))
        # A depth-first branch and bound over the columns first (bounded by z_root + the rc of the columns
        # chosen: valid as the root duals price every trip at rc >= 0); complete and exact, it proves.
        cptr = np.zeros(len(sel) + 1, dtype=np.int64)
        np.cumsum([len(master.cols[j]) for j in sel], out=cptr[1:])
        citems = np.array([i for j in sel for i in master.cols[j]], dtype=np.int64)
        t0 = time.perf_counter()
        tol = EPS * max(1.0, ub)
        sel_cost, sel_rc = np.array([master.cost[j] for j in sel]), np.maximum(rc_all[sel], 0.0)
        # Integral lengths (as on the Henn & Waescher grids): a better partition is at least 1 shorter.
        step = 1.0 - 2.0 * tol if bool(np.all(np.abs(sel_cost - np.round(sel_cost)) <= 1e-9)) else 0.0
        bb_nodes = BB_PROBE if timed and seconds is not None else BB_NODES
        if exact and timed and seconds is not None:
            # Every improving column listed: deepen the bound from the LP up (robust, and a bound as it goes).
            picked, bcost, complete, nodes, floor = deepening_search(
                n, cptr, citems, sel_cost, sel_rc, z_root, ub - step, tol, step > 0.0, EXACT_BB_SHARE * seconds,
                search=coversearch.cover_search, start=lower)
            if floor is not None:
                lower = floor if lower is None else max(lower, floor)
        else:
            picked, bcost, complete, nodes = pricing.partition_search(n, cptr, citems, sel_cost, sel_rc, z_root,
                                                                      ub - step, tol, bb_nodes)
        if not complete and timed and seconds is not None and not exact:  # the rest of its box, at the rate measured
            spent = time.perf_counter() - t0
            more = int(DEEPEN_RATE_MARGIN * nodes / max(spent, 1e-6) * (BB_SHARE * seconds - spent))
            if more > 2 * nodes:  # a fresh search (from the best so far): the probe's nodes are redone
                again, bcost2, complete, nodes2 = pricing.partition_search(
                    n, cptr, citems, sel_cost, sel_rc, z_root, (bcost if picked.shape[0] else ub) - step, tol, more)
                nodes += nodes2
                if again.shape[0]:
                    picked, bcost = again, bcost2
        log.debug("colgen: branch and bound over %d columns: %s, %.2f, %d nodes, %.2f s", len(sel),
                  "complete" if complete else "stopped", bcost if picked.shape[0] else ub, nodes,
                  time.perf_counter() - t0)
        if picked.shape[0]:
            part, pcost = _partition(problem, cache, [master.cols[sel[int(k)]] for k in picked])
            if pcost < ub - 1e-9:
                adopt(part, pcost)
        if complete and exact and lp_proven:
            # Every plan cheaper than the best uses only listed columns, and none over them is cheaper.
            lower = ub if lower is None else max(lower, ub)  # optimal up to tol (proven() allows it)
            return
        if timed and seconds is not None:
            seconds = max(0.0, min(seconds - (time.perf_counter() - t0), mip_seconds() or 0.0))
        cutoff = ub
        trips, _, mip_bound, _ = _mip(master, sel, cutoff, seconds, mip_nodes)
        if trips is not None:
            part, pcost = _partition(problem, cache, trips)
            if pcost < ub - 1e-9:
                adopt(part, pcost)
        if exact and mip_bound is not None:
            # Every plan either uses only the MIP's columns (cost >= its bound) or costs more than the cut-off.
            glob = min(cutoff, mip_bound)
            lower = glob if lower is None else max(lower, glob)

    def gap_enum(seconds: float | None) -> None:
        """Gap-deepening enumeration (Baldacci et al.'s route enumeration): exact, level by level.

        For a ``delta`` from :data:`GAP_START` of the proven LP ``z`` up, lists
        every trip of reduced cost at most ``delta`` under the root duals and
        searches the partitions over them costing at most ``z + delta``. Every
        plan costs at least ``z + the reduced costs of its trips`` (see the
        module docstring: in a plan a subset-row row is at most 1 and a
        capacity row at least its right side, their duals of the matching
        sign, and the count row's dual is paid by at least ``min_trips``
        trips), so a plan within ``z + delta`` uses only listed trips: a
        completed search proves the best one found optimal, and when it finds
        none every plan costs more than ``z + delta`` (a lower bound), and
        ``delta`` grows :data:`GAP_GROW`-fold. Stops when a listing or a
        search does not complete, or ``seconds`` run out (``None``: node
        limits only).
        """
        nonlocal lower, evals
        if not lp_proven or proven():
            return
        t0 = time.perf_counter()
        integral = bool(np.all(np.abs(np.asarray(master.cost) - np.round(master.cost)) <= 1e-9))
        delta = max(GAP_START * abs(z_root), 1.0 if integral else EPS)
        if lower is not None:
            delta = max(delta, GAP_GROW * (lower - z_root))  # levels below the bound already proved: skip them
        floor_duals = np.maximum(duals_root, ENUM_DUAL_FLOOR)
        cut_args = master.cut_args(pen_root)
        reached = 0.0 if lower is None else max(0.0, lower - z_root)  # every plan costs at least z + reached
        while not proven():
            left = None if seconds is None else seconds - (time.perf_counter() - t0)
            if left is not None and left <= 0.05:
                return
            tol = EPS * max(1.0, ub)
            step = 1.0 - 2.0 * tol if integral else 0.0
            # The dearest plan this level looks for: within z + delta, and better than the incumbent.
            top = min(z_root + delta, ub - step)
            if integral:
                top = float(np.floor(top + 1e-9))
            limit = node_limit(GAP_NODES, GAP_ENUM_SHARE * left if left is not None else 0.0)
            ptr, items, lens, complete, _, nodes = pricing.exact_price(
                floor_duals, top - z_root + sigma_root + 2.0 * tol, data.iptr, data.irank, w, v, t, capw, capv,
                capt, EXACT_MIP_COLUMNS, limit, *cut_args, *data.route)
            evals += nodes
            listed = _csr(ptr, items)
            log.debug("colgen: gap level %.2f (LP %.2f, bound %s): %d columns%s, %d nodes, %.2f s", top, z_root,
                      lower, len(listed), "" if complete else " (not all)", nodes, time.perf_counter() - t0)
            if not complete and nodes < limit and delta > reached + 2.0 * GAP_MIN_STEP * (1.0 if integral else EPS):
                delta = 0.5 * (reached + delta)  # too many trips (not too many nodes): a shallower level
                continue
            if not complete or not listed:
                return
            cost = np.asarray(lens, dtype=np.float64)
            rc = np.maximum(master.trip_rc(listed, cost, duals_root, pen_root, sigma_root), 0.0)
            cptr = np.zeros(len(listed) + 1, dtype=np.int64)
            np.cumsum([len(c) for c in listed], out=cptr[1:])
            citems = np.fromiter((i for c in listed for i in c), dtype=np.int64, count=int(cptr[-1]))
            box = None if seconds is None else seconds - (time.perf_counter() - t0)
            if box is not None and box <= 0.05:
                return
            # Partitions of cost below top + tol: those within top (integral lengths: at most top).
            picked, pcost, done, bnodes, _ = deepening_search(n, cptr, citems, cost, rc, z_root, top + 2.0 * tol,
                                                              tol, integral, box, search=coversearch.cover_search,
                                                              start=lower)
            log.debug("colgen: gap level %.2f: search %s, %s, %d nodes, %.2f s", top,
                      "complete" if done else "stopped", pcost if picked.shape[0] else "none", bnodes,
                      time.perf_counter() - t0)
            if picked.shape[0]:
                part, cost_p = _partition(problem, cache, [listed[int(k)] for k in picked])
                if cost_p < ub - 1e-9:
                    adopt(part, cost_p)
                if done:
                    # No plan cheaper than it: it would use listed trips only, and none over them is.
                    lower = ub if lower is None else max(lower, min(ub, pcost))
                return
            if not done:
                return
            # No plan costs at most top.
            bound = top + 1.0 if integral else top
            lower = bound if lower is None else max(lower, bound)
            if top >= ub - step - 1e-9:
                return
            reached = lower - z_root
            delta = max(GAP_GROW * delta, reached + GAP_MIN_STEP * (1.0 if integral else EPS))

    for _ in range(3):  # small problems: the exact MIP first, it often ends the search
        if not lp_proven or proven():
            break
        before = ub
        close(EARLY_MIP_SHARE * (mip_seconds() or 0.0) if timed else None, exact_only=True)
        if ub >= before - 1e-9:
            break  # a better plan shrinks UB - LP: fewer columns, so the next MIP may be exact
    if not proven():
        gap_enum(GAP_SHARE * (mip_seconds() or 0.0) if timed else None)
    if not proven():
        def dive(prefix: Sequence[Sequence[int]], tabu: Sequence[int], label: str
                 ) -> tuple[float | None, list[tuple[list[int], float]]]:
            plan, path = _dive(master, data, dive_left if timed else None, max_rounds or 0, prefix=prefix, tabu=tabu,
                               strong=WIDE_STRONG if wide else 0)
            if plan is None:
                return None, path
            part, pcost = _partition(problem, cache, plan)
            log.debug("colgen: dive %.2f%s (incumbent %.2f)", pcost, label, ub)
            if pcost < ub - 1e-9:
                adopt(part, pcost)
            return pcost, path

        first_cost, path = dive((), (), "")
        if wide:
            n_dives = _dive_search(dive, first_cost, path, lambda k: not proven() and (
                dive_left() > 0 if timed else k < WIDE_DIVES - 1))
            log.debug("colgen: %d dives after the first", n_dives)
        else:
            # Limited discrepancy (Sadykov et al. 2019): the first dive's path up to one of its first fractional
            # steps, then that step's column barred; a dive follows one LP and a step near 1/2 is a guess.
            forks = [f for f, (_, value) in enumerate(path) if value < DIVE_INTEGRAL][:DIVE_FORKS]
            for fork in forks:
                if timed and dive_left() <= 0:
                    break
                dive([cols for cols, _ in path[:fork]], path[fork][0][:1], f", step {fork} barred")
        if polish is not None:
            better, seen = polish(best_trips)
            keys = sorted(seen)
            master.add(keys, [seen[k] for k in keys])
            for k in keys:
                columns.setdefault(k, seen[k])
            pcost = float(sum(cache(problem.trip_points(b)) for b in better))
            log.debug("colgen: polished %.2f (from %.2f), %d trips seen", pcost, ub, len(keys))
            if pcost < ub - 1e-9:
                adopt(better, pcost)
        if timed and not proven():  # from the levels proved before, under the polished incumbent
            gap_enum(GAP_LATE_SHARE * (mip_seconds() or 0.0))
        if not proven():
            close(mip_seconds(), exact_only=not timed)  # reproducible runs: no heuristic MIP (no clock)
    log.debug("colgen: %d rounds, %d columns, LP %.2f%s, best %.2f (incumbent %.2f), bound %s, %d route evaluations",
              rounds, len(master.cols), z_root, " (proven)" if lp_proven else "", ub, inc_cost, lower, evals)
    return ColGenResult(tuple(sorted(tuple(sorted(b)) for b in best_trips)), ub, z_root, lower, proven(),
                        len(master.cols), rounds)


#: A dive fixes every column of LP value above this (and at least the largest).
DIVE_FIX = 0.95
#: Dives after the first (limited discrepancy, time allowing): one from each of its first DIVE_FORKS steps
#: whose column had an LP value below DIVE_INTEGRAL.
DIVE_FORKS = 4
DIVE_INTEGRAL = 0.99
#: Plans of many orders a trip (:func:`wide_trips`): dives under ``max_rounds`` (a time-limited search dives
#: until ``dive_left()`` runs out).
WIDE_DIVES = 12
#: Candidates of a strong-diving step (:func:`_dive`) in those dives.
WIDE_STRONG = 6
#: :func:`wide_trips`: least orders, and least orders a trip at the fewest trips the load needs.
WIDE_ITEMS = 50
WIDE_ORDERS = 4.0

#: A dive's outcome: (plan cost or ``None``, path), given the prefix, the tabu columns and a label to log.
Dive = Callable[[Sequence[Sequence[int]], Sequence[int], str], tuple[float | None, list[tuple[list[int], float]]]]


def _dive_search(dive: Dive, first_cost: float | None, path: list[tuple[list[int], float]],
                 more: Callable[[int], bool]) -> int:
    """Limited-discrepancy search over dives (Sadykov et al. 2019), best parent first.

    Every fractional step ``f`` (first column of LP value below
    :data:`DIVE_INTEGRAL`) of a dive is a fork: the same path up to ``f``, the
    dive's tabu columns plus the column it fixed at ``f`` barred. Forks are
    dived in the order (cost of the dive they come from, step, creation), so
    the search stays near the best plan found and tries early (least
    determined) steps first. Runs while ``more(dives so far)``; returns how
    many dives it made.
    """
    heap: list[tuple[float, int, int, list[list[int]], list[int]]] = []
    made = 0

    def push(cost: float | None, path: list[tuple[list[int], float]], start: int, tabu: list[int]) -> None:
        nonlocal made
        if cost is None:
            return
        for f, (cols, value) in enumerate(path):
            if f >= start and value < DIVE_INTEGRAL and cols:
                heapq.heappush(heap, (cost, f, made, [c for c, _ in path[:f]], [*tabu, cols[0]]))
                made += 1

    push(first_cost, path, 0, [])
    dives = 0
    while heap and more(dives):
        _, f, _, prefix, tabu = heapq.heappop(heap)
        cost, sub = dive(prefix, tabu, f", step {f} barred ({len(tabu)} barred)")
        dives += 1
        push(cost, sub, f, tabu)
    return dives


def wide_trips(n: int, min_trips: int) -> bool:
    """Whether trips hold many orders: ``n >= WIDE_ITEMS`` and ``n / min_trips >= WIDE_ORDERS``.

    A static property of the problem (its items and the fewest trips its
    load needs), so it picks the schedule before any search. On the Henn &
    Waescher grids it holds at capacities 60-75 from 50 orders: there the
    proven LP with its cuts is within 0.1-0.7 % of the optimum, the plain
    dives' plans were 2-3 % above it, and the ALNS polish, re-batching and
    the MIP over 3,000 columns (20 of the 30 s) rarely improved them
    (60s-70-75-5, optimum 4,834 m: five dives 4,953-5,182, nothing better
    after them); strong dives and a search over them use that time (4,845).
    """
    return n >= WIDE_ITEMS and min_trips > 0 and n / min_trips >= WIDE_ORDERS


#: The deepening branch and bound's first bound: the LP plus this share of the gap to the incumbent.
DEEPEN_START = 1.0 / 16.0
#: Share of the measured node rate a deepening search's node limit assumes (12l-40-75-1: 2.7 M nodes a
#: second in a search of 19 M against more in the small ones before it; a 5 s box took 7 s at the full rate).
DEEPEN_RATE_MARGIN = 0.6


def deepening_search(n: int, cptr: np.ndarray, citems: np.ndarray, cost: np.ndarray, rc: np.ndarray, z: float,
                     ub: float, tol: float, integral: bool, seconds: float | None, max_nodes: int = BB_NODES,
                     search: Callable[..., tuple[np.ndarray, float, bool, int]] | None = None,
                     start: float | None = None) -> tuple[np.ndarray, float, bool, int, float | None]:
    """:func:`engine.batching.pricing.partition_search` under a bound raised from the LP ``z`` to ``ub``.

    Searches for partitions cheaper than ``z + delta``, ``delta`` from
    :data:`DEEPEN_START` of the gap ``ub - z`` doubling up to ``ub``, each
    search ending at the first bound under which one exists (it is then the
    cheapest over the columns). A search cut at a low bound is small (the
    reduced costs prune it), so this finishes where one search at the
    incumbent's cost, which depends on finding good partitions early, may not
    (26s-30-45-0, 9,750 columns: stopped at 3,350 m after 15.9 M nodes; this
    way the optimum, 3,246 m, proven in 6.5 M), and a completed search proves
    that no partition over the columns costs less than its bound.

    ``seconds`` boxes the whole (``None``: each search at most ``max_nodes``
    nodes, no clock). Returns ``(columns picked, cost, complete, nodes,
    floor)``: as ``search`` (default ``partition_search``, or
    :func:`engine.batching.coversearch.cover_search`: same arguments and
    answer; ``complete``: nothing over the columns
    is cheaper than ``ub`` but the partition returned, if any); ``floor`` (or
    ``None``) a bound that every partition over the columns reaches (rounded
    up when ``integral``: every cost is an integer).

    ``start`` (optional) is a proven lower bound on every partition over the
    columns (the gap enumeration's bound so far): the searches below it would
    find nothing, so they are skipped: the first one looks for partitions
    costing at most ``start``, the next ones at the doubling levels above it
    (19l-60-60-3: bound 5,558 = the optimum, the search from the LP 5,532 up
    stopped at 5,569 without a plan; from the bound, the optimum found and
    proven at 6 s).
    """
    from engine.batching import pricing

    if search is None:
        search = pricing.partition_search
    t0 = time.perf_counter()
    if start is not None and integral:
        start = float(np.ceil(start - 1e-9))
    delta = max(1.0, DEEPEN_START * (ub - z))
    first = start is not None and start > z  # the first search at the known bound itself (costs at most start)
    while first and z + delta <= (start or 0.0):
        delta *= 2.0  # the levels below the bound: skipped (the next after the first is above it)
    floor: float | None = None
    rate = 0.0  # nodes a second, once measured
    nodes = 0
    none = np.empty(0, np.int64)
    while True:
        bound = min(ub, (start or 0.0) + 2.0 * tol if first else z + delta)
        if seconds is None:
            budget = max_nodes
        else:
            left = seconds - (time.perf_counter() - t0)
            # Deeper searches run slower per node than the shallow ones that measured the rate: a margin.
            budget = BB_PROBE if rate <= 0.0 else int(DEEPEN_RATE_MARGIN * rate * left)
            if budget < 1 or left <= 0.0:
                return none, 0.0, False, nodes, floor
        t1 = time.perf_counter()
        picked, pcost, complete, done = search(n, cptr, citems, cost, rc, z, bound, tol, budget)
        nodes += done
        if seconds is not None:
            measured = done / max(time.perf_counter() - t1, 1e-6)
            if rate <= 0.0 and not complete and not picked.shape[0]:
                rate = measured  # the probe was too short: the same bound again, boxed by the time left
                continue
            if done >= BB_PROBE // 10 or rate <= 0.0:
                rate = measured  # the last sizeable search's rate (deeper searches run slower per node)
        if picked.shape[0]:
            return picked, pcost, complete, nodes, floor
        if not complete:
            return none, 0.0, False, nodes, floor
        # No partition over the columns has a cost below bound - tol.
        low = bound - tol
        floor = float(np.ceil(low - 1e-9)) if integral else low
        if bound >= ub:
            return none, 0.0, True, nodes, floor
        if first:
            first = False  # then z + delta, the first of the doubling levels above it
        else:
            delta *= 2.0


def _dive(master: Master, data: KernelData, seconds_left: Callable[[], float] | None, max_steps: int,
          prefix: Sequence[Sequence[int]] = (), tabu: Sequence[int] = (), strong: int = 0
          ) -> tuple[list[tuple[int, ...]] | None, list[tuple[list[int], float]]]:
    """A plan by diving on the master LP, with a greedy pricing round at every step.

    Each step solves the LP over the items not covered yet, prices trips of
    those items, and fixes the columns of value above :data:`DIVE_FIX` (at
    least the largest): their items leave the LP (row bound 0) and every column
    sharing an item is bounded to 0. The count row stays, over the items left
    (their load over a cart's, rounded up); the capacity cuts are relaxed.
    Ends when every item is covered; once ``seconds_left()`` runs out
    (``None``: after ``max_steps`` steps) the steps are no longer priced. The
    master's bounds are restored; the columns priced stay in it.

    ``prefix`` (column indices per step) is fixed first, without solving;
    the columns ``tabu`` are bounded to 0 throughout (a limited-discrepancy
    dive: the path of an earlier one up to a step, then anything but what it
    fixed there). With ``strong`` > 0, a step whose largest value is
    below :data:`DIVE_FIX` is a strong-diving step (Sadykov et al. 2019): each
    of its ``strong`` largest columns is fixed in turn and the LP over the rest
    solved (not priced), and the one of least cost plus that LP is fixed.
    Returns the plan (``None`` when the LP left nothing to fix) and the path:
    per step the columns fixed and the LP value of the first.
    """
    from engine.batching import pricing

    n = master.n
    h = master.h
    inf = highspy.kHighsInf
    covered = np.zeros(n, dtype=bool)
    banned: list[int] = []
    chosen: list[tuple[int, ...]] = []
    path: list[tuple[list[int], float]] = []
    w, v, t = data.w, data.v, data.t
    capw, capv, capt = data.caps
    steps = 0
    count = np.array([n], dtype=np.int32)
    # The capacity cuts too: once items are fixed, the columns left may not meet their sets often enough.
    cap_rows, cap_rhs = master.cap_rows()
    if cap_rows.shape[0]:
        h.changeRowsBounds(cap_rows.shape[0], cap_rows, np.full(cap_rows.shape[0], -inf),  # type: ignore[attr-defined]
                           np.full(cap_rows.shape[0], inf))

    def ban(cols: Sequence[int]) -> None:
        if cols:
            idx = np.array(sorted(set(cols)), dtype=np.int32)
            h.changeColsBounds(idx.shape[0], idx, np.zeros(idx.shape[0]), np.zeros(idx.shape[0]))
            banned.extend(idx.tolist())

    def trips_for(rest: np.ndarray) -> float:
        """Fewest trips that carry the items ``rest`` (their load over a cart's, rounded up)."""
        if not rest.any():
            return 0.0
        return float(np.ceil(max(w[rest].sum() / max(capw, 1e-12), v[rest].sum() / max(capv, 1e-12),
                                 t[rest].sum() / max(capt, 1e-12)) - 1e-9))

    def cover(taken: Sequence[int], on: bool) -> None:
        """Take the items ``taken`` out of the LP (``on``) or back in, the count row over the items left."""
        rows = np.array(taken, dtype=np.int32)
        covered[rows] = on
        h.changeRowsBounds(rows.shape[0], rows, np.full(rows.shape[0], 0.0 if on else 1.0),  # type: ignore[attr-defined]
                           np.full(rows.shape[0], inf))
        # The count row over the items left: the trips still to come carry their load, a cart each
        # (without it the residual LP covers them with fractions of small trips and the dive follows:
        # 60s-70-75-3, optimum 4,989 m, dived to 5,287 without, 5,093 with).
        h.changeRowsBounds(1, count, np.array([trips_for(~covered)]), np.array([inf]))  # type: ignore[attr-defined]

    def apply(fix: Sequence[int], value: float) -> None:
        """Fix the columns ``fix`` (disjoint, over items not covered yet)."""
        taken = sorted({i for j in fix for i in master.cols[j]})
        chosen.extend(master.cols[j] for j in fix)
        path.append((list(fix), value))
        cover(taken, True)
        ban([k for i in taken for k in master.item_cols[i]])

    def trial(j: int) -> float:
        """Cost of column ``j`` plus the LP over the items it leaves (unpriced), the LP then restored."""
        taken = list(master.cols[j])
        was = set(banned)
        off = sorted({k for i in taken for k in master.item_cols[i]} - was)
        cover(taken, True)
        idx = np.array(off, dtype=np.int32)
        h.changeColsBounds(idx.shape[0], idx, np.zeros(idx.shape[0]), np.zeros(idx.shape[0]))
        try:
            h.run()
            ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            value = float(h.getInfo().objective_function_value) if ok else np.inf
        finally:
            h.changeColsBounds(idx.shape[0], idx, np.zeros(idx.shape[0]), np.full(idx.shape[0], inf))
            cover(taken, False)
        return master.cost[j] + value

    try:
        ban(list(tabu))
        for step in prefix:
            apply(step, 1.0)
        while not covered.all():
            price = seconds_left() > 0 if seconds_left is not None else steps < max_steps
            steps += 1
            _, duals, x = master.solve()
            open_items = np.flatnonzero(~covered)
            seeds = open_items[np.argsort(-duals[open_items], kind="stable")].astype(np.int64)
            d = np.where(covered, -1.0, duals)
            found: list[tuple[int, ...]] = []
            if price:  # out of time: the rest of the dive over the columns there are
                # The count row's dual is in every reduced cost (as in the pricing rounds).
                ptr, items, lens, _ = pricing.greedy_price(seeds, d, data.iptr, data.irank, w, v, t, capw, capv,
                                                            capt, OUT_PER_ITEM * n, master.sigma - EPS,
                                                            *master.cut_args(), *data.route)
                found = _csr(ptr, items)
            if found:
                rc = master.trip_rc(found, lens, d)
                order = np.argsort(rc, kind="stable")[: ADD_PER_ITEM * n]
                if master.add([found[int(j)] for j in order], [float(lens[int(j)]) for j in order]):
                    _, duals, x = master.solve()
            positive = np.flatnonzero(x > 1e-6)
            ranked = positive[np.argsort(-x[positive], kind="stable")]
            fix: list[int] = []
            taken: set[int] = set()
            for j in ranked.tolist():
                if fix and x[j] < DIVE_FIX:
                    break
                col = master.cols[j]
                if any(covered[i] or i in taken for i in col):
                    continue
                fix.append(j)
                taken.update(col)
            if not fix:
                return None, path
            value = float(x[fix[0]])
            if strong > 0 and value < DIVE_FIX:
                cands = [j for j in ranked.tolist()[:strong] if not any(covered[i] for i in master.cols[j])]
                if len(cands) > 1:
                    scores = [trial(j) for j in cands]
                    best = int(np.argmin(scores))  # the first of least score (ranked by value)
                    fix = [cands[best]]
                    value = float(x[fix[0]])
            apply(fix, value)
        return chosen, path
    finally:
        h.changeRowsBounds(n, np.arange(n, dtype=np.int32), np.ones(n), np.full(n, inf))  # type: ignore[attr-defined]
        h.changeRowsBounds(1, count, np.array([float(master.min_trips)]), np.array([inf]))  # type: ignore[attr-defined]
        if cap_rows.shape[0]:
            h.changeRowsBounds(cap_rows.shape[0], cap_rows, cap_rhs,  # type: ignore[attr-defined]
                               np.full(cap_rows.shape[0], inf))
        if banned:
            idx = np.array(sorted(set(banned)), dtype=np.int32)
            h.changeColsBounds(idx.shape[0], idx, np.zeros(idx.shape[0]), np.full(idx.shape[0], inf))


def _mip(master: Master, sel: Sequence[int], ub: float, seconds: float | None, nodes: int | None
         ) -> tuple[list[tuple[int, ...]] | None, float, float | None, bool]:
    """Set covering over the columns ``sel`` (binary), cut off at the incumbent's cost ``ub``.

    Returns ``(trips or None, cost, bound or None, optimal)``: a solution when
    one was found (it may cost more than ``ub``: the caller compares); a
    lower bound on every covering of these columns cheaper than ``ub`` (so
    ``min(ub, bound)`` bounds them all); ``optimal`` when the search over these
    columns finished.
    """
    n = master.n
    h = _highs()
    inf = highspy.kHighsInf
    h.addRows(n, np.ones(n), np.full(n, inf), 0, np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0))
    # The trip-count row (every plan has at least min_trips trips), as in the master: without it HiGHS's
    # bound stays far below the LP (12l-40-75-1, 3,001 columns: 3,183 m, bound 3,045 in 8 s; with it the
    # optimum, 3,139 m, proven over those columns in 7.3 s).
    h.addRows(1, np.array([float(master.min_trips)]), np.array([inf]), 0, np.zeros(0, np.int32),
              np.zeros(0, np.int32), np.zeros(0))
    cols = [master.cols[j] for j in sel]
    starts = np.zeros(len(cols), dtype=np.int32)
    np.cumsum([len(c) + 1 for c in cols[:-1]], out=starts[1:])
    idx = np.fromiter((i for c in cols for i in (*c, n)), dtype=np.int32)
    cost = np.array([master.cost[j] for j in sel])
    h.addCols(len(cols), cost, np.zeros(len(cols)), np.ones(len(cols)), idx.shape[0], starts, idx,
              np.ones(idx.shape[0]))
    if master.cuts and MIP_CUTS:  # valid for every partition, so for the optimum (a covering's partition is no longer)
        where = {c: k for k, c in enumerate(cols)}
        rows: list[list[int]] = [[] for _ in master.cuts]
        for c in cols:
            for r in master.cuts_of(c):
                rows[r].append(where[c])
        rstart = np.zeros(len(rows), dtype=np.int32)
        np.cumsum([len(r) for r in rows[:-1]], out=rstart[1:])
        ridx = np.array([k for r in rows for k in r], dtype=np.int32)
        cap = np.array(master.cut_cap, dtype=bool)
        rhs = np.array(master.cut_rhs)
        h.addRows(len(rows), np.where(cap, rhs, -inf), np.where(cap, inf, 1.0), ridx.shape[0], rstart, ridx,
                  np.ones(ridx.shape[0]))
    h.changeColsIntegrality(len(cols), np.arange(len(cols), dtype=np.int32),
                            np.full(len(cols), highspy.HighsVarType.kInteger))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-6)
    if seconds is not None:
        if seconds < 0.05:
            return None, 0.0, None, False
        h.setOptionValue("time_limit", float(seconds))
    if nodes is not None:
        h.setOptionValue("mip_max_nodes", int(nodes))
    # The incumbent bounds the search (HiGHS 1.16 misreports the objective when given a start
    # solution by setSolution: a start of 4,315 m came back "optimal" at 3,900 m, so none is given).
    # With integral lengths a better plan is at least 1 shorter (as in the branch and bound).
    tol = 1e-6 * max(1.0, abs(ub))
    step = 1.0 - 2.0 * tol if bool(np.all(np.abs(cost - np.round(cost)) <= 1e-9)) else -tol
    h.setOptionValue("objective_bound", float(ub) - step)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    log.debug("mip over %d columns: %s, %s, bound %s", len(cols), h.modelStatusToString(status),
              info.objective_function_value, info.mip_dual_bound)
    optimal = status in (highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible)
    if info.primal_solution_status < 2:  # no solution (none below the cut-off when infeasible)
        return None, 0.0, (ub if optimal else _finite(info.mip_dual_bound)), optimal
    x = np.asarray(h.getSolution().col_value)
    trips = [cols[k] for k in np.flatnonzero(x > 0.5).tolist()]
    trips.sort(key=lambda c: -master.cost[master.index[c]])
    value = float(cost @ x)
    bound = min(value, ub) if optimal else _finite(info.mip_dual_bound)
    return trips, value, bound, optimal


def _finite(x: float) -> float | None:
    return float(x) if np.isfinite(x) and abs(x) < 1e30 else None
