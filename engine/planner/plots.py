"""Pictures of layouts, routes and pick density (PNG and SVG).

Every function draws only what :mod:`engine.planner.drawing` computes and
writes ``<path>.png`` and ``<path>.svg``. matplotlib is imported inside the
functions (it is heavy) and used through its object API on the Agg canvas, so
no display and no global pyplot state are involved. SVG output carries no date
and fixed element ids: the same plan draws the same file.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from engine.layout import Layout, RectangularLayout
from engine.planner.drawing import (
    DensityMap,
    LayoutDrawing,
    RoutePolyline,
    layout_drawing,
    pick_density,
    route_polyline,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from engine.wave import Plan

log = logging.getLogger(__name__)

ZONE_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#e15759", "#9c755f")
ROUTE_COLOUR = "#d62728"


@dataclass(frozen=True, slots=True)
class Panel:
    """One map of a comparison: a layout, its pick density and a title."""

    layout: Layout
    density: DensityMap
    title: str


def _figure(drawing: LayoutDrawing, columns: int = 1) -> Figure:
    from matplotlib.figure import Figure

    xmin, ymin, xmax, ymax = drawing.bounds
    aspect = (ymax - ymin) / max(xmax - xmin, 1e-9)
    width = 9.0
    height = float(np.clip(width * aspect, 3.0, 12.0))
    return Figure(figsize=(width * columns, height + 0.6), layout="constrained")


def save_figure(fig: Figure, path: str | Path) -> list[Path]:
    """Write ``fig`` as ``<path>.png`` and ``<path>.svg``; returns both paths.

    A suffix on ``path`` is replaced; missing parent folders are created.
    """
    import matplotlib

    base = Path(path)
    if base.suffix.lower() in (".png", ".svg"):
        base = base.with_suffix("")
    base.parent.mkdir(parents=True, exist_ok=True)
    out = [base.with_name(base.name + ".png"), base.with_name(base.name + ".svg")]
    with matplotlib.rc_context({"svg.hashsalt": "pickwave"}):
        fig.savefig(out[0], dpi=120, metadata={"Software": "pickwave"})
        fig.savefig(out[1], metadata={"Date": None, "Creator": "pickwave"})
    log.info("wrote %s and %s", out[0], out[1])
    return out


def draw_layout(ax: Axes, drawing: LayoutDrawing, *, labels: bool = True) -> None:
    """Draw zones, racks, aisles (or graph edges), location nodes and depots on ``ax``."""
    from matplotlib.patches import Rectangle

    for i, z in enumerate(drawing.zones):
        colour = ZONE_COLOURS[i % len(ZONE_COLOURS)]
        ax.add_patch(Rectangle((z.x, z.y), z.width, z.height, facecolor=colour, alpha=0.12,
                               edgecolor=colour, linewidth=1.2, zorder=0))
        if labels:
            ax.text(z.x + z.width / 2, z.y + z.height, z.label, ha="center", va="bottom", color=colour,
                    fontsize=10, fontweight="bold")
    for r in drawing.racks:
        ax.add_patch(Rectangle((r.x, r.y), r.width, r.height, facecolor="#d9d9d9", edgecolor="#a6a6a6",
                               linewidth=0.4, zorder=1))
    styles = {"aisle": ("#bdbdbd", 0.8), "cross_aisle": ("#7f7f7f", 1.6), "edge": ("#7f7f7f", 1.2)}
    for kind, (colour, width) in styles.items():
        segs = [s for s in drawing.segments if s.kind == kind]
        if segs:
            xs = np.array([[s.x0, s.x1, np.nan] for s in segs]).ravel()
            ys = np.array([[s.y0, s.y1, np.nan] for s in segs]).ravel()
            ax.plot(xs, ys, color=colour, linewidth=width, zorder=2, solid_capstyle="butt")
    if drawing.locations:
        xy = np.array([(m.x, m.y) for m in drawing.locations])
        ax.scatter(xy[:, 0], xy[:, 1], s=14, marker="s", color="#a6a6a6", zorder=3)
    for d in drawing.depots:
        ax.scatter([d.x], [d.y], s=90, marker="s", color="black", zorder=6)
        if labels:
            ax.annotate(d.label, (d.x, d.y), xytext=(0, -12), textcoords="offset points", ha="center",
                        va="top", fontsize=8)
    xmin, ymin, xmax, ymax = drawing.bounds
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xlabel("x (m)")
    ax.set_ylabel("y (m)")


def plot_layout(layout: Layout, path: str | Path, *, title: str | None = None) -> list[Path]:
    """Draw a layout (aisles, cross aisles, racks, depots, zones) to PNG and SVG."""
    drawing = layout_drawing(layout)
    fig = _figure(drawing)
    ax = fig.add_subplot()
    draw_layout(ax, drawing)
    ax.set_title(title or f"{drawing.name} ({drawing.kind})")
    return save_figure(fig, path)


def draw_route(ax: Axes, line: RoutePolyline, *, colour: str = ROUTE_COLOUR) -> None:
    """Draw a route polyline with a numbered marker at each stop."""
    ax.plot(line.xy[:, 0], line.xy[:, 1], color=colour, linewidth=1.8, alpha=0.85, zorder=4)
    ax.scatter(line.stop_xy[:, 0], line.stop_xy[:, 1], s=110, color="white", edgecolor=colour, zorder=5)
    # Stops sharing a position (both sides of an aisle) get one label, "3,4".
    labels: dict[tuple[float, float], list[str]] = {}
    for n, (x, y) in enumerate(line.stop_xy.tolist(), start=1):
        labels.setdefault((x, y), []).append(str(n))
    for (x, y), numbers in labels.items():
        ax.text(x, y, ",".join(numbers), ha="center", va="center", fontsize=6, color=colour, zorder=6)


def plot_route(
    layout: Layout,
    stops: Sequence[Hashable],
    path: str | Path,
    *,
    zone_id: str | None = None,
    title: str | None = None,
) -> tuple[list[Path], RoutePolyline]:
    """Draw one picker route (stops in visiting order) on its layout.

    Returns the written paths and the drawn :class:`RoutePolyline`, so callers
    and tests can see exactly what was plotted.
    """
    line = route_polyline(layout, stops, zone_id)
    drawing = layout_drawing(layout)
    fig = _figure(drawing)
    ax = fig.add_subplot()
    draw_layout(ax, drawing)
    draw_route(ax, line)
    ax.set_title(title or f"route: {len(stops)} stops, {line.length_m:.1f} m")
    return save_figure(fig, path), line


def draw_density(ax: Axes, layout: Layout, density: DensityMap, norm: Any, *, cmap: str = "YlOrRd") -> Any:
    """Colour each location by its picks; returns the mappable for a colour bar."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Rectangle

    if isinstance(layout, RectangularLayout):
        w, h = layout.aisle_pitch_m * 0.3, layout.slot_length_m
        patches = [Rectangle((x - w / 2, y - h / 2), w, h) for x, y in density.xy]
        coll = PatchCollection(patches, cmap=cmap, norm=norm, edgecolor="none", zorder=3)
        coll.set_array(density.values)
        ax.add_collection(coll)
        return coll
    return ax.scatter(density.xy[:, 0], density.xy[:, 1], c=density.values, cmap=cmap, norm=norm, s=60,
                      marker="s", edgecolor="#555555", linewidth=0.3, zorder=4)


def plot_density(layout: Layout, density: DensityMap, path: str | Path, *, title: str | None = None) -> list[Path]:
    """A pick-density heat map: picks per location over the layout."""
    from matplotlib.colors import Normalize

    drawing = layout_drawing(layout)
    fig = _figure(drawing)
    ax = fig.add_subplot()
    draw_layout(ax, drawing, labels=True)
    norm = Normalize(vmin=0.0, vmax=max(float(density.values.max(initial=0.0)), 1.0))
    mappable = draw_density(ax, layout, density, norm)
    fig.colorbar(mappable, ax=ax, shrink=0.8, label="picks per location")
    ax.set_title(title or f"pick density: {density.total:.0f} picks at {len(density.location_ids)} locations")
    return save_figure(fig, path)


def plot_comparison(before: Panel, after: Panel, path: str | Path, *, title: str | None = None) -> list[Path]:
    """Two heat maps side by side on one colour scale (e.g. before and after slotting)."""
    from matplotlib.colors import Normalize

    drawing = layout_drawing(before.layout)
    fig = _figure(drawing, columns=2)
    axes = fig.subplots(1, 2)
    vmax = max(float(before.density.values.max(initial=0.0)), float(after.density.values.max(initial=0.0)), 1.0)
    norm = Normalize(vmin=0.0, vmax=vmax)
    mappables = []
    for ax, panel in zip(axes, (before, after), strict=True):
        draw_layout(ax, layout_drawing(panel.layout))
        mappables.append(draw_density(ax, panel.layout, panel.density, norm))
        ax.set_title(panel.title)
    fig.colorbar(mappables[-1], ax=list(axes), shrink=0.8, label="picks per location")
    if title:
        fig.suptitle(title)
    return save_figure(fig, path)


def write_plan_pictures(plan: Plan, layout: Layout, out_dir: str | Path, *, routes: int = 2) -> list[Path]:
    """Draw a planned wave: the layout, up to ``routes`` batch routes, the pick density.

    The routes drawn are the longest batch and, of the others, the one with
    most stops. Files: ``layout``, ``route_<batch_id>`` and
    ``pick_density``, each as PNG and SVG in ``out_dir``. Returns their paths.
    """
    out = Path(out_dir)
    written = plot_layout(layout, out / "layout", title=f"{layout.name}: layout")
    longest = max(plan.batches, key=lambda b: (b.distance_m, b.batch_id), default=None)
    others = [b for b in plan.batches if b is not longest]
    busiest = max(others, key=lambda b: (len(b.stops), b.batch_id), default=None)
    chosen = [b for b in (longest, busiest) if b is not None][:routes]
    for b in chosen:
        stops = [layout.point(loc) for loc in b.stops]
        title = (f"wave {plan.wave_id}, batch {b.batch_id}{f' (zone {b.zone})' if b.zone else ''}: "
                 f"{len(b.orders)} orders, {len(b.stops)} stops, {b.distance_m:.1f} m")
        paths, _ = plot_route(layout, stops, out / f"route_{b.batch_id}", zone_id=b.zone or None, title=title)
        written += paths
    density = pick_density(layout, ((p.location_id, p.qty) for b in plan.batches for p in b.picks))
    written += plot_density(layout, density, out / "pick_density",
                            title=f"wave {plan.wave_id}: {density.total:.0f} picks at "
                                  f"{len(density.location_ids)} locations")
    return written
