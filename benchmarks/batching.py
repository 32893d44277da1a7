"""Batching benchmark: route-aware ALNS against savings and first-come baselines.

On generated warehouses (1-4 blocks, 10-30 aisles, 300-2,000 orders of mostly
1-4 lines, Zipf-like popularity, random slotting, several cart sizes), every
method's batches are measured the same way: the sum over batches of the
optimal route length (exact aisle DP of :mod:`engine.routing`). Methods, all
run in this process on the same released orders and faces:

- ``FC``: first-come batching (carts filled in arrival order);
- ``CW``: Clarke-Wright savings batching (de Koster, van der Poort & Wolters
  1999, CW(i)) on the 10 best pairs per order;
- ``CW+LS``: CW followed by relocate/swap descent to a local optimum;
- ``ALNS <t>``: :func:`engine.batching.solve` with a ``t`` second limit.

Moves and savings are scored by exact route lengths (the compiled
:class:`engine.routing.RouteScorer`, 1-4 blocks; see
``engine.wave.pipeline.scoring_method``); the measure is always the optimal route.

Run: ``.venv/bin/python -m benchmarks.batching [--quick]``. Writes
``benchmarks/results/batching.md`` and ``.csv`` and prints the table.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import logging
import os
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from engine.batching import (
    BatchingParams,
    BatchingProblem,
    BatchState,
    RouteCache,
    first_come,
    local_search,
    savings_batches,
    solve,
)
from engine.layout import RectangularLayout, RectPoint
from engine.model import CartSpec, RoutingMethod
from engine.routing import RouteScorer, route_length
from engine.synth import SynthParams, generate
from engine.wave import StockLedger, WaveProblem, plan_wave, rank_key
from engine.wave.pipeline import scoring_method

RESULTS = Path(__file__).resolve().parent / "results"
log = logging.getLogger("benchmarks.batching")


@dataclass(frozen=True)
class Case:
    name: str
    params: SynthParams
    seed: int


CART = {4: CartSpec(4, 60, 200), 8: CartSpec(8, 150, 600), 12: CartSpec(12, 200, 800)}
FULL = (
    Case("1b-10a-300o-c8", SynthParams(blocks=1, aisles=10, slots_per_side=60, skus=550, orders=300,
                                       cart=CART[8]), 1),
    Case("2b-16a-600o-c12", SynthParams(blocks=2, aisles=16, slots_per_side=30, skus=900, orders=600,
                                        cart=CART[12]), 2),
    Case("2b-30a-2000o-c8", SynthParams(blocks=2, aisles=30, slots_per_side=30, skus=1600, orders=2000,
                                        cart=CART[8]), 3),
    Case("3b-20a-1000o-c8", SynthParams(blocks=3, aisles=20, slots_per_side=20, skus=1100, orders=1000,
                                        cart=CART[8]), 4),
    Case("4b-12a-500o-c4", SynthParams(blocks=4, aisles=12, slots_per_side=15, skus=700, orders=500,
                                       cart=CART[4]), 5),
)
QUICK = (FULL[0], FULL[4])
#: The size of a real wave at a busy site (issue figure: quality at 10k no worse than at 2k).
LARGE = (Case("2b-30a-10000o-c8", SynthParams(blocks=2, aisles=30, slots_per_side=50, skus=3000, orders=10000,
                                             mean_lines=3.0, cart=CART[8]), 6),)


def batching_problem(case: Case) -> tuple[BatchingProblem, list[Hashable], RectangularLayout]:
    """Captured orders with stock, on the faces nearest the depot, as a batching problem."""
    inst = generate(case.params, case.seed)
    lay = inst.layout
    skus = {s.sku: s for s in inst.skus}
    ledger = StockLedger(inst.stock, lambda loc: lay.distance(lay.depot(), lay.point(loc)))
    index: dict[Hashable, int] = {}
    points_table: list[Hashable] = []
    points, keys, weights, volumes = [], [], [], []
    for o in sorted(inst.orders, key=lambda o: rank_key(o, None)):
        q = o.quantities()
        if o.payment_status != "captured" or ledger.can_serve(q) is not None:
            continue
        takes = [t for s, n in sorted(q.items()) for t in ledger.take(o.order_id, s, n)]
        w = sum(skus[t.sku].weight_kg * t.qty for t in takes)
        v = sum(skus[t.sku].volume_l * t.qty for t in takes)
        if w > case.params.cart.max_weight_kg or v > case.params.cart.max_volume_l:
            continue  # orders over a cart are split by the pipeline; left out here for a clean comparison
        pts = []
        for t in takes:
            p = lay.point(t.location_id)
            pts.append(index.setdefault(p, len(points_table)))
            if pts[-1] == len(points_table):
                points_table.append(p)
        points.append(pts)
        keys.append([points_table[i][0] for i in pts])  # type: ignore[index]
        weights.append(w)
        volumes.append(v)
    xy = [(float(p.x), float(p.y)) for p in cast(list[RectPoint], points_table)]
    centroid = [(sum(xy[i][0] for i in pp) / len(pp), sum(xy[i][1] for i in pp) / len(pp)) for pp in points]
    return BatchingProblem.build(points, keys, weights, volumes, case.params.cart, centroid), points_table, lay


def run_case(case: Case, limits: tuple[float, ...]) -> dict[str, object]:
    prob, table, lay = batching_problem(case)
    if scoring_method(lay, RoutingMethod.OPTIMAL) is RoutingMethod.OPTIMAL:
        scorer = RouteScorer(lay, cast(list[RectPoint], table))
        score = RouteCache(scorer.length, scorer=scorer)  # column generation prices through it (<= 400 orders)
        exact = score
    else:
        score = RouteCache(lambda pts: route_length(lay, [table[i] for i in sorted(pts)],
                                                    scoring_method(lay, RoutingMethod.OPTIMAL)))
        exact = RouteCache(lambda pts: route_length(lay, [table[i] for i in sorted(pts)]))

    def measure(batches: Sequence[Sequence[int]]) -> float:
        return sum(exact(frozenset(q for i in b for q in prob.points[i])) for b in batches)

    row: dict[str, object] = {"instance": case.name, "orders": prob.n, "blocks": lay.blocks, "aisles": lay.aisles,
                              "totes": prob.cart.totes}
    t = time.perf_counter()
    row["FC"] = measure(first_come(prob))
    cw = savings_batches(prob, score, 10)
    row["CW"] = measure(cw)
    state = BatchState(prob, score, cw)
    local_search(state, 8, max_passes=50)
    row["CW+LS"] = measure(state.batches())
    row["baselines_s"] = round(time.perf_counter() - t, 1)
    for limit in limits:
        t = time.perf_counter()
        res = solve(prob, score, BatchingParams(time_limit_s=limit), seed=case.seed)
        row[f"ALNS {limit:g}s"] = measure(res.batches)
        row[f"iters {limit:g}s"] = res.iterations
        log.info("%s ALNS %gs: %.0f m, %d iterations, %.1f s", case.name, limit, row[f"ALNS {limit:g}s"],
                 res.iterations, time.perf_counter() - t)
    if case in LARGE:
        # The whole `pickwave plan` pipeline on the same instance and budget: it also packs, re-chooses
        # faces, routes and computes its baselines within the limit (its own release and faces).
        inst = generate(case.params, case.seed)
        for limit in limits:
            wave = WaveProblem.build(inst.layout, {s.sku: s for s in inst.skus}, inst.stock, inst.boxes,
                                     inst.orders, (), dataclasses.replace(inst.config, time_limit_s=limit))
            t = time.perf_counter()
            plan = plan_wave(wave, pack_workers=os.cpu_count() or 1)
            row[f"plan {limit:g}s"] = plan.summary.distance_m
            row[f"plan wall {limit:g}s"] = round(time.perf_counter() - t, 1)
            row[f"plan vs CW {limit:g}s"] = plan.summary.distance_m / float(row["CW"])  # type: ignore[arg-type]
    for limit in limits:
        alns = float(row[f"ALNS {limit:g}s"])  # type: ignore[arg-type]
        row[f"vs CW {limit:g}s"] = alns / float(row["CW"])  # type: ignore[arg-type]
        row[f"vs CW+LS {limit:g}s"] = alns / float(row["CW+LS"])  # type: ignore[arg-type]
    row["CW+LS vs FC"] = float(row["CW+LS"]) / float(row["FC"])  # type: ignore[arg-type]
    return row


def table(rows: list[dict[str, object]]) -> tuple[list[str], str]:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        cells = [f"{v:.3f}" if isinstance(v, float) and v < 10 else f"{v:.0f}" if isinstance(v, float) else str(v)
                 for v in r.values()]
        lines.append("| " + " | ".join(cells) + " |")
    return cols, "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="two small instances, 5 s limit")
    ap.add_argument("--large", action="store_true", help="one 10,000-order wave, 60 s limit")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cases, limits = (QUICK, (5.0,)) if args.quick else (LARGE, (60.0,)) if args.large else (FULL, (5.0, 20.0, 60.0))
    load_before = os.getloadavg()
    rows = [run_case(c, limits) for c in cases]
    load_after = os.getloadavg()
    cols, md = table(rows)
    RESULTS.mkdir(exist_ok=True)
    suffix = "-quick" if args.quick else "-large" if args.large else ""
    with open(RESULTS / f"batching{suffix}.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    text = ("Total optimal route length (m) per method; `vs CW <t>` and `vs CW+LS <t>` are the ALNS "
            "distance with a `<t>` limit over the baseline's (below 1 is better); `CW+LS vs FC` is savings plus "
            "local search over first-come. Same process, same orders, same faces. "
            f"Machine: {os.cpu_count()} cores, load average (1/5/15 min) "
            f"{'/'.join(f'{x:.1f}' for x in load_before)} before and "
            f"{'/'.join(f'{x:.1f}' for x in load_after)} after (the ALNS columns are time-limited, so a busy "
            "machine gives fewer iterations).\n\n" + md + "\n")
    (RESULTS / f"batching{suffix}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
