"""Graph layouts (SPEC section 1, ``kind: graph``): any shape, travel on a graph.

A point is a node id. Distances are shortest paths over ``length_m`` edges,
computed once per layout for the nodes that hold locations and the depots, and
kept in one numpy matrix (Dijkstra from each such node: O(S (E + V log V))).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np

from engine.layout.base import Zone, zone_by_id


@dataclass(frozen=True, slots=True)
class GraphLayout:
    """A warehouse given as nodes, undirected edges and locations on nodes.

    Examples
    --------
    >>> lay = GraphLayout.build("m", nodes={"dock": (0, 0), "n1": (5, 0), "n2": (5, 8)},
    ...     edges=[("dock", "n1", None), ("n1", "n2", 9.5)],
    ...     locations={"M-01": "n1", "M-02": "n2"}, depot="dock")
    >>> lay.route_length([lay.point("M-02")])
    29.0
    """

    name: str
    nodes: Mapping[str, tuple[float, float]]
    graph: nx.Graph
    locations: Mapping[str, str]
    depot_node: str
    zones: tuple[Zone, ...] = ()
    _index: Mapping[str, int] = field(default_factory=dict)
    _dist: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @classmethod
    def build(
        cls,
        name: str,
        nodes: Mapping[str, tuple[float, float]],
        edges: Sequence[tuple[str, str, float | None]],
        locations: Mapping[str, str],
        depot: str,
        zones: Sequence[Zone] = (),
    ) -> GraphLayout:
        """Compile nodes and edges; ``None`` length means the Euclidean length.

        Raises ``ValueError`` for an edge or location on an unknown node, a negative
        length, or a location the depot cannot reach.
        """
        g = nx.Graph(name=name)
        for n, (x, y) in nodes.items():
            g.add_node(n, x_m=float(x), y_m=float(y))
        for u, v, length in edges:
            for end in (u, v):
                if end not in nodes:
                    raise ValueError(f"edge {u}-{v}: unknown node {end!r}")
            if length is None:
                (x1, y1), (x2, y2) = nodes[u], nodes[v]
                length = float(np.hypot(x1 - x2, y1 - y2))
            if length < 0:
                raise ValueError(f"edge {u}-{v}: negative length {length}")
            g.add_edge(u, v, length_m=float(length))
        depots = [depot, *(z.depot_node for z in zones if z.depot_node)]
        for d in depots:
            if d not in nodes:
                raise ValueError(f"depot {d!r} is not a node")
        for loc, n in locations.items():
            if n not in nodes:
                raise ValueError(f"location {loc!r} is on unknown node {n!r}")
        key_nodes = sorted(set(locations.values()) | set(depots))
        index = {n: i for i, n in enumerate(key_nodes)}
        dist = np.full((len(key_nodes), len(key_nodes)), np.inf)
        for n in key_nodes:
            lengths = nx.single_source_dijkstra_path_length(g, n, weight="length_m")
            row = index[n]
            for m, d in lengths.items():
                j = index.get(m)
                if j is not None:
                    dist[row, j] = d
        unreachable = [n for n in key_nodes if not np.isfinite(dist[index[depot], index[n]])]
        if unreachable:
            raise ValueError(f"nodes not reachable from the depot: {unreachable[:5]}")
        dist.setflags(write=False)
        return cls(name, dict(nodes), g, dict(locations), depot, tuple(zones), index, dist)

    @property
    def kind(self) -> str:
        return "graph"

    def has_location(self, location_id: str) -> bool:
        return location_id in self.locations

    def point(self, location_id: str) -> str:
        try:
            return self.locations[location_id]
        except KeyError:
            raise KeyError(f"location {location_id!r} is not in layout {self.name!r}") from None

    def depot(self, zone_id: str | None = None) -> str:
        zone = zone_by_id(self.zones, zone_id)
        return self.depot_node if zone is None or zone.depot_node is None else zone.depot_node

    def zone_of(self, location_id: str) -> str | None:
        node = self.point(location_id)
        for z in self.zones:
            if node in z.nodes:
                return z.zone_id
        return None

    def distance(self, p: Hashable, q: Hashable) -> float:
        return float(self._dist[self._index[str(p)], self._index[str(q)]])

    def distance_matrix(self, points: Sequence[Hashable]) -> np.ndarray:
        idx = np.fromiter((self._index[str(p)] for p in points), dtype=np.int64, count=len(points))
        return self._dist[np.ix_(idx, idx)]

    def route_length(self, stops: Sequence[Hashable], zone_id: str | None = None) -> float:
        d = self.depot(zone_id)
        idx = [self._index[str(p)] for p in (d, *stops, d)]
        return float(sum(self._dist[a, b] for a, b in itertools.pairwise(idx)))

    def to_networkx(self) -> nx.Graph:
        return self.graph
