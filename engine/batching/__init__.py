"""Order batching: group orders into picker trips so that the routes are short.

Entry point :func:`solve` (construction, descent, ALNS) on a
:class:`BatchingProblem`; start heuristics are public for baselines.

>>> from engine.model import CartSpec
>>> p = BatchingProblem.build([(1,), (1,), (3,)], [(1,), (1,), (3,)], [1, 1, 1], [1, 1, 1], CartSpec(totes=2))
>>> solve(p, lambda pts: 2.0 * max(pts), BatchingParams(max_iterations=10)).batches
((0, 1), (2,))
"""

from engine.batching.construction import first_come, neighbour_pairs, savings_batches, seed_batches
from engine.batching.problem import (
    BatchingParams,
    BatchingProblem,
    BatchingResult,
    Construction,
    RouteCache,
    RouteCost,
)
from engine.batching.search import construct, local_search, solve
from engine.batching.state import BatchState

__all__ = [
    "BatchState",
    "BatchingParams",
    "BatchingProblem",
    "BatchingResult",
    "Construction",
    "RouteCache",
    "RouteCost",
    "construct",
    "first_come",
    "local_search",
    "neighbour_pairs",
    "savings_batches",
    "seed_batches",
    "solve",
]
