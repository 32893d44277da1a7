"""CLI handlers of the planner tools: ``layout check``, ``evaluate``, ``slotting``."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _picture_base(layout_path: Path, out: str | None, name: str) -> Path:
    """Where ``layout check`` draws: a given ``.png``/``.svg`` path, a folder, or next to the layout."""
    if out is None:
        return layout_path.with_suffix("")
    target = Path(out)
    if target.suffix.lower() in (".png", ".svg"):
        return target.with_suffix("")
    return target / name


def run_layout_check(args: argparse.Namespace) -> int:
    """Parse a layout (exit 2 when it does not), print a summary and draw it."""
    from engine.io.layout import read_layout
    from engine.planner.plots import plot_layout
    from engine.planner.summary import summarize_layout

    path = Path(args.layout)
    layout = read_layout(path)
    for line in summarize_layout(layout).lines():
        print(line)
    for written in plot_layout(layout, _picture_base(path, args.out, path.stem)):
        print(f"drawing: {written}")
    return 0
