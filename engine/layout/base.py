"""What every layout offers: positions, depots, zones and distances."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import networkx as nx
import numpy as np


@dataclass(frozen=True, slots=True)
class Zone:
    """A picking zone with its own depot.

    Rectangular zones are a contiguous aisle range ``aisles = (first, last)`` and a
    depot at ``depot_x_m`` on the front cross aisle; graph zones name their nodes
    and a depot node.
    """

    zone_id: str
    aisles: tuple[int, int] | None = None
    depot_x_m: float | None = None
    nodes: frozenset[str] = frozenset()
    depot_node: str | None = None


@runtime_checkable
class Layout(Protocol):
    """A warehouse a picker walks through.

    A *point* is a hashable pick position: both sides of an aisle at one slot
    share one point. Distances are shortest walking distances in metres.
    """

    @property
    def name(self) -> str: ...

    @property
    def zones(self) -> tuple[Zone, ...]: ...

    @property
    def kind(self) -> str: ...

    def has_location(self, location_id: str) -> bool: ...

    def point(self, location_id: str) -> Hashable:
        """The pick position of a location id; ``KeyError`` if it is not in the layout."""
        ...

    def depot(self, zone_id: str | None = None) -> Hashable:
        """The depot point of the whole layout, or of one zone."""
        ...

    def zone_of(self, location_id: str) -> str | None:
        """The zone holding a location, or None when the layout has no zones."""
        ...

    def distance(self, p: Hashable, q: Hashable) -> float: ...

    def distance_matrix(self, points: Sequence[Hashable]) -> np.ndarray:
        """Pairwise shortest distances between ``points`` as a float64 array."""
        ...

    def route_length(self, stops: Sequence[Hashable], zone_id: str | None = None) -> float:
        """Depot, then ``stops`` in order, then the depot again (SPEC section 2)."""
        ...

    def to_networkx(self) -> nx.Graph: ...


def zone_by_id(zones: Sequence[Zone], zone_id: str | None) -> Zone | None:
    if zone_id is None:
        return None
    for z in zones:
        if z.zone_id == zone_id:
            return z
    raise KeyError(f"unknown zone {zone_id!r}")
