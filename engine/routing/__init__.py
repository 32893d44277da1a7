"""Picker routing: the order in which one picker visits the stops of one trip.

Entry points: :func:`solve` (a :class:`Route` with its stop order) and
:func:`route_length` (the length only, the batching optimiser's hot path).
"""

from engine.routing.types import Route, RoutingParams

__all__ = ["Route", "RoutingParams"]
