"""A short description of a layout for people authoring one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.layout import GraphLayout, Layout, RectangularLayout
from engine.planner.drawing import all_location_ids


@dataclass(frozen=True, slots=True)
class LayoutSummary:
    """Counts and size of a layout.

    ``aisles`` and ``blocks`` are 0 for graph layouts; ``width_m`` and
    ``depth_m`` span aisle and cross-aisle centre lines (rectangular) or the
    node coordinates (graph).
    """

    name: str
    kind: str
    aisles: int
    blocks: int
    locations: int
    pick_positions: int
    zones: tuple[str, ...]
    width_m: float
    depth_m: float
    nodes: int
    edges: int

    def lines(self) -> list[str]:
        """Human-readable lines, one fact each.

        >>> s = summarize_layout(RectangularLayout("t", blocks=2, aisles=3, slots_per_side=10))
        >>> s.lines()[1]
        'aisles 3, blocks 2, locations 120 (60 pick positions)'
        """
        head = f"layout {self.name!r} ({self.kind}): {self.width_m:g} m x {self.depth_m:g} m"
        if self.kind == "rectangular":
            body = (f"aisles {self.aisles}, blocks {self.blocks}, locations {self.locations} "
                    f"({self.pick_positions} pick positions)")
        else:
            body = (f"nodes {self.nodes}, edges {self.edges}, locations {self.locations} "
                    f"({self.pick_positions} pick positions)")
        zones = f"zones {len(self.zones)}: {', '.join(self.zones)}" if self.zones else "zones: none"
        return [head, body, zones]


def summarize_layout(layout: Layout) -> LayoutSummary:
    """Count aisles, blocks, locations and zones and measure the layout.

    >>> s = summarize_layout(RectangularLayout("t", blocks=2, aisles=3, slots_per_side=10))
    >>> s.locations, s.width_m, s.depth_m
    (120, 6.0, 24.0)
    """
    zones = tuple(z.zone_id for z in layout.zones)
    locs = all_location_ids(layout)
    if isinstance(layout, RectangularLayout):
        g = layout.to_networkx()
        return LayoutSummary(layout.name, layout.kind, layout.aisles, layout.blocks, len(locs), len(locs) // 2,
                             zones, layout.width_m, float(layout.cross_aisle_y(layout.blocks)),
                             g.number_of_nodes(), g.number_of_edges())
    if isinstance(layout, GraphLayout):
        xy = np.array(list(layout.nodes.values()), dtype=float).reshape(-1, 2)
        span = xy.max(axis=0) - xy.min(axis=0) if len(xy) else np.zeros(2)
        return LayoutSummary(layout.name, layout.kind, 0, 0, len(locs), len(set(layout.locations.values())),
                             zones, float(span[0]), float(span[1]), layout.graph.number_of_nodes(),
                             layout.graph.number_of_edges())
    raise TypeError(f"unsupported layout type {type(layout).__name__}")
