"""``layout.yaml`` (SPEC section 1): rectangular or graph, compiled to a layout."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import InputError, Problem
from engine.io.ids import MAX_ID_LEN
from engine.io.text import read_text
from engine.io.yamlfile import parse_yaml_mapping
from engine.layout import GraphLayout, Layout, RectangularLayout, Zone

RECT_KEYS = frozenset({
    "name", "kind", "blocks", "aisles", "slots_per_side", "slot_length_m", "aisle_pitch_m",
    "cross_aisle_width_m", "depot", "zones",
})
GRAPH_KEYS = frozenset({"name", "kind", "nodes", "edges", "locations", "depot", "zones"})


#: Largest count of blocks, aisles or slots per side accepted (a typo like ``1e9`` would exhaust memory).
MAX_COUNT = 10_000
#: Largest length in metres accepted anywhere in a layout.
MAX_METRES = 1_000_000.0


class _Problems:
    """Collects problems of one file so that all are reported at once."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[Problem] = []

    def add(self, key: str, message: str) -> None:
        self.items.append(Problem(self.file, message, column=key))

    def number(self, doc: Mapping[str, Any], key: str, default: float | None = None, *,
               integer: bool = False, positive: bool = True, any_sign: bool = False,
               where: str | None = None, maximum: float = MAX_METRES) -> float:
        """``doc[key]`` as a float; ``any_sign`` allows any finite real (coordinates).

        ``where`` names the entry in messages (e.g. ``nodes[3].y_m``); default ``key``.
        Values above ``maximum`` are refused (a typo like ``1e9`` aisles would exhaust memory).
        """
        label = where or key
        value = doc.get(key, default)
        if value is None:
            self.add(label, "required key missing")
            return 1.0
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(label, f"must be a number, got {value!r}")
            return 1.0
        if not math.isfinite(value):
            self.add(label, f"must be a finite number, got {value!r}")
            return 1.0
        if abs(value) > maximum:
            self.add(label, f"must be at most {maximum:g} in size, got {value!r}")
            return 1.0
        if integer and not float(value).is_integer():
            self.add(label, f"must be a whole number, got {value!r}")
            return 1.0
        if not any_sign and ((positive and value <= 0) or value < 0):
            self.add(label, f"must be {'positive' if positive else 'at least 0'}, got {value!r}")
            return 1.0
        return float(value)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)


def _rectangular(doc: Mapping[str, Any], file: str) -> RectangularLayout:
    p = _Problems(file)
    for k in doc:
        if k not in RECT_KEYS:
            p.add(str(k), "unknown key for a rectangular layout")
    depot = doc.get("depot") or {}
    if not isinstance(depot, dict):
        p.add("depot", "must be a mapping like {x_m: 0.0}")
        depot = {}
    zones: list[Zone] = []
    for i, z in enumerate(doc.get("zones") or []):
        key = f"zones[{i}]"
        if not isinstance(z, dict) or "id" not in z or "aisles" not in z:
            p.add(key, "each zone needs id and aisles: [first, last]")
            continue
        span = z["aisles"]
        if not (isinstance(span, list) and len(span) == 2 and all(isinstance(a, int) for a in span)):
            p.add(f"{key}.aisles", f"must be [first, last] aisle numbers, got {span!r}")
            continue
        zones.append(Zone(str(z["id"]), aisles=(span[0], span[1]),
                          depot_x_m=p.number(z, "depot_x_m", 0.0, positive=False)))
    ids = [z.zone_id for z in zones]
    if len(set(ids)) != len(ids):
        p.add("zones", "zone ids must be unique")
    name = doc.get("name") or Path(file).stem
    if not isinstance(name, (str, int, float)) or isinstance(name, bool) or len(str(name)) > MAX_ID_LEN:
        p.add("name", f"must be a short text (at most {MAX_ID_LEN} characters)")
        name = Path(file).stem
    kwargs = dict(
        name=str(name),
        blocks=int(p.number(doc, "blocks", integer=True, maximum=MAX_COUNT)),
        aisles=int(p.number(doc, "aisles", integer=True, maximum=MAX_COUNT)),
        slots_per_side=int(p.number(doc, "slots_per_side", integer=True, maximum=MAX_COUNT)),
        slot_length_m=p.number(doc, "slot_length_m", 1.0),
        aisle_pitch_m=p.number(doc, "aisle_pitch_m", 3.0),
        cross_aisle_width_m=p.number(doc, "cross_aisle_width_m", 2.0, positive=False),
        depot_x_m=p.number(depot, "x_m", 0.0, positive=False),
    )
    p.raise_if_any()
    try:
        return RectangularLayout(zones=tuple(zones), **kwargs)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputError([Problem(file, str(exc))]) from None


def _graph(doc: Mapping[str, Any], file: str) -> GraphLayout:
    p = _Problems(file)
    for k in doc:
        if k not in GRAPH_KEYS:
            p.add(str(k), "unknown key for a graph layout")
    # Coordinates are any real numbers (a site plan's origin may sit anywhere); they only place nodes.
    nodes: dict[str, tuple[float, float]] = {}
    for i, n in enumerate(doc.get("nodes") or []):
        if not isinstance(n, dict) or "id" not in n:
            p.add(f"nodes[{i}]", "each node needs id, x_m, y_m")
            continue
        node_id = str(n["id"])
        if node_id in nodes:
            p.add(f"nodes[{i}].id", f"duplicate node id {node_id!r}")
            continue
        nodes[node_id] = (p.number(n, "x_m", any_sign=True, where=f"nodes[{i}].x_m"),
                          p.number(n, "y_m", any_sign=True, where=f"nodes[{i}].y_m"))
    edges: list[tuple[str, str, float | None]] = []
    for i, e in enumerate(doc.get("edges") or []):
        if isinstance(e, list) and len(e) == 2:
            edges.append((str(e[0]), str(e[1]), None))
        elif isinstance(e, dict) and "from" in e and "to" in e:
            length = (p.number(e, "length_m", positive=False, where=f"edges[{i}].length_m")
                      if "length_m" in e else None)
            edges.append((str(e["from"]), str(e["to"]), length))
        else:
            p.add(f"edges[{i}]", "an edge is [from, to] or {from, to, length_m}")
    locations: dict[str, str] = {}
    for i, loc in enumerate(doc.get("locations") or []):
        if not isinstance(loc, dict) or "id" not in loc or "node" not in loc:
            p.add(f"locations[{i}]", "each location needs id and node")
            continue
        loc_id = str(loc["id"])
        if loc_id in locations:
            p.add(f"locations[{i}].id", f"duplicate location id {loc_id!r} (already on node "
                  f"{locations[loc_id]!r}); each location id may appear once")
            continue
        locations[loc_id] = str(loc["node"])
    zones: list[Zone] = []
    for i, z in enumerate(doc.get("zones") or []):
        if not isinstance(z, dict) or "id" not in z or "nodes" not in z:
            p.add(f"zones[{i}]", "each zone needs id, nodes and optionally depot")
            continue
        zones.append(Zone(str(z["id"]), nodes=frozenset(str(n) for n in z["nodes"]),
                          depot_node=str(z["depot"]) if z.get("depot") is not None else None))
    if not nodes:
        p.add("nodes", "a graph layout needs nodes")
    if "depot" not in doc:
        p.add("depot", "required key missing")
    p.raise_if_any()
    try:
        return GraphLayout.build(str(doc.get("name") or Path(file).stem), nodes, edges, locations,
                                 str(doc["depot"]), zones)
    except ValueError as exc:
        raise InputError([Problem(file, str(exc))]) from None


def parse_layout(text: str, file: str = "layout.yaml") -> Layout:
    """Parse a layout document of either kind.

    >>> lay = parse_layout("kind: rectangular\\nblocks: 1\\naisles: 2\\nslots_per_side: 5\\n")
    >>> lay.kind, lay.point("A02-B1-S001-R").x
    ('rectangular', 3.0)
    """
    doc = parse_yaml_mapping(text, file)
    kind = doc.get("kind", "rectangular")
    if kind == "rectangular":
        return _rectangular(doc, file)
    if kind == "graph":
        return _graph(doc, file)
    raise InputError([Problem(file, f"kind must be rectangular or graph, got {kind!r}", column="kind")])


def read_layout(path: str | Path) -> Layout:
    return parse_layout(read_text(path), str(path))
