"""Compiled kernels loaded before a plan shares out its time, and compiled once at install.

numba keeps compiled kernels on disk (``__pycache__/*.nbi`` and ``*.nbc`` beside
the modules, or under ``NUMBA_CACHE_DIR``). In a fresh process loading them
takes about a second; with an empty cache (a new install) compiling them takes
about 50 s on a 2-core machine (47.7 s for :func:`everything`, 24.4 s for what a
1,000-order day on two blocks calls). A kernel first called inside a search stage takes that time from the
stage's budget and past it (a 20 s plan on a new install ran 23.7-24.8 s: the
route scorer and the final routes compiled after the budget was shared out).

- :func:`for_wave` -- what a wave on this layout will call, loaded at the start
  of :func:`engine.wave.prepare_wave`: inside its clock, before the budget is
  shared out, so the stages share what is left and the limit holds (with an
  empty cache the search then gets little time, but the plan ends on time);
- :func:`everything` -- every kernel of the engine; ``make install`` runs it
  (``python -m engine.wave.warm``) so that no plan after an install compiles.
"""

from __future__ import annotations

import sys
import time

from engine.layout import Layout, RectangularLayout
from engine.routing import compiled


def _pricing() -> None:
    """Column generation's pricing kernels and HiGHS, on a one-block scorer."""
    from engine.batching import colgen

    lay = RectangularLayout("warm", blocks=1, aisles=2, slots_per_side=4, slot_length_m=1.0, aisle_pitch_m=3.0,
                            cross_aisle_width_m=2.0)
    colgen.warm_up(compiled.RouteScorer(lay, [lay.point("A01-B1-S002-L"), lay.point("A02-B1-S003-R")]))


def for_wave(layout: Layout, *, joint_faces: bool, pricing: bool) -> None:
    """Load the kernels a wave on ``layout`` calls: routes, and the joint faces' and pricing's when used.

    Parameters
    ----------
    layout
        Rectangular (the route scorer, lengths and tours) or a graph (its TSP kernels).
    joint_faces
        Faces will be chosen jointly with routes (:mod:`engine.routing.face_labels`).
    pricing
        A group is small enough for column generation (:mod:`engine.batching.colgen`).
    """
    from engine.routing import face_labels
    from engine.routing.graph_tsp import warm_up as warm_graph

    if not isinstance(layout, RectangularLayout):
        warm_graph()
        return
    if layout.blocks <= compiled.MAX_BLOCKS:
        compiled.warm_up()
        if pricing:
            _pricing()
    if joint_faces:
        face_labels.warm_up()


def everything() -> None:
    """Every compiled kernel of the engine (compiled into numba's cache when it is empty)."""
    from engine.routing import face_labels
    from engine.routing.graph_tsp import warm_up as warm_graph

    compiled.warm_up()
    _pricing()
    face_labels.warm_up()
    warm_graph()


def main() -> int:
    """``python -m engine.wave.warm``: compile (or load) every kernel and say how long it took."""
    t0 = time.perf_counter()
    everything()
    print(f"compiled kernels ready in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
