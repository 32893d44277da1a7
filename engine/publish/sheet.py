"""A printable HTML pick sheet per batch: the walk on a map of the racks, then the picks stop by stop.

The map is an inline SVG (no scripts, no external files) so the sheet prints
the same from any browser or a 3PL's document system: racks on both sides of
every aisle with the aisle numbers, the depot, the walk along aisle and
cross-aisle centre lines (shortest walks on the layout's graph, never straight
through racks) and numbered stops. Stops that would overlap on the drawing
share one label (``3-5``), so no number is ever printed over another.

The table lists one row per SKU and stop: under ``batch`` the bulk quantity to
take and how to split it over the pack station's sort slots, under
``cluster`` and ``zone`` the tote each order's units go into. The page prints
on A4 and Letter (``@page`` margins, a map that fits the narrower sheet,
rows never split across pages, the header repeated on every page).
"""

from __future__ import annotations

import functools
import html
import itertools
from collections.abc import Callable, Hashable, Sequence
from typing import cast

import networkx as nx

from engine.layout.base import Layout
from engine.layout.rectangular import RectangularLayout, RectPoint
from engine.wave.plan import Batch, Pick

XY = tuple[float, float]
#: What the ``tote`` column of a pick means, per method (SPEC section 5 and the README).
TOTE_LABEL = {"batch": "Sort slot", "cluster": "Tote", "zone": "Tote", "single": "Tote"}
#: Map width in CSS pixels: fits the printable width of both A4 (186 mm) and Letter (190 mm) at 96 dpi.
MAP_WIDTH_PX = 680
#: Stop marker: radius, and width per character of its label.
_R, _CHAR_W = 7.0, 5.2


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

    Every leg is a shortest walk along aisle and cross-aisle centre lines: on a
    rectangular layout the closed form of SPEC section 2 (which cross aisles
    to take, O(1) per leg), else a shortest path on ``layout.to_networkx``
    (one Dijkstra per leg). Consecutive duplicate points are dropped.
    """
    depot = layout.depot(zone_id)
    points: list[Hashable] = [depot, *(layout.point(loc) for loc in location_ids), depot]
    out: list[XY] = []
    if isinstance(layout, RectangularLayout):
        legs = [_rect_leg(layout, cast(RectPoint, u), cast(RectPoint, v)) for u, v in itertools.pairwise(points)]
    else:
        g = layout.to_networkx()
        legs = [[_xy(g, n) for n in nx.shortest_path(g, u, v, weight="length_m")]
                for u, v in itertools.pairwise(points)]
    for leg in legs:  # at least depot -> depot
        for xy in leg:
            if not out or out[-1] != xy:
                out.append(xy)
    return out


def _rect_leg(layout: RectangularLayout, p: RectPoint, q: RectPoint) -> list[XY]:
    """A shortest walk from ``p`` to ``q``: up or down ``p``'s aisle to a cross aisle, along it to ``q``'s
    aisle, along that aisle to ``q`` (the closed form of SPEC section 2; the depot is on cross aisle 0)."""
    if p.block >= 1 and p.block == q.block and p.aisle == q.aisle:
        return [(p.x, p.y), (q.x, q.y)]

    def cross_aisles(pt: RectPoint) -> tuple[int, ...]:
        return (0,) if pt.block < 1 else (pt.block - 1, pt.block)

    best: tuple[float, float, float] | None = None
    for c1 in cross_aisles(p):
        y1 = float(layout.cross_aisle_y(c1))
        for c2 in cross_aisles(q):
            y2 = float(layout.cross_aisle_y(c2))
            d = abs(p.y - y1) + abs(y1 - y2) + abs(p.x - q.x) + abs(y2 - q.y)
            if best is None or d < best[0] - 1e-9:
                best = (d, y1, y2)
    assert best is not None
    _, y1, y2 = best
    return [(p.x, p.y), (p.x, y1), (q.x, y1), (q.x, y2), (q.x, q.y)]


def stop_labels(stops: Sequence[tuple[int, tuple[float, float]]]) -> list[tuple[str, tuple[float, float]]]:
    """Stop numbers merged into labels that never overlap: ``[(label, (x, y) px)]``.

    Stops are taken in walking order; a stop whose marker would touch an
    existing label joins it (consecutive numbers read ``3-5``, others
    ``3,7``) and the label, now wider, is checked again against the others,
    until no two labels touch. O(n^2) for n stops.

    >>> stop_labels([(1, (10.0, 10.0)), (2, (12.0, 10.0)), (3, (100.0, 10.0))])
    [('1-2', (10.0, 10.0)), ('3', (100.0, 10.0))]
    """
    groups: list[tuple[list[int], tuple[float, float]]] = []  # pairwise apart at all times
    for n, xy in stops:
        group = ([n], xy)
        while True:  # only the new or just-merged label can touch another
            hit = next((i for i, other in enumerate(groups) if _touch(group, other)), None)
            if hit is None:
                break
            other = groups.pop(hit)
            group = (sorted(other[0] + group[0]), other[1])
        groups.append(group)
    return [(_label(ns), xy) for ns, xy in groups]


def _label(numbers: Sequence[int]) -> str:
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _half_width(numbers: Sequence[int]) -> float:
    return max(_R, len(_label(numbers)) * _CHAR_W / 2 + 3)


def _touch(a: tuple[list[int], XY], b: tuple[list[int], XY]) -> bool:
    gap = 1.5
    return (abs(a[1][0] - b[1][0]) < _half_width(a[0]) + _half_width(b[0]) + gap
            and abs(a[1][1] - b[1][1]) < 2 * _R + gap)


@functools.lru_cache(maxsize=64)
def _racks_svg(layout: RectangularLayout, zone: str, frame: tuple[float, float, float, float, float]) -> str:
    """The racks of a layout drawn in ``frame`` (x0, y0, scale, pad_x, bottom px): the same on every sheet of a
    site, so drawn once per layout, zone and frame."""
    x0, y0, scale, pad_x, bottom = frame

    def px(p: XY) -> XY:
        return (round(pad_x + (p[0] - x0) * scale, 1), round(bottom - (p[1] - y0) * scale, 1))

    return "\n".join(_racks(layout, px, zone))


def _racks(layout: RectangularLayout, to_px: Callable[[XY], XY], zone: str = "") -> list[str]:
    """Rack rectangles on both sides of every aisle of every block, and the aisle numbers.

    A zone's picker sees the other zones' racks dimmed.
    """
    out: list[str] = []
    inside = next((z.aisles for z in layout.zones if z.zone_id == zone and z.aisles), None)
    depth = layout.aisle_pitch_m * 0.3  # drawn rack depth each side of the aisle's centre line
    gap = layout.aisle_pitch_m * 0.12  # walking room drawn between a rack and the centre line
    for b in range(1, layout.blocks + 1):
        y0 = float(layout.cross_aisle_y(b - 1)) + layout.cross_aisle_width_m / 2
        y1 = y0 + layout.block_depth_m
        for a in range(1, layout.aisles + 1):
            x = layout.aisle_x(a)
            kind = "rack" if inside is None or inside[0] <= a <= inside[1] else "rack other"
            for left in (x - gap - depth, x + gap):
                (ax, ay), (bx, by) = to_px((left, y1)), to_px((left + depth, y0))
                out.append(f'<rect class="{kind}" x="{ax}" y="{ay}" width="{round(bx - ax, 1)}" '
                           f'height="{round(by - ay, 1)}"/>')
    bottom = to_px((0.0, float(layout.cross_aisle_y(0))))[1]
    top = to_px((0.0, float(layout.cross_aisle_y(layout.blocks))))[1]
    for a in range(1, layout.aisles + 1):
        x = to_px((layout.aisle_x(a), 0.0))[0]
        out.append(f'<text class="aisle" x="{x}" y="{round(bottom + 14, 1)}">{a}</text>')
        out.append(f'<text class="aisle" x="{x}" y="{round(top - 5, 1)}">{a}</text>')
    return out


def route_svg(layout: Layout, path: Sequence[XY], stops: Sequence[tuple[int, XY]], zone: str = "",
              width_px: int = MAP_WIDTH_PX) -> str:
    """An inline SVG map: racks and aisle numbers (rectangular layouts), the walk, the depot, the stops.

    ``path[0]`` is the depot. The y axis is flipped so the front cross aisle
    (y = 0, where the depot stands) is at the bottom of the drawing. The
    drawing spans the whole layout, so every sheet of a site looks the same.
    """
    xs = [p[0] for p in path] + [xy[0] for _, xy in stops]
    ys = [p[1] for p in path] + [xy[1] for _, xy in stops]
    rect = layout if isinstance(layout, RectangularLayout) else None
    if rect is not None:
        xs += [-rect.aisle_pitch_m / 2, rect.width_m + rect.aisle_pitch_m / 2]
        ys += [0.0, float(rect.cross_aisle_y(rect.blocks))]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    pad_x, pad_top, pad_bottom = 14.0, 18.0, 22.0
    scale = (width_px - 2 * pad_x) / max(x1 - x0, 1.0)
    scale = min(scale, 420.0 / max(y1 - y0, 1.0))  # tall sites: the map stays within a third of a page
    height_px = round((y1 - y0) * scale + pad_top + pad_bottom)

    def px(p: XY) -> tuple[float, float]:
        return (round(pad_x + (p[0] - x0) * scale, 1), round(height_px - pad_bottom - (p[1] - y0) * scale, 1))

    frame = (x0, y0, scale, pad_x, height_px - pad_bottom)

    line = " ".join(f"{a},{b}" for a, b in map(px, path))
    dx, dy = px(path[0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width_px}" height="{height_px}" '
        f'viewBox="0 0 {width_px} {height_px}" role="img" aria-label="route map'
        f'{" of zone " + html.escape(zone) if zone else ""}">',
        "<style>.rack{fill:#ddd;stroke:#999;stroke-width:.5}.other{fill:#f4f4f4;stroke:#ddd}"
        ".aisle{font:9px sans-serif;text-anchor:middle;"
        "fill:#444}.stop{fill:#fff;stroke:#c0392b;stroke-width:1.5}.num{font:bold 9px sans-serif;"
        "text-anchor:middle}</style>",
        *((_racks_svg(rect, zone, frame),) if rect is not None else ()),
        f'<polyline points="{line}" fill="none" stroke="#1f5fa8" stroke-width="2" stroke-linejoin="round"/>',
        f'<rect x="{dx - 6}" y="{dy - 6}" width="12" height="12" fill="#333"><title>depot</title></rect>',
    ]
    for label, (cx, cy) in stop_labels([(n, px(xy)) for n, xy in stops]):
        w = max(2 * _R, len(label) * _CHAR_W + 6)
        parts.append(f'<rect class="stop" x="{round(cx - w / 2, 1)}" y="{round(cy - _R, 1)}" width="{round(w, 1)}" '
                     f'height="{2 * _R}" rx="{_R}"/><text class="num" x="{cx}" y="{round(cy + 3, 1)}">{label}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _tote_key(tote: str) -> tuple[int, str]:
    head = tote.split("/", 1)[0]
    return (int(head) if head.isdigit() else 1 << 30, tote)


_CSS = """
@page{margin:12mm}
body{font-family:sans-serif;margin:1.5em;max-width:186mm}h1{font-size:1.3em;margin:0 0 .3em}
h2{font-size:1.1em;margin:.8em 0 .2em}
table{border-collapse:collapse;margin:.6em 0;width:100%}td,th{border:1px solid #999;padding:3px 6px;text-align:left}
td.n,th.n{text-align:right}td.q{font-weight:bold;font-size:1.15em}tr.first td{border-top:2px solid #333}
.facts span{margin-right:2em}.split{font-size:.9em}
.done{width:1.2em;height:1.2em;border:1px solid #333;display:inline-block}
.map svg{width:100%;height:auto;max-height:120mm}
@media print{body{margin:0}.map{break-inside:avoid}tr{break-inside:avoid}thead{display:table-header-group}}
"""


def _rows(batch: Batch, method: str) -> list[str]:
    """One table row per (stop, SKU): the total to take; under ``batch`` its split over the sort slots."""
    e = html.escape
    rows: list[str] = []
    by_stop_sku: dict[tuple[int, str, str], list[Pick]] = {}
    for p in batch.picks:
        by_stop_sku.setdefault((p.stop, p.location_id, p.sku), []).append(p)
    last_stop = None
    for (stop, loc, sku), picks in by_stop_sku.items():
        first = stop != last_stop
        last_stop = stop
        total = sum(p.qty for p in picks)
        head = (f'<tr class="{"first" if first else ""}"><td class="n">{stop if first else ""}</td>'
                f"<td>{e(loc) if first else ''}</td><td>{e(sku)}</td><td class=\"n q\">{total}</td>")
        if method == "batch":
            split = ", ".join(f"{e(p.tote)}: {p.qty}" for p in sorted(picks, key=lambda p: _tote_key(p.tote)))
            rows.append(f'{head}<td class="split">{split}</td><td><span class="done"></span></td></tr>')
        else:
            for k, p in enumerate(picks):
                cells = head if k == 0 else ('<tr><td></td><td></td><td></td><td class="n q"></td>')
                rows.append(f'{cells}<td class="n">{p.qty}</td><td>{e(p.order_id)}</td><td class="n">{e(p.tote)}</td>'
                            '<td><span class="done"></span></td></tr>')
    return rows


def render_sheet(wave_id: str, batch: Batch, layout: Layout, method: str) -> str:
    """The printable sheet of one batch as a standalone HTML document.

    Checks first that the batch's stops, walked on ``layout``, measure its
    planned ``distance_m`` (SPEC section 5, 1e-6 relative), so a sheet never
    shows a walk other than the one planned; :class:`ValueError` otherwise.
    """
    e = html.escape
    zone = batch.zone or None
    length = layout.route_length([layout.point(loc) for loc in batch.stops], zone)
    if abs(length - batch.distance_m) > 1e-6 * max(1.0, length):
        raise ValueError(f"batch {batch.batch_id}: route of the stops is {length} m, "
                         f"the plan says {batch.distance_m} m")
    path = walking_path(layout, batch.stops, zone)
    svg = route_svg(layout, path, [(n, location_xy(layout, loc)) for n, loc in enumerate(batch.stops, start=1)],
                    batch.zone)
    slot = TOTE_LABEL.get(method, "Tote")
    totes: dict[str, str] = {}
    for p in batch.picks:
        totes.setdefault(p.tote, p.order_id)
    if method == "batch":
        head = ("<th>Stop</th><th>Location</th><th>SKU</th><th class=\"n\">Take</th>"
                f"<th>{slot}: units</th><th>Done</th>")
    else:
        head = ("<th>Stop</th><th>Location</th><th>SKU</th><th class=\"n\">Take</th><th class=\"n\">Qty</th>"
                f"<th>Order</th><th class=\"n\">{slot}</th><th>Done</th>")
    ordered = sorted(totes.items(), key=lambda kv: _tote_key(kv[0]))
    tote_rows = "".join(f'<tr><td class="n">{e(t)}</td><td>{e(o)}</td></tr>' for t, o in ordered)
    facts = (f"<span>zone {e(batch.zone)}</span>" if batch.zone else "") + (
        f"<span>{len(batch.stops)} stops</span><span>{batch.units} units</span>"
        f"<span>{len(batch.orders)} orders</span><span>{batch.distance_m:.1f} m walk</span>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(wave_id)} {e(batch.batch_id)}</title><style>{_CSS}</style></head><body>\n"
        f"<h1>Wave {e(wave_id)} · batch {e(batch.batch_id)} · {e(method)}</h1>\n"
        f'<p class="facts">{facts}</p>\n<div class="map">{svg}</div>\n'
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(_rows(batch, method)) + "\n</tbody></table>\n"
        f"<h2>{slot}s</h2><table><thead><tr><th class=\"n\">{slot}</th><th>Order</th></tr></thead><tbody>"
        f"{tote_rows}</tbody></table>\n</body></html>\n"
    )
