"""Picker routing: the order in which one picker visits the stops of one trip.

Entry points: :func:`solve` (a :class:`Route` with its stop order and whether it
is proven optimal) and :func:`route_length` (the length only, the batching
optimiser's hot path). Methods are :class:`engine.model.RoutingMethod`.
"""

from engine.model import RoutingMethod
from engine.routing.solve import route_length, solve
from engine.routing.types import Route, RoutingParams

__all__ = ["Route", "RoutingMethod", "RoutingParams", "route_length", "solve"]
