"""Routing over a shortest-path matrix: exact tours with a proof, near-exact beyond.

Used for graph layouts (and any layout without a closed geometry), where the
stops are nodes and travel is the shortest-path distance between them.

- :func:`heuristic_tour`: nearest neighbour, 2-opt and Or-opt to a local
  optimum, then an iterated local search (double-bridge kicks; Lourenco,
  Martin & Stutzle), compiled with numba (:mod:`engine.routing.tsp_kernel`).
  Deterministic for a seed; no proof.
- :func:`prove_tour`: branch and bound on the Held-Karp 1-tree bound
  (subgradient node penalties; Volgenant & Jonker's branching), from the
  heuristic tour; compiled. It proves most 20-30-stop warehouse lists in a
  few milliseconds, but stalls on lists whose subtour bound has a gap
  (``benchmarks/results/graph_routing.md``).
- :func:`engine.routing.branch_cut.branch_and_cut`: the LP proof for those
  (subtour and blossom rows, strong branching, safe Lagrangian bounds).
- :func:`exact_tour`: the same TSP as one CP-SAT model (``AddCircuit`` over
  every arc), warm-started; 100-1000x slower than :func:`prove_tour` on these
  lists, kept as the independent check in the tests and the benchmark.
- :func:`best_tour`: the policy :func:`engine.routing.solve` uses.

Proofs and floats: both proofs prune a node whose bound is within 1e-9
relative of the best tour, or, when every distance is a multiple of a grain
such as 0.01 m (:func:`length_grain`), above ``best - grain``
(:func:`prune_tolerance`). CP-SAT
gets integer arc costs, metres times a scale that makes the longest arc
:data:`COST_UNITS` units; its optimum is then within ``n / scale`` metres of
the true one, at most ``n * 1e-8`` of the tour length.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Nearest stops each stop looks at in the local search.
NEIGHBOURS = 10
#: Kicks a final route's local search may spend per second of its time cap (a conservative rate).
KICKS_PER_S = 50_000
#: Longest arc in CP-SAT's integer units (keeps every tour cost well inside int64).
COST_UNITS = 1e8


@dataclass(frozen=True, slots=True)
class TourResult:
    """A closed tour from node 0: the visiting order of ``1..n-1``, its length and a lower bound.

    ``proven`` is true when ``length`` is proven minimal (then ``bound`` is the
    length); otherwise ``bound`` is the best proven lower bound (0.0 if none).
    """

    order: tuple[int, ...]
    length: float
    proven: bool
    bound: float


def _kernel() -> Any:
    from engine.routing import tsp_kernel

    return tsp_kernel


def heuristic_tour(dist: np.ndarray, kicks: int = 0, seed: int = 0,
                   start: tuple[int, ...] | None = None) -> tuple[tuple[int, ...], float]:
    """A good closed tour from node 0 through every node of ``dist`` (not proven).

    Nearest neighbour (or the tour ``start``, an order of ``1..n-1``), then
    2-opt and Or-opt (runs of 1-3 stops, either way round) to a local optimum,
    then ``kicks`` rounds of iterated local search.
    Neighbour lists of :data:`NEIGHBOURS` stops and don't-look bits make a kick
    cost about 3 microseconds at 50-120 stops (O(n^2 log n) set-up, one
    full-neighbourhood pass at the end).

    Returns the visiting order of nodes ``1..n-1`` and the tour length.

    Examples
    --------
    >>> x = np.array([0.0, 5.0, 1.0, 3.0, 2.0, 4.0])
    >>> heuristic_tour(np.abs(x[:, None] - x[None, :]), kicks=10)[1]
    10.0
    """
    size = dist.shape[0]
    if size <= 1:
        return (), 0.0
    d = np.ascontiguousarray(dist, dtype=np.float64)
    if size <= 3:  # one way round is as long as the other
        order = tuple(range(1, size))
        return order, _length(d, order)
    k = _kernel()
    first = k.nearest_neighbour(d) if start is None else np.array((0, *start), dtype=np.int64)
    tour, length = k.fast_ils(d, first, int(kicks), int(seed), NEIGHBOURS)
    return tuple(int(v) for v in tour[1:]), float(length)


def two_opt_tour(dist: np.ndarray) -> tuple[tuple[int, ...], float]:
    """The local optimum of :func:`heuristic_tour` without kicks (deterministic)."""
    return heuristic_tour(dist, kicks=0)


def warm_up() -> None:
    """Load every compiled kernel of graph routing now (0.2-1 s from numba's cache on first use).

    A wave on a graph layout calls this before it shares out its time budget, so
    the first route of the search or of the final routes does not overrun it.
    """
    d = np.abs(np.arange(16.0)[:, None] - np.arange(16.0)[None, :])
    from engine.routing.held_karp import held_karp

    held_karp(d[:5, :5])
    order, _ = heuristic_tour(d, kicks=2)
    prove_tour(d, order, max_nodes=2)
    from engine.routing import tsp_cuts
    from engine.routing.branch_cut import branch_and_cut

    tsp_cuts.blossoms(tsp_cuts.PRISM, 1e-6)
    tsp_cuts.min_cut_phases(tsp_cuts.PRISM)
    branch_and_cut(d, (0, *order), 1e-9, 3)


def exact_tour(
    dist: np.ndarray,
    start: tuple[int, ...] | None = None,
    time_limit_s: float = 10.0,
) -> TourResult:
    """An optimal closed tour from node 0 (CP-SAT circuit model), proven when it finishes in time.

    Parameters
    ----------
    dist
        Square matrix of shortest-path distances; node 0 is the depot.
    start
        A tour (order of ``1..n-1``) to warm-start from, e.g. :func:`heuristic_tour`'s;
        the result is never longer than it.
    time_limit_s
        Wall-clock limit of the search. Past it the best tour found is returned
        with ``proven`` false and CP-SAT's lower bound.

    One search worker (the machine's other cores plan other groups and routes;
    one worker also makes the search deterministic). Model size O(n^2) arcs.

    Examples
    --------
    >>> d = np.array([[0, 1, 5], [1, 0, 1], [5, 1, 0]], dtype=float)
    >>> r = exact_tour(d)
    >>> r.length, r.proven
    (7.0, True)
    """
    from ortools.sat.python import cp_model

    d = np.asarray(dist, dtype=np.float64)
    size = d.shape[0]
    if start is None:
        start = heuristic_tour(d)[0]
    start_len = _length(d, start)
    if size <= 3:
        return TourResult(tuple(start), start_len, True, start_len)
    longest = float(d.max())
    if longest <= 0:
        return TourResult(tuple(start), 0.0, True, 0.0)
    scale = COST_UNITS / longest
    cost = np.rint(d * scale).astype(np.int64)
    model = cp_model.CpModel()
    arcs = []
    lits = {}
    for i in range(size):
        for j in range(size):
            if i != j:
                lit = model.new_bool_var("")
                lits[i, j] = lit
                arcs.append((i, j, lit))
    model.add_circuit(arcs)
    model.minimize(sum(int(cost[i, j]) * lit for (i, j), lit in lits.items()))
    hint = {(a, b) for a, b in zip((0, *start), (*start, 0), strict=True)}
    for key, lit in lits.items():
        model.add_hint(lit, key in hint)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.001, float(time_limit_s))
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return TourResult(tuple(start), start_len, False, 0.0)
    succ = {i: j for (i, j), lit in lits.items() if solver.boolean_value(lit)}
    order = []
    node = succ[0]
    while node != 0:
        order.append(node)
        node = succ[node]
    length = _length(d, order)
    # Rounded costs: a true tour costs at least (integer bound - n/2) / scale.
    bound = max(0.0, (solver.best_objective_bound - size / 2) / scale)
    if length > start_len:
        order, length = list(start), start_len
    proven = status == cp_model.OPTIMAL
    return TourResult(tuple(order), length, proven, length if proven else min(bound, length))


#: Candidate grains of tour lengths (metres): lengths published with a few decimals are multiples of one.
GRAINS = (1.0, 0.5, 0.25, 0.1, 0.05, 0.01, 0.005, 0.001)


def length_grain(dist: np.ndarray) -> float:
    """The largest of :data:`GRAINS` every distance is a multiple of, else 0.0.

    Then every tour length is a multiple of it too, so a lower bound above
    ``best - grain`` proves ``best`` optimal (a sharper cut than a float tolerance).

    >>> length_grain(np.array([[0.0, 2.5], [2.5, 0.0]])), length_grain(np.array([[0.0, 2 ** 0.5]]))
    (0.5, 0.0)
    """
    d = np.asarray(dist, dtype=np.float64)
    for g in GRAINS:
        q = d / g
        if np.all(np.abs(q - np.rint(q)) <= 1e-6):
            return g
    return 0.0


def prove_tour(dist: np.ndarray, start: tuple[int, ...], time_limit_s: float = 10.0,
               max_nodes: int | None = None, chunk_nodes: int = 50) -> TourResult:
    """Branch and bound on the Held-Karp 1-tree bound from tour ``start``: proven when it finishes.

    Held & Karp's subgradient bound (node penalties on the minimum 1-tree),
    branching on a stop of 1-tree degree above two into three children
    (Volgenant & Jonker 1982), depth first, pruned against the best tour.
    Runs in compiled chunks of ``chunk_nodes`` nodes until done, past
    ``max_nodes`` nodes (``None``: no cap) or past ``time_limit_s``. The
    result is never longer than ``start``. O(n^2) per
    subgradient step, up to ``30 + 3n`` steps per node.

    Examples
    --------
    >>> d = np.array([[0, 1, 5, 4], [1, 0, 1, 5], [5, 1, 0, 1], [4, 5, 1, 0]], dtype=float)
    >>> r = prove_tour(d, (2, 1, 3))
    >>> r.order, r.length, r.proven
    ((1, 2, 3), 7.0, True)
    """
    # Nodes relabelled in the order of the start tour: the search then breaks ties along a good
    # tour, which proves several times faster on warehouse lists than an arbitrary order.
    label = np.array((0, *start), dtype=np.int64)
    d = np.ascontiguousarray(np.asarray(dist, dtype=np.float64)[np.ix_(label, label)])
    size = d.shape[0]
    length = _length(d, tuple(range(1, size)))
    if size <= 3:
        return TourResult(tuple(start), length, True, length)
    k = _kernel()
    deadline = time.monotonic() + time_limit_s
    tour = np.arange(size, dtype=np.int64)
    stack_fix = np.zeros((64, size, size), dtype=np.int8)
    np.fill_diagonal(stack_fix[0], -1)
    stack_pi = np.zeros((64, size))
    top = 1
    grain = length_grain(d)
    ub, root, first, spent = length, -np.inf, True, 0
    while True:
        budget = chunk_nodes if max_nodes is None else min(chunk_nodes, max_nodes - spent)
        ub, lb, nodes, top, lost = k.branch_and_bound(d, tour, ub, grain, budget, stack_fix, stack_pi, top)
        spent += nodes
        if first:
            root, first = lb, False
        done = top == 0 and not lost
        if done or lost or time.monotonic() >= deadline or (max_nodes is not None and spent >= max_nodes):
            break
        if top + 3 > stack_fix.shape[0]:  # deeper than the stacks: double them
            stack_fix = np.concatenate([stack_fix, np.zeros_like(stack_fix)])
            stack_pi = np.concatenate([stack_pi, np.zeros_like(stack_pi)])
    order = tuple(int(label[v]) for v in tour[1:])
    length = _length(np.asarray(dist, dtype=np.float64), order)
    if done:
        return TourResult(order, length, True, length)
    return TourResult(order, length, False, max(0.0, min(root, length)))


def _length(d: np.ndarray, order: tuple[int, ...] | list[int]) -> float:
    seq = (0, *order, 0)
    return float(sum(d[a, b] for a, b in itertools.pairwise(seq)))


def best_tour(
    dist: np.ndarray,
    *,
    exact_stops: int,
    time_limit_s: float,
    seed: int = 0,
) -> TourResult:
    """The graph solver's policy: Held-Karp, or local search and a proof (1-trees, then branch and cut).

    - up to :data:`engine.routing.held_karp.DP_STOPS` stops: Held-Karp, proven;
    - else :func:`heuristic_tour` with :func:`default_kicks` kicks, then, up to
      ``exact_stops`` stops, :func:`prove_tour` from it with a small budget
      (:func:`proof_nodes`; it proves most short lists in about a
      millisecond) and, when that does not finish,
      :func:`engine.routing.branch_cut.branch_and_cut` (subtour and blossom
      rows, strong branching) with :func:`cut_lps` LP solves, leaving the time
      of the next step. When neither proves, four times as many kicks from
      the best tour and the better of the two; not proven then, with the best
      lower bound.

    Both proofs get fixed work budgets, so the same list gives the same route
    on any machine; ``time_limit_s`` caps the whole call as well and binds only
    on a machine too slow for those budgets.
    """
    from engine.routing.branch_cut import branch_and_cut
    from engine.routing.held_karp import DP_STOPS, held_karp

    t0 = time.monotonic()
    n = dist.shape[0] - 1
    if n <= DP_STOPS:
        order, length = held_karp(dist)
        return TourResult(order, length, True, length)
    # kicks cost about 3-10 us each: a tight cap (many routes sharing a small reserve) gets fewer
    order, length = heuristic_tour(dist, min(default_kicks(n), max(2 * n, int(time_limit_s * KICKS_PER_S))))
    bound = 0.0
    if n <= exact_stops:
        left = time_limit_s - (time.monotonic() - t0)
        res = prove_tour(dist, order, max(0.0, left), max_nodes=proof_nodes(n))
        if res.proven:
            return res
        order, length, bound = res.order, res.length, res.bound
    kicks = min(4 * default_kicks(n), max(2 * n, int(time_limit_s * KICKS_PER_S)))  # the cap's share again
    if n <= exact_stops:
        # the branch and cut leaves the time of the kicks below (at the conservative rate), so an
        # unproven route still gets them
        left = time_limit_s - (time.monotonic() - t0)
        left -= min(left / 2, kicks / KICKS_PER_S)
        if left > 0:
            cut = branch_and_cut(dist, (0, *order), prune_tolerance(dist, length), cut_lps(n), left)
            order, length = cut.tour[1:], _length(np.asarray(dist, dtype=np.float64), cut.tour[1:])
            if cut.proven:
                return TourResult(order, length, True, length)
            bound = max(bound, cut.bound)
    if time.monotonic() - t0 < time_limit_s:
        more, more_len = heuristic_tour(dist, kicks, seed + 1, start=order)
        if more_len < length - 1e-9:
            order, length = more, more_len
    return TourResult(order, length, False, min(bound, length))


def prune_tolerance(dist: np.ndarray, length: float) -> float:
    """How far below a tour of ``length`` a bound may stay and still prove it: just under the grain, else 1e-9 relative.

    With every distance a multiple of a grain (:func:`length_grain`), no tour
    lies strictly between ``length - grain`` and ``length``.

    >>> prune_tolerance(np.array([[0.0, 2.5], [2.5, 0.0]]), 5.0)
    0.499999995
    """
    tol = 1e-9 * max(1.0, abs(length))
    grain = length_grain(dist)
    return grain - tol if grain > 0 else tol


def proof_nodes(n: int) -> int:
    """1-tree branch-and-bound nodes granted to a proof of ``n`` stops: about 1.25e7 basic steps, 20 at least."""
    return max(20, int(1.25e7 / ((n + 1) ** 2 * (30 + 3 * (n + 1)))))


def cut_lps(n: int) -> int:
    """LP solves granted to the branch and cut of ``n`` stops: 1e6 / (n + 1)^2, 20 at least.

    An LP solve costs about 2 ms at 30 stops and grows with the ``n^2 / 2``
    edges, so the budget is about 1-2 s of work at any size (1040 solves at 30
    stops, 384 at 50, 152 at 80).
    """
    return max(20, int(1e6 / (n + 1) ** 2))


def default_kicks(n: int) -> int:
    """Kicks of a final route's local search: 20 per stop, at least 100, at most 4000 (about 10 ms at 80 stops)."""
    return min(4000, max(100, 20 * n))


__all__ = ["TourResult", "best_tour", "cut_lps", "default_kicks", "exact_tour", "heuristic_tour", "length_grain",
           "proof_nodes", "prove_tour", "prune_tolerance", "two_opt_tour", "warm_up"]
