"""CLI handlers of the planner tools: ``layout check``, ``evaluate``, ``slotting``."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from engine.errors import InputError, Problem
from engine.model import Method, StockRecord
from engine.planner.params import PickerParams, ReplayParams, SlottingParams

if TYPE_CHECKING:
    from engine.layout import Layout
    from engine.planner.evaluate import Evaluation, History, Metrics, Replay

log = logging.getLogger(__name__)
T = TypeVar("T")


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


def _inputs(args: argparse.Namespace, layout_path: str) -> tuple[Layout, tuple[StockRecord, ...], History]:
    """Read every input file, reporting all unusable ones at once (exit 2)."""
    from engine.io.config import read_wave_config, with_overrides
    from engine.io.layout import read_layout
    from engine.io.tables import read_boxes, read_inventory, read_orders, read_skus
    from engine.planner.evaluate import History

    problems: list[Problem] = []

    def attempt(read: Callable[..., T], *a: Any) -> T | None:
        try:
            return read(*a)
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    layout = attempt(read_layout, layout_path)
    skus = attempt(read_skus, args.skus)
    boxes = attempt(read_boxes, args.boxes) if args.boxes else None
    config = attempt(read_wave_config, args.config)
    inventory = attempt(read_inventory, args.inventory, layout.has_location if layout else None)
    orders = (attempt(read_orders, args.orders, skus.skus.keys(), skus.rejected) if skus
              else attempt(read_orders, args.orders))
    if problems:
        raise InputError(problems)
    assert layout is not None and skus is not None and config is not None
    assert inventory is not None and orders is not None
    if args.boxes and (boxes is None or not boxes.boxes):
        raise InputError([Problem(str(args.boxes), "no usable box")])
    try:
        config = with_overrides(config, time_limit_s=args.time_limit, max_iterations=args.max_iterations,
                                seed=args.seed)
    except ValueError as exc:
        raise InputError([Problem("command line", str(exc))]) from None
    history = History(skus.skus, orders.orders, config, boxes.boxes if boxes else (), len(orders.held))
    return layout, inventory.stock, history


def _params(args: argparse.Namespace) -> tuple[PickerParams, ReplayParams]:
    try:
        return (PickerParams(args.walking_speed, args.time_per_stop, args.time_per_unit),
                ReplayParams(wave_hours=args.wave_hours))
    except ValueError as exc:
        raise InputError([Problem("command line", str(exc))]) from None


def _comparison_pictures(ev: Evaluation, out: Path, name: str) -> list[Path]:
    from engine.planner.drawing import pick_density
    from engine.planner.plots import Panel, plot_comparison, plot_density

    def panel(rep: Replay, m: Metrics) -> Panel:
        layout = rep.scenario.layout
        picks = ((p.location_id, p.qty) for plan in rep.plans for b in plan.batches for p in b.picks)
        return Panel(layout, pick_density(layout, picks), f"{rep.scenario.name}: {m.distance_m:,.0f} m, "
                     f"{m.picker_hours:,.1f} picker h")

    base = panel(ev.baseline_replay, ev.baseline)
    if ev.candidate is None or ev.candidate_replay is None:
        return plot_density(base.layout, base.density, out / "pick_density", title=base.title)
    cand = panel(ev.candidate_replay, ev.candidate)
    saving = ev.baseline.distance_m - ev.candidate.distance_m
    pct = 100.0 * saving / ev.baseline.distance_m if ev.baseline.distance_m else 0.0
    return plot_comparison(base, cand, out / name,
                           title=f"pick density, replayed history: travel {-saving:+,.0f} m ({-pct:+.1f} %)")


def run_evaluate(args: argparse.Namespace) -> int:
    """``pickwave evaluate``: replay a history on a layout, and on a candidate layout or slotting."""
    from engine.io.layout import read_layout
    from engine.io.tables import read_inventory
    from engine.planner.evaluate import Scenario, evaluate, write_evaluation

    layout, stock, history = _inputs(args, args.layout)
    picker, replay_params = _params(args)
    candidate = None
    if args.compare:
        cand_layout = read_layout(args.compare)
        missing = sorted({r.location_id for r in stock if not cand_layout.has_location(r.location_id)})
        if missing:
            raise InputError([Problem(str(args.compare), f"{len(missing)} inventory locations are not in this "
                                      f"layout, e.g. {missing[:3]}")])
        candidate = Scenario(Path(args.compare).stem, cand_layout, stock)
    elif args.slotting:
        cand_stock = read_inventory(args.slotting, layout.has_location).stock
        candidate = Scenario(Path(args.slotting).stem, layout, cand_stock)
    base_name = Path(args.layout).stem if args.compare else Path(args.inventory).stem
    if candidate is not None and candidate.name == base_name:  # e.g. two files both called inventory.csv
        base_name, candidate = "baseline", Scenario("candidate", candidate.layout, candidate.stock)
    baseline = Scenario(base_name, layout, stock)
    ev = evaluate(baseline, history, candidate, picker, replay_params)
    out = Path(args.out)
    pictures = _comparison_pictures(ev, out, "comparison")
    for path in write_evaluation(ev, out, pictures) + pictures:
        print(f"wrote {path}")
    _print_headline(ev)
    return 0


def _print_headline(ev: Evaluation) -> None:
    b = ev.baseline
    print(f"{ev.baseline_replay.scenario.name}: {b.orders} orders in {b.waves} waves, {b.distance_m:,.1f} m "
          f"({b.distance_per_order_m:.2f} m/order), {b.picker_hours:.2f} picker h, {b.lines_per_hour:.1f} lines/h")
    if ev.candidate is not None and ev.candidate_replay is not None:
        c = ev.candidate
        d = c.distance_m - b.distance_m
        pct = 100.0 * d / b.distance_m if b.distance_m else 0.0
        print(f"{ev.candidate_replay.scenario.name}: {c.orders} orders in {c.waves} waves, {c.distance_m:,.1f} m "
              f"({c.distance_per_order_m:.2f} m/order), {c.picker_hours:.2f} picker h, "
              f"{c.lines_per_hour:.1f} lines/h")
        print(f"difference: {d:+,.1f} m ({pct:+.1f} %), {c.picker_hours - b.picker_hours:+.2f} picker h")


def run_slotting(args: argparse.Namespace) -> int:
    """``pickwave slotting``: recommend moves, write them and the new inventory, measure by replay."""
    from engine.planner.evaluate import Scenario, evaluate, write_evaluation
    from engine.planner.slotting import recommend_slotting, write_inventory, write_moves

    layout, stock, history = _inputs(args, args.layout)
    picker, replay_params = _params(args)
    try:
        params = SlottingParams(max_moves=args.max_moves, cooccurrence_weight=args.cooccurrence_weight)
    except ValueError as exc:
        raise InputError([Problem("command line", str(exc))]) from None
    plan = recommend_slotting(layout, history.skus, stock, history.orders, params,
                              zone_depots=history.config.method is Method.ZONE)
    out = Path(args.out)
    written = [write_moves(plan.moves, out / "moves.csv"), write_inventory(plan.stock, out / "inventory.csv")]
    ev = evaluate(Scenario("current", layout, stock), history, Scenario("slotted", layout, plan.stock),
                  picker, replay_params)
    pictures = _comparison_pictures(ev, out, "slotting_before_after")
    written += write_evaluation(ev, out, pictures) + pictures
    for path in written:
        print(f"wrote {path}")
    print(f"{len(plan.moves)} moves ({plan.chains} chains, {plan.cycles} cycles)")
    _print_headline(ev)
    return 0
