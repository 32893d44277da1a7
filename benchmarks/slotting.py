"""Slotting: travel saved by the recommended moves, measured by replaying the history.

No public slotting data set sits in ``shared/benchmarks``, so the instances are
generated (:mod:`engine.synth`, fixed seeds): a rectangular warehouse, a week
of orders with Zipf-skewed popularity, stock placed either at random or ABC
(popular SKUs nearest the depot, the usual starting point of a tuned site).

For each instance and move budget the script recommends moves
(:func:`engine.planner.slotting.recommend_slotting`) on the week's history and
replays that same week through :func:`engine.wave.plan_wave` before and after
(:func:`engine.planner.evaluate.evaluate`), with ``max_iterations`` fixed so the
figures repeat exactly. The saving is the replayed travel, not the slotting
estimate (shown alongside for comparison).

Run: ``.venv/bin/python -m benchmarks.slotting`` (``--quick`` for a small run).
Writes ``benchmarks/results/slotting.md``, ``slotting.csv`` and the before/after
picture ``benchmarks/results/slotting_before_after.png`` (and ``.svg``).
"""

from __future__ import annotations

import argparse
import csv
import logging
import time
from dataclasses import dataclass, replace
from pathlib import Path

from engine.model import Method
from engine.planner.drawing import pick_density
from engine.planner.evaluate import Evaluation, History, Replay, Scenario, evaluate
from engine.planner.params import SlottingParams
from engine.planner.plots import Panel, plot_comparison
from engine.planner.slotting import recommend_slotting
from engine.synth.generate import SynthParams, generate

logger = logging.getLogger("benchmarks.slotting")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    synth: SynthParams
    seed: int
    budgets: tuple[int | None, ...]


def cases(quick: bool) -> list[Case]:
    if quick:
        small = SynthParams(blocks=1, aisles=8, slots_per_side=10, skus=60, orders=120)
        return [Case("random-small", small, 1, (20, None))]
    site = SynthParams(blocks=2, aisles=12, slots_per_side=15, skus=240, orders=500)
    return [
        Case("random", site, 1, (25, 100, None)),
        Case("abc", replace(site, slotting="abc"), 1, (25, None)),
        Case("random-zones", replace(site, zones=2, method=Method.ZONE), 2, (None,)),
    ]


@dataclass(frozen=True, slots=True)
class Row:
    case: str
    max_moves: str
    moves: int
    orders: int
    waves: int
    before_m: float
    after_m: float
    saving_m: float
    saving_pct: float
    estimated_gain_m: float
    picker_hours_before: float
    picker_hours_after: float
    seconds: float


def _panel(rep: Replay, distance_m: float) -> Panel:
    layout = rep.scenario.layout
    picks = ((p.location_id, p.qty) for plan in rep.plans for b in plan.batches for p in b.picks)
    return Panel(layout, pick_density(layout, picks), f"{rep.scenario.name}: {distance_m:,.0f} m replayed")


def run(quick: bool, max_iterations: int) -> tuple[list[Row], Evaluation | None]:
    rows: list[Row] = []
    picture: Evaluation | None = None
    for case in cases(quick):
        inst = generate(case.synth, seed=case.seed)
        skus = {s.sku: s for s in inst.skus}
        cfg = replace(inst.config, max_iterations=max_iterations, time_limit_s=60.0)
        history = History(skus, inst.orders, cfg, inst.boxes)
        for budget in case.budgets:
            t0 = time.perf_counter()
            plan = recommend_slotting(inst.layout, skus, inst.stock, inst.orders, SlottingParams(max_moves=budget),
                                      zone_depots=cfg.method is Method.ZONE)
            ev = evaluate(Scenario("current", inst.layout, inst.stock), history,
                          Scenario("slotted", inst.layout, plan.stock))
            assert ev.candidate is not None
            b, a = ev.baseline, ev.candidate
            rows.append(Row(case.name, "all" if budget is None else str(budget), len(plan.moves), b.orders, b.waves,
                            b.distance_m, a.distance_m, b.distance_m - a.distance_m,
                            100.0 * (b.distance_m - a.distance_m) / b.distance_m, plan.estimated_gain_m,
                            b.picker_hours, a.picker_hours, time.perf_counter() - t0))
            logger.info("%s", rows[-1])
            if picture is None and budget is None:
                picture = ev
    return rows, picture


def markdown(rows: list[Row], picture_path: str | None, command: str) -> str:
    out = [
        "# Slotting: replayed travel before and after the recommended moves",
        "",
        "Generated week of orders (engine.synth, fixed seeds), replayed through plan_wave per 24 h wave with "
        "max_iterations fixed; every order counts as paid. `saving` is measured by replay; `estimate` is the "
        "slotting heuristic's own score (depot round trips + co-occurrence distances), for comparison only.",
        "",
        "| case | max moves | moves | orders | waves | before (m) | after (m) | saving (m) | saving | estimate (m) "
        "| picker h before | picker h after | s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(f"| {r.case} | {r.max_moves} | {r.moves} | {r.orders} | {r.waves} | {r.before_m:,.1f} | "
                   f"{r.after_m:,.1f} | {r.saving_m:,.1f} | {r.saving_pct:.1f} % | {r.estimated_gain_m:,.0f} | "
                   f"{r.picker_hours_before:.2f} | {r.picker_hours_after:.2f} | {r.seconds:.1f} |")
    if picture_path:
        out += ["", f"Before/after pick density (first case, all moves): `{picture_path}`", "",
                f"![before and after]({Path(picture_path).name})"]
    out += ["", f"Command: `{command}`", ""]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one small instance")
    ap.add_argument("--max-iterations", type=int, default=100)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    rows, picture = run(args.quick, args.max_iterations)
    RESULTS.mkdir(parents=True, exist_ok=True)
    pic_rel: str | None = None
    if picture is not None and picture.candidate is not None and picture.candidate_replay is not None:
        saving = picture.baseline.distance_m - picture.candidate.distance_m
        paths = plot_comparison(_panel(picture.baseline_replay, picture.baseline.distance_m),
                                _panel(picture.candidate_replay, picture.candidate.distance_m),
                                RESULTS / "slotting_before_after",
                                title=f"slotting: replayed travel {-saving:+,.0f} m "
                                      f"({-100 * saving / picture.baseline.distance_m:+.1f} %)")
        pic_rel = str(paths[0].relative_to(ROOT))
    command = ".venv/bin/python -m benchmarks.slotting" + (" --quick" if args.quick else "") + \
        (f" --max-iterations {args.max_iterations}" if args.max_iterations != 100 else "")
    text = markdown(rows, pic_rel, command)
    (RESULTS / "slotting.md").write_text(text, encoding="utf-8")
    with (RESULTS / "slotting.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(Row.__dataclass_fields__)
        for r in rows:
            w.writerow([getattr(r, f) for f in Row.__dataclass_fields__])
    print(text)


if __name__ == "__main__":
    main()
