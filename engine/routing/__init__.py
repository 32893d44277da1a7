"""Picker routing: the order in which one picker visits the stops of one trip.

Entry points: :func:`solve` (a :class:`Route` with its stop order and whether it
is proven optimal), :func:`route_length` (the length only, the batching
optimiser's hot path), :func:`route_lengths` (many point sets in one call) and
:class:`RouteScorer` (exact lengths of index subsets of a fixed point table on
a rectangular layout, the cheapest form). Methods are
:class:`engine.model.RoutingMethod`.
"""

from engine.model import RoutingMethod
from engine.routing.compiled import RouteScorer
from engine.routing.solve import route_length, route_lengths, solve
from engine.routing.types import Route, RoutingParams

__all__ = ["Route", "RouteScorer", "RoutingMethod", "RoutingParams", "route_length", "route_lengths", "solve"]
