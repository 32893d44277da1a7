"""Evaluate a layout or a slotting by replaying an order history through wave planning.

One engine: the replay builds :class:`engine.wave.WaveProblem` values and calls
:func:`engine.wave.plan_wave`, the function that plans real waves, with the
same methods, routing and search settings. Travel is the sum of the planned
batches' ``distance_m``; nothing is re-estimated here.

Replay choices (where the history is not a live wave):

- every order counts as paid: ``release_payment_statuses`` is set to all
  statuses, because the history is what was picked (or demanded), whatever
  its payment state is today;
- orders are cut into waves by ``created_at`` windows (:class:`ReplayParams`);
  ``max_orders`` of the config caps a wave by splitting the window, so no
  order is deferred out of the replay;
- every wave starts from the inventory as given (faces replenished between
  waves);
- without a box list, cartons are no constraint: each wave gets one box large
  enough for any of its orders laid in a row (travel does not depend on
  cartons).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from pathlib import Path
from typing import Any

from engine.layout import Layout
from engine.model import PAYMENT_STATUSES, Box, Order, Sku, StockRecord, WaveConfig
from engine.planner.params import PickerParams, ReplayParams
from engine.wave import Plan, WaveProblem, plan_wave

log = logging.getLogger(__name__)

Progress = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class Scenario:
    """One warehouse set-up to judge: a layout and where the stock sits."""

    name: str
    layout: Layout
    stock: tuple[StockRecord, ...]


@dataclass(frozen=True, slots=True)
class History:
    """What is replayed on every scenario: catalogue, boxes, orders and the wave config.

    ``boxes`` empty means cartons are no constraint (see the module notes).
    ``intake_held`` counts history orders already held when the files were
    read (bad rows, unknown SKUs); they are never replayed.
    """

    skus: Mapping[str, Sku]
    orders: tuple[Order, ...]
    config: WaveConfig = field(default_factory=WaveConfig)
    boxes: tuple[Box, ...] = ()
    intake_held: int = 0


@dataclass(frozen=True, slots=True)
class Replay:
    """The plans of a replayed history on one scenario, one per wave, in time order."""

    scenario: Scenario
    plans: tuple[Plan, ...]


@dataclass(frozen=True, slots=True)
class Metrics:
    """Picking effort of a replay.

    ``stops`` counts locations visited per trip (picks at one location share a
    stop); ``lines`` counts distinct SKUs per released order; hours follow
    :class:`PickerParams`.
    """

    waves: int
    orders: int
    held: int
    batches: int
    stops: int
    lines: int
    units: int
    distance_m: float
    distance_per_order_m: float
    walking_hours: float
    picker_hours: float
    lines_per_hour: float

    #: fields in report order, with their units
    FIELDS = (
        ("distance_m", "m"), ("distance_per_order_m", "m"), ("picker_hours", "h"), ("walking_hours", "h"),
        ("lines_per_hour", "lines/h"), ("orders", ""), ("held", ""), ("waves", ""), ("batches", ""),
        ("stops", ""), ("lines", ""), ("units", ""),
    )


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A baseline and an optional candidate, replayed on the same history."""

    baseline: Metrics
    candidate: Metrics | None
    baseline_replay: Replay
    candidate_replay: Replay | None
    picker: PickerParams
    replay_params: ReplayParams
    config: WaveConfig

    def rows(self) -> list[dict[str, Any]]:
        """One row per metric: baseline, candidate, difference and relative change."""
        out = []
        for name, unit in Metrics.FIELDS:
            b = getattr(self.baseline, name)
            row: dict[str, Any] = {"metric": name, "unit": unit, "baseline": b}
            if self.candidate is not None:
                c = getattr(self.candidate, name)
                row.update(candidate=c, difference=c - b, change_pct=(100.0 * (c - b) / b) if b else None)
            out.append(row)
        return out


def replay_config(config: WaveConfig) -> WaveConfig:
    """The wave config used for replay: every payment status released, no deferral."""
    return replace(config, release_payment_statuses=tuple(sorted(PAYMENT_STATUSES)), max_orders=None)


def split_waves(
    orders: Sequence[Order], params: ReplayParams, max_orders: int | None = None
) -> list[tuple[Order, ...]]:
    """Cut a history into waves: ``created_at`` windows, then at most ``max_orders`` each.

    >>> from datetime import datetime, UTC
    >>> from engine.model import OrderLine
    >>> day = lambda d, h, i: Order(i, (OrderLine(i, "A", 1),), datetime(2026, 1, d, h, tzinfo=UTC), "pending")
    >>> waves = split_waves([day(2, 9, "c"), day(1, 8, "a"), day(1, 20, "b")], ReplayParams())
    >>> [[o.order_id for o in w] for w in waves]
    [['a', 'b'], ['c']]
    >>> [len(w) for w in split_waves([day(1, h, str(h)) for h in range(5)], ReplayParams(), max_orders=2)]
    [2, 2, 1]
    """
    caps = [c for c in (params.max_orders_per_wave, max_orders) if c]
    cap = min(caps) if caps else None
    window = params.wave_hours * 3600.0
    ordered = sorted(orders, key=lambda o: (o.created_at, o.order_id))
    waves: list[tuple[Order, ...]] = []
    for _, group in groupby(ordered, key=lambda o: math.floor(o.created_at.timestamp() / window)):
        members = tuple(group)
        step = cap or len(members)
        waves.extend(members[i:i + step] for i in range(0, len(members), step))
    return waves


def _any_box(skus: Mapping[str, Sku], orders: Sequence[Order], padding_cm: float) -> Box:
    """One box that holds any order of ``orders``: its units in a row, each padded."""
    known = [o for o in orders if all(s in skus for s in o.quantities())]
    side = max((max(skus[s].dims_cm) for o in known for s in o.quantities()), default=1.0) + 2 * padding_cm
    length = max((sum(q * (max(skus[s].dims_cm) + 2 * padding_cm) for s, q in o.quantities().items())
                  for o in known), default=1.0)
    weight = max((sum(q * skus[s].weight_kg for s, q in o.quantities().items()) for o in known), default=0.0)
    return Box("replay-any", max(length, side), side, side, weight + 1.0, 0.0)


def replay(
    scenario: Scenario,
    history: History,
    params: ReplayParams | None = None,
    progress: Progress | None = None,
) -> Replay:
    """Plan every wave of the history on one scenario with :func:`plan_wave`.

    Waves get ids ``R0001``, ``R0002``, ... in time order. Deterministic when
    ``history.config.max_iterations`` is set; otherwise each wave searches for
    ``time_limit_s`` seconds and results may vary slightly between runs.
    """
    params = params or ReplayParams()
    cfg = replay_config(history.config)
    waves = split_waves(history.orders, params, history.config.max_orders)
    plans: list[Plan] = []
    for k, orders in enumerate(waves, start=1):
        boxes = history.boxes or (_any_box(history.skus, orders, cfg.fragile_padding_cm),)
        problem = WaveProblem.build(scenario.layout, history.skus, scenario.stock, boxes, orders, (), cfg,
                                    f"R{k:04d}")
        plans.append(plan_wave(problem))
        if progress is not None:
            progress(scenario.name, k / len(waves))
    log.info("replayed %d waves on %s: %.1f m", len(plans), scenario.name,
             sum(p.summary.distance_m for p in plans))
    return Replay(scenario, tuple(plans))


def measure(rep: Replay, picker: PickerParams, intake_held: int = 0) -> Metrics:
    """Travel, stops, lines, units and picker hours of a replay."""
    batches = [b for p in rep.plans for b in p.batches]
    distance = sum(b.distance_m for b in batches)
    stops = sum(len(b.stops) for b in batches)
    units = sum(p.summary.units for p in rep.plans)
    lines = sum(p.summary.lines for p in rep.plans)
    orders = sum(p.summary.released for p in rep.plans)
    held = sum(len(p.held) for p in rep.plans) + intake_held
    seconds = picker.seconds(distance, stops, units)
    hours = seconds / 3600.0
    return Metrics(
        waves=len(rep.plans), orders=orders, held=held, batches=len(batches), stops=stops, lines=lines,
        units=units, distance_m=distance, distance_per_order_m=distance / orders if orders else 0.0,
        walking_hours=distance / picker.walking_speed_m_s / 3600.0, picker_hours=hours,
        lines_per_hour=lines / hours if hours > 0 else 0.0,
    )


def evaluate(
    baseline: Scenario,
    history: History,
    candidate: Scenario | None = None,
    picker: PickerParams | None = None,
    params: ReplayParams | None = None,
    progress: Progress | None = None,
) -> Evaluation:
    """Replay the history on the baseline (and the candidate) and measure both.

    The candidate differs in its layout (``--compare``) or in its stock
    (``--slotting``); everything else is the same history and config.
    """
    picker = picker or PickerParams()
    params = params or ReplayParams()
    base_rep = replay(baseline, history, params, progress)
    cand_rep = replay(candidate, history, params, progress) if candidate is not None else None
    base = measure(base_rep, picker, history.intake_held)
    cand = measure(cand_rep, picker, history.intake_held) if cand_rep is not None else None
    if cand is not None and cand.orders != base.orders:
        log.warning("baseline released %d orders, candidate %d: compare per-order travel", base.orders, cand.orders)
    return Evaluation(base, cand, base_rep, cand_rep, picker, params, history.config)


# --- writing ------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value == value else "nan"
    return str(value)


def evaluation_json(ev: Evaluation) -> dict[str, Any]:
    """The JSON document of ``evaluation.json``."""
    return {
        "baseline": {"scenario": ev.baseline_replay.scenario.name, **_metrics_dict(ev.baseline)},
        "candidate": None if ev.candidate is None or ev.candidate_replay is None else
        {"scenario": ev.candidate_replay.scenario.name, **_metrics_dict(ev.candidate)},
        "difference": None if ev.candidate is None else
        {r["metric"]: r["difference"] for r in ev.rows()},
        "picker": {"walking_speed_m_s": ev.picker.walking_speed_m_s, "time_per_stop_s": ev.picker.time_per_stop_s,
                   "time_per_unit_s": ev.picker.time_per_unit_s},
        "replay": {"wave_hours": ev.replay_params.wave_hours,
                   "max_orders_per_wave": ev.replay_params.max_orders_per_wave,
                   "payment_status": "every order counts as paid",
                   "method": str(ev.config.method), "routing": str(ev.config.routing),
                   "seed": ev.config.seed, "max_iterations": ev.config.max_iterations,
                   "time_limit_s": ev.config.time_limit_s},
    }


def _metrics_dict(m: Metrics) -> dict[str, Any]:
    return {name: getattr(m, name) for name, _ in Metrics.FIELDS}


def evaluation_markdown(ev: Evaluation, pictures: Sequence[Path] = ()) -> str:
    """A markdown table of the evaluation, with links to its pictures."""
    base_name = ev.baseline_replay.scenario.name
    lines = [f"# Evaluation: {base_name}"
             + (f" vs {ev.candidate_replay.scenario.name}" if ev.candidate_replay else ""), ""]
    if ev.candidate is None:
        lines += ["| metric | unit | value |", "|---|---|---:|"]
        lines += [f"| {r['metric']} | {r['unit']} | {_num(r['baseline'])} |" for r in ev.rows()]
    else:
        cand_name = ev.candidate_replay.scenario.name if ev.candidate_replay else "candidate"
        lines += [f"| metric | unit | {base_name} | {cand_name} | difference | change |",
                  "|---|---|---:|---:|---:|---:|"]
        for r in ev.rows():
            pct = "" if r["change_pct"] is None else f"{r['change_pct']:+.1f} %"
            lines.append(f"| {r['metric']} | {r['unit']} | {_num(r['baseline'])} | {_num(r['candidate'])} | "
                         f"{_num(r['difference'], signed=True)} | {pct} |")
    p = ev.picker
    lines += ["", f"Picker model: {p.walking_speed_m_s:g} m/s walking, {p.time_per_stop_s:g} s per stop, "
              f"{p.time_per_unit_s:g} s per unit. Replay: waves of {ev.replay_params.wave_hours:g} h by created_at, "
              f"every order counted as paid, method {ev.config.method}, routing {ev.config.routing}, "
              f"seed {ev.config.seed}, max_iterations {ev.config.max_iterations}."]
    if ev.config.max_iterations is None:
        lines.append("Search stopped by time limit: set max_iterations for a repeatable comparison.")
    if pictures:
        lines += [""] + [f"![{q.stem}]({q.name})" for q in pictures if q.suffix == ".png"]
    return "\n".join(lines) + "\n"


def _num(v: Any, signed: bool = False) -> str:
    if isinstance(v, float):
        return f"{v:+,.2f}" if signed else f"{v:,.2f}"
    if isinstance(v, int):
        return f"{v:+,d}" if signed else f"{v:,d}"
    return str(v)


def write_evaluation(ev: Evaluation, out_dir: str | Path, pictures: Sequence[Path] = ()) -> list[Path]:
    """Write ``evaluation.csv``, ``evaluation.json`` and ``evaluation.md`` into ``out_dir``."""
    import csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / "evaluation.csv", out / "evaluation.json", out / "evaluation.md"]
    with paths[0].open("w", newline="", encoding="utf-8") as fh:
        cols = ["metric", "unit", "baseline"] + (["candidate", "difference", "change_pct"] if ev.candidate else [])
        w = csv.writer(fh)
        w.writerow(cols)
        for r in ev.rows():
            w.writerow([_fmt(r.get(c)) for c in cols])
    paths[1].write_text(json.dumps(evaluation_json(ev), indent=2) + "\n", encoding="utf-8")
    paths[2].write_text(evaluation_markdown(ev, pictures), encoding="utf-8")
    return paths
