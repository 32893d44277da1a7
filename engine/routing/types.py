"""Parameters and results of picker routing."""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass

from engine.model import RoutingMethod


@dataclass(frozen=True, slots=True)
class RoutingParams:
    """How to route one pick list, validated on construction.

    Parameters
    ----------
    method
        ``optimal`` (proven optimal where a proof is available, see
        :func:`engine.routing.solve`) or one of the classic heuristics. A string
        such as ``"s-shape"`` is accepted and turned into a :class:`RoutingMethod`.
    time_limit_s
        Wall-clock budget of one solve where the exact method can run long
        (rectangular layouts with 3+ blocks, graph layouts with many stops).
    seed
        Seed of the randomised parts (the kicks of the local search on graph
        layouts); the same seed gives the same route whenever the exact search
        proves within ``time_limit_s`` (a search cut by the clock may differ).

    Examples
    --------
    >>> RoutingParams("s-shape").method
    <RoutingMethod.S_SHAPE: 's-shape'>
    """

    method: RoutingMethod = RoutingMethod.OPTIMAL
    time_limit_s: float = 10.0
    seed: int = 0

    def __post_init__(self) -> None:
        try:
            method = RoutingMethod(self.method)
        except ValueError:
            names = ", ".join(m.value for m in RoutingMethod)
            raise ValueError(f"unknown routing method {self.method!r}; expected one of {names}") from None
        object.__setattr__(self, "method", method)
        if not (isinstance(self.time_limit_s, int | float) and math.isfinite(self.time_limit_s)):
            raise ValueError("time_limit_s must be a finite number")
        if self.time_limit_s <= 0:
            raise ValueError("time_limit_s must be positive")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError("seed must be a non-negative integer")


@dataclass(frozen=True, slots=True)
class Route:
    """One picker tour: depot, ``stops`` in walking order, depot.

    ``stops`` are distinct pick points (what ``layout.point`` returns), the depot
    excluded. ``length_m`` is the SPEC length of that order: the sum of
    shortest-path distances between consecutive points, depot to depot.
    ``proven`` is true only when ``length_m`` is proven to be the minimum over
    all visiting orders.
    """

    stops: tuple[Hashable, ...]
    length_m: float
    proven: bool
    method: RoutingMethod
