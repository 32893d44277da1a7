"""The rectangular warehouse of SPEC section 2: blocks, pick aisles and cross aisles.

Geometry, exactly as the contract states it:

- block depth ``D = slots_per_side * slot_length_m``; cross aisle ``k`` (``0..K``)
  has its centre line at ``y_k = k * (D + cross_aisle_width_m)``;
- aisle ``a`` has its centre line at ``x_a = (a - 1) * aisle_pitch_m``;
- slot ``s`` of block ``b`` is picked at
  ``y_{b-1} + cross_aisle_width_m / 2 + (s - 0.5) * slot_length_m``;
- the depot is a point on cross aisle 0.

Distances are closed-form (O(1) per pair, vectorised over numpy arrays), so no
all-pairs table over the whole building is ever built.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import networkx as nx
import numpy as np

from engine.layout.base import Zone, zone_by_id

LOCATION_RE = re.compile(r"^A(\d{2,})-B(\d+)-S(\d{3,})-([LR])$")


def location_id(aisle: int, block: int, slot: int, side: str = "L") -> str:
    """The SPEC location id of a slot.

    >>> location_id(3, 1, 17, "L")
    'A03-B1-S017-L'
    """
    return f"A{aisle:02d}-B{block}-S{slot:03d}-{side}"


class RectPoint(NamedTuple):
    """A pick position (or the depot) of a rectangular layout.

    ``aisle`` and ``block`` count from 1; the depot (and any point on the front
    cross aisle) has ``block == 0`` and ``aisle == 0``. ``slot`` is 0 for the depot.
    """

    aisle: int
    block: int
    slot: int
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class RectangularLayout:
    """A rectangular multi-block warehouse (SPEC sections 1 and 2).

    Examples
    --------
    >>> lay = RectangularLayout("t", blocks=2, aisles=3, slots_per_side=10,
    ...     slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=2.0)
    >>> lay.distance(lay.depot(), lay.point("A01-B1-S001-L"))
    1.5
    """

    name: str
    blocks: int
    aisles: int
    slots_per_side: int
    slot_length_m: float = 1.0
    aisle_pitch_m: float = 3.0
    cross_aisle_width_m: float = 2.0
    depot_x_m: float = 0.0
    zones: tuple[Zone, ...] = ()

    def __post_init__(self) -> None:
        if self.blocks < 1 or self.aisles < 1 or self.slots_per_side < 1:
            raise ValueError("blocks, aisles and slots_per_side must be at least 1")
        if self.slot_length_m <= 0 or self.aisle_pitch_m <= 0 or self.cross_aisle_width_m < 0:
            raise ValueError("slot_length_m and aisle_pitch_m must be positive")
        width = (self.aisles - 1) * self.aisle_pitch_m
        for x in [self.depot_x_m, *(z.depot_x_m or 0.0 for z in self.zones)]:
            if not 0.0 <= x <= width + 1e-9:
                raise ValueError(f"depot x {x} m is outside the front cross aisle [0, {width}]")
        for z in self.zones:
            if z.aisles is None or not 1 <= z.aisles[0] <= z.aisles[1] <= self.aisles:
                raise ValueError(f"zone {z.zone_id!r}: aisles must be a range within 1..{self.aisles}")

    # --- geometry -----------------------------------------------------------------
    @property
    def kind(self) -> str:
        return "rectangular"

    @property
    def block_depth_m(self) -> float:
        return self.slots_per_side * self.slot_length_m

    @property
    def width_m(self) -> float:
        return (self.aisles - 1) * self.aisle_pitch_m

    def cross_aisle_y(self, k: int | np.ndarray) -> float | np.ndarray:
        """Centre line y of cross aisle ``k`` (0 = front)."""
        return k * (self.block_depth_m + self.cross_aisle_width_m)

    def aisle_x(self, aisle: int) -> float:
        return (aisle - 1) * self.aisle_pitch_m

    def slot_y(self, block: int, slot: int) -> float:
        return float(
            self.cross_aisle_y(block - 1)
            + self.cross_aisle_width_m / 2
            + (slot - 0.5) * self.slot_length_m
        )

    def make_point(self, aisle: int, block: int, slot: int) -> RectPoint:
        if not (1 <= aisle <= self.aisles and 1 <= block <= self.blocks and 1 <= slot <= self.slots_per_side):
            raise KeyError(f"A{aisle:02d}-B{block}-S{slot:03d} is outside layout {self.name!r}")
        return RectPoint(aisle, block, slot, self.aisle_x(aisle), self.slot_y(block, slot))

    def has_location(self, location_id: str) -> bool:
        try:
            self.point(location_id)
        except KeyError:
            return False
        return True

    def point(self, location_id: str) -> RectPoint:
        m = LOCATION_RE.match(location_id)
        if not m:
            raise KeyError(f"{location_id!r} is not a location id of the form A01-B1-S001-L")
        return self.make_point(int(m.group(1)), int(m.group(2)), int(m.group(3)))

    def depot(self, zone_id: str | None = None) -> RectPoint:
        zone = zone_by_id(self.zones, zone_id)
        x = self.depot_x_m if zone is None or zone.depot_x_m is None else zone.depot_x_m
        return RectPoint(0, 0, 0, float(x), 0.0)

    def zone_of(self, location_id: str) -> str | None:
        if not self.zones:
            return None
        aisle = self.point(location_id).aisle
        for z in self.zones:
            assert z.aisles is not None
            if z.aisles[0] <= aisle <= z.aisles[1]:
                return z.zone_id
        return None

    # --- distances ----------------------------------------------------------------
    def distance(self, p: Hashable, q: Hashable) -> float:
        return float(self.distance_matrix([p, q])[0, 1])

    def _arrays(self, points: Sequence[Hashable]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        arr = np.asarray([(pt[3], pt[4], pt[1]) for pt in points], dtype=np.float64).reshape(-1, 3)  # type: ignore[index]
        return arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int64)

    def pairwise(
        self,
        x1: np.ndarray,
        y1: np.ndarray,
        b1: np.ndarray,
        x2: np.ndarray,
        y2: np.ndarray,
        b2: np.ndarray,
    ) -> np.ndarray:
        """Shortest distances between points given as broadcastable arrays.

        Within one aisle of one block the distance is ``|y1 - y2|``; otherwise the
        best of leaving each point by the front or back cross aisle of its block
        (the depot, ``block == 0``, only by cross aisle 0). O(1) per pair.
        """
        ypitch = self.block_depth_m + self.cross_aisle_width_m
        dx = np.abs(x1 - x2)
        best = np.full(np.broadcast(x1, x2).shape, np.inf)
        for o1 in (0, 1):
            c1 = np.maximum(b1 - 1 + o1, 0)
            yc1 = c1 * ypitch
            for o2 in (0, 1):
                c2 = np.maximum(b2 - 1 + o2, 0)
                yc2 = c2 * ypitch
                d = np.abs(y1 - yc1) + np.abs(yc1 - yc2) + dx + np.abs(y2 - yc2)
                np.minimum(best, d, out=best)
        same = (b1 == b2) & (b1 > 0) & (x1 == x2)
        return np.where(same, np.abs(y1 - y2), best)

    def distance_matrix(self, points: Sequence[Hashable]) -> np.ndarray:
        x, y, b = self._arrays(points)
        return self.pairwise(x[:, None], y[:, None], b[:, None], x[None, :], y[None, :], b[None, :])

    def route_length(self, stops: Sequence[Hashable], zone_id: str | None = None) -> float:
        d = self.depot(zone_id)
        seq = [d, *stops, d]
        x, y, b = self._arrays(seq)
        legs = self.pairwise(x[:-1], y[:-1], b[:-1], x[1:], y[1:], b[1:])
        return float(legs.sum())

    # --- graph --------------------------------------------------------------------
    def to_networkx(self, points: Sequence[RectPoint] = ()) -> nx.Graph:
        """The aisle graph: cross-aisle junctions, depots and the given pick points.

        Nodes are :class:`RectPoint`; edges carry ``length_m``. Shortest paths on it
        equal :meth:`distance` (a test checks this), so the closed form and the graph
        are one model. With no ``points``, every slot of every aisle is a node.
        """
        g = nx.Graph(name=self.name)
        pts = list(points) or [
            self.make_point(a, b, s)
            for a in range(1, self.aisles + 1)
            for b in range(1, self.blocks + 1)
            for s in range(1, self.slots_per_side + 1)
        ]
        depots = {self.depot()} | {self.depot(z.zone_id) for z in self.zones}
        # Nodes on each cross aisle: aisle junctions plus any depot there.
        for k in range(self.blocks + 1):
            yk = float(self.cross_aisle_y(k))
            row = [RectPoint(a, -k - 1, 0, self.aisle_x(a), yk) for a in range(1, self.aisles + 1)]
            if k == 0:
                row += [d for d in depots]
            row.sort(key=lambda p: p.x)
            for u, v in itertools.pairwise(row):
                if u.x == v.x:
                    g.add_edge(u, v, length_m=0.0)
                else:
                    g.add_edge(u, v, length_m=v.x - u.x)
        # Each aisle of each block: front junction, its points by y, back junction.
        by_aisle_block: dict[tuple[int, int], list[RectPoint]] = {}
        for p in pts:
            by_aisle_block.setdefault((p.aisle, p.block), []).append(p)
        for a in range(1, self.aisles + 1):
            for b in range(1, self.blocks + 1):
                front = RectPoint(a, -b, 0, self.aisle_x(a), float(self.cross_aisle_y(b - 1)))
                back = RectPoint(a, -b - 1, 0, self.aisle_x(a), float(self.cross_aisle_y(b)))
                chain = [front, *sorted(set(by_aisle_block.get((a, b), [])), key=lambda p: p.y), back]
                for u, v in itertools.pairwise(chain):
                    g.add_edge(u, v, length_m=v.y - u.y)
        return g
