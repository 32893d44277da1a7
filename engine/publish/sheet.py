"""A printable HTML pick sheet per batch: walking order, tote per order, a route map.

The map is a small inline SVG (no scripts, no external files) so the sheet
prints the same from any browser or a 3PL's document system. The drawn line
follows aisles and cross aisles (shortest walks on the layout's graph), not
straight lines through racks.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Hashable, Sequence

import networkx as nx

from engine.layout.base import Layout
from engine.layout.rectangular import RectangularLayout
from engine.publish.picklists import BatchInfo, PickRow

XY = tuple[float, float]


def _xy(g: nx.Graph, node: Hashable) -> XY:
    x, y = getattr(node, "x", None), getattr(node, "y", None)
    if x is not None and y is not None:
        return (float(x), float(y))
    data = g.nodes[node]
    return (float(data["x_m"]), float(data["y_m"]))


def location_xy(layout: Layout, location_id: str) -> XY:
    """Plan coordinates (metres) of a location's pick point."""
    p = layout.point(location_id)
    x, y = getattr(p, "x", None), getattr(p, "y", None)
    if x is not None and y is not None:
        return (float(x), float(y))
    return _xy(layout.to_networkx(), p)


def walking_path(layout: Layout, location_ids: Sequence[str], zone_id: str | None = None) -> list[XY]:
    """The walk depot → each location in order → depot, as a polyline of (x, y) metres.

    Each leg is a shortest path on ``layout.to_networkx`` (edge weight
    ``length_m``), so the line runs along aisle and cross-aisle centre lines.
    Consecutive duplicate points are dropped. Complexity: one Dijkstra per leg,
    O(n (E + V log V)) for ``n`` stops.
    """
    points: list[Hashable] = [layout.point(loc) for loc in location_ids]
    # A rectangular layout adds only the given slots as nodes (not every slot).
    if isinstance(layout, RectangularLayout):
        g = layout.to_networkx([layout.point(loc) for loc in location_ids])
    else:
        g = layout.to_networkx()
    depot = layout.depot(zone_id)
    out: list[XY] = []
    for u, v in itertools.pairwise([depot, *points, depot]):
        for node in nx.shortest_path(g, u, v, weight="length_m"):
            xy = _xy(g, node)
            if not out or out[-1] != xy:
                out.append(xy)
    if not out:
        out.append(_xy(g, depot))
    return out


def route_svg(path: Sequence[XY], stops: Sequence[tuple[int, XY]], width_px: int = 480) -> str:
    """An inline SVG of a walking path: the line, numbered stops, the depot as a square.

    ``path[0]`` is the depot. The y axis is flipped so the front cross aisle
    (y = 0, where the depot stands) is at the bottom of the drawing.
    """
    xs = [p[0] for p in path] + [xy[0] for _, xy in stops]
    ys = [p[1] for p in path] + [xy[1] for _, xy in stops]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    span = max(x1 - x0, y1 - y0, 1.0)
    pad = 14.0
    scale = (width_px - 2 * pad) / span
    height_px = round((y1 - y0) * scale + 2 * pad)

    def px(p: XY) -> tuple[float, float]:
        return (round(pad + (p[0] - x0) * scale, 1), round(height_px - pad - (p[1] - y0) * scale, 1))

    line = " ".join(f"{a},{b}" for a, b in map(px, path))
    dx, dy = px(path[0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
        f'viewBox="0 0 {width_px} {height_px}" role="img" aria-label="route map">',
        f'<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="2"/>',
        f'<rect x="{dx - 6}" y="{dy - 6}" width="12" height="12" fill="#333"><title>depot</title></rect>',
    ]
    for n, xy in stops:
        cx, cy = px(xy)
        parts.append(
            f'<circle cx="{cx}" cy="{cy}" r="7" fill="#fff" stroke="#c0392b" stroke-width="1.5"/>'
            f'<text x="{cx}" y="{cy + 3}" font-size="8" text-anchor="middle">{n}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _tote_key(tote: str) -> tuple[int, str]:
    head = tote.split("/", 1)[0]
    return (int(head) if head.isdigit() else 1 << 30, tote)


_CSS = """
body{font-family:sans-serif;margin:1.5em}h1{font-size:1.3em;margin:0 0 .3em}
table{border-collapse:collapse;margin:.6em 0}td,th{border:1px solid #999;padding:3px 8px;text-align:left}
td.n{text-align:right}tr.first td{border-top:2px solid #333}.facts span{margin-right:2em}
.done{width:1.2em;height:1.2em;border:1px solid #333;display:inline-block}
@media print{body{margin:0}.map{page-break-inside:avoid}}
"""


def render_batch_sheet(wave_id: str, batch: BatchInfo, picks: Sequence[PickRow], svg: str = "") -> str:
    """The printable sheet of one batch as a standalone HTML document.

    ``picks`` are the batch's rows of ``picklists.csv`` in walking order. The
    sheet lists every pick with a tick box, the tote each order goes to, and the
    route map ``svg`` (see :func:`route_svg`) when given.
    """
    e = html.escape
    totes: dict[str, str] = {}
    for p in picks:
        totes.setdefault(p.tote, p.order_id)
    units = sum(p.qty for p in picks)
    stops = len({p.stop for p in picks})
    rows = []
    last_stop = None
    for p in picks:
        first = p.stop != last_stop
        last_stop = p.stop
        rows.append(
            f'<tr class="{"first" if first else ""}"><td class="n">{p.stop if first else ""}</td>'
            f"<td>{e(p.location_id) if first else ''}</td><td>{e(p.sku)}</td><td class=\"n\">{p.qty}</td>"
            f'<td>{e(p.order_id)}</td><td class="n">{e(p.tote)}</td><td><span class="done"></span></td></tr>'
        )
    ordered = sorted(totes.items(), key=lambda kv: _tote_key(kv[0]))
    tote_rows = "".join(f'<tr><td class="n">{e(t)}</td><td>{e(o)}</td></tr>' for t, o in ordered)
    zone = f"<span>zone {e(batch.zone)}</span>" if batch.zone else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(wave_id)} {e(batch.batch_id)}</title><style>{_CSS}</style></head><body>\n"
        f"<h1>Wave {e(wave_id)} · batch {e(batch.batch_id)}</h1>\n"
        f'<p class="facts">{zone}<span>{stops} stops</span><span>{units} units</span>'
        f"<span>{len(totes)} orders</span><span>{batch.distance_m:.1f} m walk</span></p>\n"
        f'<div class="map">{svg}</div>\n'
        "<table><thead><tr><th>Stop</th><th>Location</th><th>SKU</th><th>Qty</th><th>Order</th>"
        "<th>Tote</th><th>Done</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>\n"
        "<h2>Totes</h2><table><thead><tr><th>Tote</th><th>Order</th></tr></thead><tbody>"
        f"{tote_rows}</tbody></table>\n</body></html>\n"
    )
