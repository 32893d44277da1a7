"""Routing over a distance matrix: OR-Tools for long lists, 2-opt for estimates.

Used for graph layouts (and any layout without a closed geometry), where the
stops are nodes and travel is the shortest-path distance between them.
"""

from __future__ import annotations

import itertools
import random

import numpy as np

SCALE = 1000.0  # OR-Tools wants integer arc costs: millimetres


def ortools_tour(dist: np.ndarray, time_limit_s: float, seed: int) -> tuple[int, ...]:
    """A good closed tour from node 0 through every node of ``dist`` (not proven).

    OR-Tools routing with PATH_CHEAPEST_ARC then GUIDED_LOCAL_SEARCH until
    ``time_limit_s`` (guided local search has no work limit in OR-Tools: its
    ``solution_limit`` and branch limits do not bind). ``seed`` permutes the node
    order handed to the solver. The same seed gives the same tour when the search
    settles well inside the limit, as on pick lists of a few dozen stops; on a
    loaded machine with a tight limit it may not.

    Returns the visiting order of nodes ``1..n-1``.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    size = dist.shape[0]
    if size <= 2:
        return tuple(range(1, size))
    perm = list(range(1, size))
    random.Random(seed).shuffle(perm)
    perm = [0, *perm]
    cost = np.rint(np.asarray(dist)[np.ix_(perm, perm)] * SCALE).astype(np.int64).tolist()
    manager = pywrapcp.RoutingIndexManager(size, 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def arc(i: int, j: int) -> int:
        return int(cost[manager.IndexToNode(i)][manager.IndexToNode(j)])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(arc))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:  # pragma: no cover - a complete graph always has a tour
        raise RuntimeError("OR-Tools found no tour")
    order = []
    index = routing.Start(0)
    while True:
        index = solution.Value(routing.NextVar(index))
        if routing.IsEnd(index):
            break
        order.append(perm[manager.IndexToNode(index)])
    return tuple(order)


def two_opt_tour(dist: np.ndarray) -> tuple[tuple[int, ...], float]:
    """Nearest neighbour from node 0, then 2-opt to a local optimum (deterministic).

    A fast estimate of the tour length for the optimiser's inner loop:
    O(n^2) per improving pass.
    """
    size = dist.shape[0]
    if size <= 1:
        return (), 0.0
    d = np.asarray(dist, dtype=np.float64)
    left = set(range(1, size))
    tour = [0]
    while left:
        last = tour[-1]
        nxt = min(left, key=lambda j: (d[last, j], j))
        tour.append(nxt)
        left.remove(nxt)
    tour.append(0)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(tour) - 2):
            a, b = tour[i - 1], tour[i]
            for k in range(i + 1, len(tour) - 1):
                c, e = tour[k], tour[k + 1]
                if d[a, c] + d[b, e] < d[a, b] + d[c, e] - 1e-9:
                    tour[i : k + 1] = tour[i : k + 1][::-1]
                    a, b = tour[i - 1], tour[i]
                    improved = True
    length = float(sum(d[u, v] for u, v in itertools.pairwise(tour)))
    return tuple(tour[1:-1]), length
