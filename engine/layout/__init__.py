"""Warehouse layouts: the rectangular generator, graph layouts, and distances.

Every layout compiles to one :class:`networkx.Graph`; rectangular layouts also
have the closed geometry of SPEC section 2, which is the fast path for
distances. Everything that needs a distance asks a layout (one source).
"""

from engine.layout.base import Layout, Zone
from engine.layout.graph import GraphLayout
from engine.layout.rectangular import LOCATION_RE, RectangularLayout, RectPoint, location_id

__all__ = [
    "LOCATION_RE",
    "GraphLayout",
    "Layout",
    "RectPoint",
    "RectangularLayout",
    "Zone",
    "location_id",
]
