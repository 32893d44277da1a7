"""Batching with scattered storage: SPRP-SS pick lists cut into orders and batched into trips.

Each of Heßler & Irnich's lists of 15 or 30 articles (``shared/benchmarks/sprp-ss/``, read by
:mod:`benchmarks.sprp_ss`) becomes one wave: its articles in file order, three to an order, the
places and units of the instance as stock (a place may hold fewer units than the wave needs: a
line is then split, and trips share the places), carts of three totes, ``method: batch``,
``max_iterations`` fixed (the plans do not depend on the clock). Two paths, in this process:

- ``fixed``: moves scored on the faces release chose, each batch's faces chosen again after the
  search (``engine.wave.groups.FACE_SCORING = False``, the path before face scoring);
- ``faces``: then a second search with every trip priced on its best faces
  (:mod:`engine.wave.face_trips`), the shorter of the two plans kept.

Every plan is checked: each order's units picked in full, no place beyond its units, the trip
lengths recomputed from the stops. No optimum is known for these waves: the figures compare the
two paths.

Run: ``.venv/bin/python -m benchmarks.sprp_ss_batches [--every K] [--limit N] [--out STEM]``.
Writes ``benchmarks/results/<STEM>.md`` and ``.csv`` (default ``sprp_ss_batches``).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass

from benchmarks.sprp_ss import BOX, CREATED, RESULTS, Instance, read_instance, read_references, shared_dir
from engine.model import CartSpec, Method, Order, OrderLine, Sku, StockRecord, WaveConfig

ARTICLES_PER_ORDER = 3
TOTES = 3
ITERATIONS = 200


@dataclass(frozen=True, slots=True)
class Run:
    distance_m: float
    seconds: float
    trips: int
    errors: tuple[str, ...]


def wave_of(inst: Instance) -> tuple[dict[str, Sku], tuple[StockRecord, ...], tuple[Order, ...]]:
    """SKUs, stock per place, and the list cut into orders of :data:`ARTICLES_PER_ORDER` articles."""
    skus = {f"ART{a}": Sku(f"ART{a}", 1.0, 1.0, 1.0, 0.01) for a, _ in inst.demand}
    stock: dict[tuple[str, str], int] = {}
    for p in inst.places:
        stock[(p.article, p.location_id)] = stock.get((p.article, p.location_id), 0) + p.qty
    records = tuple(StockRecord(f"ART{a}", loc, q) for (a, loc), q in stock.items())
    orders = []
    for k in range(0, len(inst.demand), ARTICLES_PER_ORDER):
        oid = f"O{k // ARTICLES_PER_ORDER + 1:02d}"
        chunk = inst.demand[k:k + ARTICLES_PER_ORDER]
        orders.append(Order(oid, tuple(OrderLine(oid, f"ART{a}", q, n) for n, (a, q) in enumerate(chunk, 1)),
                            CREATED, "captured"))
    return skus, records, tuple(orders)


def run(inst: Instance, face_scoring: bool) -> Run:
    from engine.wave import WaveProblem, plan_wave
    from engine.wave import groups as groups_mod

    skus, stock, orders = wave_of(inst)
    config = WaveConfig(method=Method.BATCH, cart=CartSpec(totes=TOTES), seed=0, max_iterations=ITERATIONS)
    problem = WaveProblem.build(inst.layout, skus, stock, (BOX,), orders, config=config)
    old = groups_mod.FACE_SCORING
    groups_mod.FACE_SCORING = face_scoring
    try:
        t0 = time.perf_counter()
        plan = plan_wave(problem)
        dt = time.perf_counter() - t0
    finally:
        groups_mod.FACE_SCORING = old
    errors = []
    if plan.held:
        errors.append(f"{inst.name}: {len(plan.held)} orders held")
    got: dict[str, Counter[str]] = {}
    used: Counter[tuple[str, str]] = Counter()
    for b in plan.batches:
        for p in b.picks:
            got.setdefault(p.order_id, Counter())[p.sku] += p.qty
            used[(p.sku, p.location_id)] += p.qty
        if abs(inst.layout.route_length([inst.layout.point(s) for s in b.stops]) - b.distance_m) > 1e-6:
            errors.append(f"{inst.name}: a trip's distance does not match its stops")
    for o in orders:
        if dict(got.get(o.order_id, {})) != o.quantities():
            errors.append(f"{inst.name}: order {o.order_id} not picked as ordered")
    have = Counter({(r.sku, r.location_id): r.qty for r in stock})
    errors += [f"{inst.name}: {k} overdrawn" for k, q in used.items() if q > have[k]]
    return Run(sum(b.distance_m for b in plan.batches), dt, len(plan.batches), tuple(errors))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--every", type=int, default=4, help="every k-th list of 15 or 30 articles")
    ap.add_argument("--offset", type=int, default=0, help="start at this list (with --every: a disjoint sample)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", default="sprp_ss_batches")
    args = ap.parse_args(argv)
    base = shared_dir()
    names = [n for n in sorted(read_references(base / "references.csv")) if "_a15_" in n or "_a30_" in n]
    names = names[args.offset:: args.every][: args.limit]
    instances = [read_instance(base / "instances" / n) for n in names]
    run(instances[0], True)  # warm: numba kernels, solver libraries
    run(instances[0], False)
    load_before = os.getloadavg()
    rows = []
    errors: list[str] = []
    for inst in instances:
        fixed, faces = run(inst, False), run(inst, True)
        errors += [*fixed.errors, *faces.errors]
        rows.append({"instance": inst.name, "orders": str(len(wave_of(inst)[2])),
                     "fixed_m": f"{fixed.distance_m:g}", "faces_m": f"{faces.distance_m:g}",
                     "gain_pct": f"{100 * (1 - faces.distance_m / fixed.distance_m):.3f}",
                     "fixed_s": f"{fixed.seconds:.3f}", "faces_s": f"{faces.seconds:.3f}",
                     "fixed_trips": str(fixed.trips), "faces_trips": str(faces.trips)})
        print(inst.name, rows[-1]["fixed_m"], rows[-1]["faces_m"], rows[-1]["faces_s"], flush=True)
    load_after = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / f"{args.out}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    table = ["| family | articles | waves | fixed m | faces m | gain % | better | worse | fixed median s | "
             "faces median s | faces max s |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for fam in ("unit", "varying", "all"):
        for arts in ("15", "30", "all"):
            sel = [r for r in rows if (fam == "all" or r["instance"].startswith(fam))
                   and (arts == "all" or f"_a{arts}_" in r["instance"])]
            if not sel or (fam == "all") != (arts == "all"):
                continue
            fx = sum(float(r["fixed_m"]) for r in sel)
            fc = sum(float(r["faces_m"]) for r in sel)
            table.append(
                f"| {fam} | {arts} | {len(sel)} | {fx:,.0f} | {fc:,.0f} | {100 * (1 - fc / fx):.2f} | "
                f"{sum(float(r['faces_m']) < float(r['fixed_m']) - 1e-9 for r in sel)} | "
                f"{sum(float(r['faces_m']) > float(r['fixed_m']) + 1e-9 for r in sel)} | "
                f"{statistics.median(float(r['fixed_s']) for r in sel):.2f} | "
                f"{statistics.median(float(r['faces_s']) for r in sel):.2f} | "
                f"{max(float(r['faces_s']) for r in sel):.2f} |")
    text = "\n".join([
        "# Batching with scattered storage (SPRP-SS lists as waves)",
        "",
        f"Generated by `.venv/bin/python -m benchmarks.sprp_ss_batches --every {args.every} --offset {args.offset}` "
        f"on {len(rows)} lists of 15 or 30 articles",
        f"of Heßler & Irnich (2024): each list cut into orders of {ARTICLES_PER_ORDER} articles, carts of {TOTES} "
        f"totes, `method: batch`, `max_iterations: {ITERATIONS}`.",
        "`fixed`: moves scored on release's faces, faces re-chosen per batch after the search; `faces`: then",
        "a second search with every trip priced on its best faces (`engine.wave.face_trips`). Distance summed",
        "over the waves; time per wave (whole plan). Shared 2-core machine, load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after, one process, warm.",
        "",
        *table,
        "",
        f"Errors (an order not picked as ordered, a place overdrawn, a distance not matching its stops): {len(errors)}",
        *(f"- {e}" for e in errors[:30]),
        "",
    ])
    (RESULTS / f"{args.out}.md").write_text(text, encoding="utf-8")
    print(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
