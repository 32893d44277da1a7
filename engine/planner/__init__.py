"""Planner tools: judge a layout or a slotting on an order history, and draw it.

- :mod:`engine.planner.evaluate` — replay a history through
  :func:`engine.wave.plan_wave` (the engine that plans real waves) and measure
  travel, picker hours and lines per hour, baseline against candidate;
- :mod:`engine.planner.slotting` — recommend SKU moves (cube-per-order index,
  pick frequency, co-occurrence; capacity and zones kept) and write them;
- :mod:`engine.planner.drawing` — what pictures show, as plain data (route
  polylines along the aisles, layout lines, pick density);
- :mod:`engine.planner.plots` — PNG and SVG pictures of layouts, routes,
  heat maps and before/after comparisons (matplotlib, Agg, imported lazily);
- :mod:`engine.planner.summary` — a layout's counts and size for ``layout check``.

Everything but ``evaluate`` is imported here; ``evaluate`` loads the wave
planner (OR-Tools) and is imported where used.
"""

from engine.planner.drawing import (
    DensityMap,
    LayoutDrawing,
    RoutePolyline,
    all_location_ids,
    layout_drawing,
    pick_density,
    route_polyline,
)
from engine.planner.params import PickerParams, ReplayParams, SlottingParams
from engine.planner.plots import (
    Panel,
    plot_comparison,
    plot_density,
    plot_layout,
    plot_route,
    write_plan_pictures,
)
from engine.planner.slotting import (
    Move,
    SlottingPlan,
    demand_stats,
    recommend_slotting,
    write_inventory,
    write_moves,
)
from engine.planner.summary import LayoutSummary, summarize_layout

__all__ = [
    "DensityMap",
    "LayoutDrawing",
    "LayoutSummary",
    "Move",
    "Panel",
    "PickerParams",
    "ReplayParams",
    "RoutePolyline",
    "SlottingParams",
    "SlottingPlan",
    "all_location_ids",
    "demand_stats",
    "layout_drawing",
    "pick_density",
    "plot_comparison",
    "plot_density",
    "plot_layout",
    "plot_route",
    "recommend_slotting",
    "route_polyline",
    "summarize_layout",
    "write_inventory",
    "write_moves",
    "write_plan_pictures",
]
