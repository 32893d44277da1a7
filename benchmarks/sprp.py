"""Single picker routing: exactness on 4,800 proven optima, heuristic gaps, speed.

Reads ``shared/benchmarks/sprp/{single_block,two_block}.csv`` (Heßler & Irnich's
classic instances with proven optimal tour lengths), builds each layout as the
README there says (slot 1 m, aisle pitch 3 m, cross aisles 1 m wide), and for
every instance:

- checks that ``routing=optimal`` (both :func:`engine.routing.route_length` and
  the stop order of :func:`engine.routing.solve`) reproduces ``optimal_m``
  to within 1e-6;
- measures each heuristic's gap to the optimum.

Then times every method on generated, seeded lists of 30 picks on 25 aisles
(one and two blocks), reporting routes/s, the median time per route and the
speed ratio against S-shape measured in the same process.

Run: ``.venv/bin/python -m benchmarks.sprp`` (``--limit N`` for a quick look).
Writes ``benchmarks/results/sprp.md`` and ``sprp.csv``.
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from engine.layout import RectangularLayout, RectPoint
from engine.model import RoutingMethod
from engine.routing import RoutingParams, route_length, solve

logger = logging.getLogger("benchmarks.sprp")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FILES = ("single_block.csv", "two_block.csv")
METHODS = tuple(RoutingMethod)
TOL = 1e-6


def shared_dir() -> Path:
    return Path(os.environ.get("PICKWAVE_SHARED", ROOT.parent / "shared")) / "benchmarks"


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    layout: RectangularLayout
    points: tuple[RectPoint, ...]
    optimal_m: float


def parse_instances(text: str, file: str) -> list[Instance]:
    """Rows of an sprp CSV as layouts and pick points (pure)."""
    out = []
    layouts: dict[tuple[int, int, int, float], RectangularLayout] = {}
    for row in csv.DictReader(text.splitlines()):
        key = (int(row["aisles"]), int(row["blocks"]), int(row["slots_per_side"]), float(row["depot_x_m"]))
        lay = layouts.get(key)
        if lay is None:
            lay = layouts[key] = RectangularLayout(
                f"{file}:{key}", blocks=key[1], aisles=key[0], slots_per_side=key[2],
                slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=1.0, depot_x_m=key[3],
            )
        points = tuple(lay.point(p) for p in row["picks"].split(";"))
        out.append(Instance(row["instance"], lay, points, float(row["optimal_m"])))
    return out


@dataclass
class Tally:
    gaps: list[float]
    seconds: float = 0.0
    worst: str = ""
    worst_gap: float = 0.0


def run_instances(instances: list[Instance]) -> tuple[dict[RoutingMethod, Tally], list[str]]:
    tallies = {m: Tally([]) for m in METHODS}
    mismatches: list[str] = []
    for inst in instances:
        for m in METHODS:
            t0 = time.perf_counter()
            length = route_length(inst.layout, inst.points, m)
            tallies[m].seconds += time.perf_counter() - t0
            gap = (length - inst.optimal_m) / inst.optimal_m
            tallies[m].gaps.append(gap)
            if gap > tallies[m].worst_gap:
                tallies[m].worst, tallies[m].worst_gap = inst.name, gap
            if gap < -TOL:
                mismatches.append(f"{inst.name}: {m.value} {length} below the optimum {inst.optimal_m}")
        route = solve(inst.layout, inst.points)
        if abs(route.length_m - inst.optimal_m) > TOL or not route.proven:
            mismatches.append(f"{inst.name}: solve() gives {route.length_m}, optimum {inst.optimal_m}")
        fast = inst.optimal_m * (1 + tallies[RoutingMethod.OPTIMAL].gaps[-1])
        if abs(fast - inst.optimal_m) > TOL:
            mismatches.append(f"{inst.name}: route_length gives {fast}, optimum {inst.optimal_m}")
    return tallies, mismatches


def generated_lists(blocks: int, count: int, seed: int) -> tuple[RectangularLayout, list[list[RectPoint]]]:
    """``count`` seeded lists of 30 distinct picks on a 25-aisle layout."""
    lay = RectangularLayout(
        f"gen-{blocks}", blocks=blocks, aisles=25, slots_per_side=60 // blocks,
        slot_length_m=1.0, aisle_pitch_m=3.0, cross_aisle_width_m=1.0, depot_x_m=36.0,
    )
    rng = random.Random(seed)
    cells = [(a, b, s) for a in range(1, 26) for b in range(1, blocks + 1) for s in range(1, 60 // blocks + 1)]
    return lay, [[lay.make_point(*c) for c in rng.sample(cells, 30)] for _ in range(count)]


def time_methods(blocks: int, count: int, seed: int) -> dict[RoutingMethod, list[float]]:
    lay, lists = generated_lists(blocks, count + 1, seed)
    warm = lists.pop()
    times: dict[RoutingMethod, list[float]] = {m: [] for m in METHODS}
    for m in METHODS:
        route_length(lay, warm, m)  # build the transition tables; timed lists are all new
    for pts in lists:  # interleave methods so machine noise hits all alike
        for m in METHODS:
            t0 = time.perf_counter()
            route_length(lay, pts, m)
            times[m].append(time.perf_counter() - t0)
    return times


def time_solve(blocks: int, count: int, seed: int) -> list[float]:
    lay, lists = generated_lists(blocks, count, seed)
    out = []
    for pts in lists:
        t0 = time.perf_counter()
        solve(lay, pts, RoutingParams())
        out.append(time.perf_counter() - t0)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="instances per file (default all)")
    ap.add_argument("--timing-lists", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rows: list[dict[str, str]] = []
    all_mismatches: list[str] = []
    exact_lines = []
    for file in FILES:
        path = shared_dir() / "sprp" / file
        instances = parse_instances(path.read_text(encoding="utf-8"), file)[: args.limit]
        tallies, mismatches = run_instances(instances)
        all_mismatches += mismatches
        matched = sum(1 for g in tallies[RoutingMethod.OPTIMAL].gaps if abs(g) < 1e-9)
        exact_lines.append(f"- `{file}`: optimal reproduces {matched} / {len(instances)} proven optima")
        for m, t in tallies.items():
            rows.append({
                "set": file.removesuffix(".csv"),
                "method": m.value,
                "instances": str(len(t.gaps)),
                "mean_gap_pct": f"{100 * statistics.fmean(t.gaps):.3f}",
                "max_gap_pct": f"{100 * max(t.gaps):.3f}",
                "routes_per_s": f"{len(t.gaps) / t.seconds:.0f}",
            })
    speed_rows: list[dict[str, str]] = []
    for blocks in (1, 2):
        times = time_methods(blocks, args.timing_lists, args.seed)
        base = statistics.median(times[RoutingMethod.S_SHAPE])
        for m, ts in times.items():
            med = statistics.median(ts)
            speed_rows.append({
                "blocks": str(blocks),
                "method": m.value,
                "routes_per_s": f"{len(ts) / sum(ts):.0f}",
                "median_ms": f"{1000 * med:.3f}",
                "time_vs_s_shape": f"{med / base:.2f}",
            })
        st = time_solve(blocks, max(20, args.timing_lists // 5), args.seed)
        speed_rows.append({
            "blocks": str(blocks),
            "method": "optimal (solve, with stop order)",
            "routes_per_s": f"{len(st) / sum(st):.0f}",
            "median_ms": f"{1000 * statistics.median(st):.3f}",
            "time_vs_s_shape": f"{statistics.median(st) / base:.2f}",
        })
    write_results(rows, speed_rows, exact_lines, all_mismatches)
    return 1 if all_mismatches else 0


def _markdown(rows: list[dict[str, str]]) -> list[str]:
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return out


def write_results(
    rows: list[dict[str, str]], speed_rows: list[dict[str, str]], exact_lines: list[str], mismatches: list[str]
) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / "sprp.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=["table", *rows[0], "blocks", "median_ms", "time_vs_s_shape"])
        w.writeheader()
        for r in rows:
            w.writerow({"table": "gap", **r})
        for r in speed_rows:
            w.writerow({"table": "speed_30_picks_25_aisles", **r})
    lines = [
        "# Single picker routing (sprp)",
        "",
        "Generated by `.venv/bin/python -m benchmarks.sprp`. Instances: Heßler & Irnich's",
        "classic SPRP set (see `shared/benchmarks/sprp/README.md`).",
        "",
        "## Exactness",
        "",
        *exact_lines,
        f"- mismatches (tolerance {TOL}): {len(mismatches)}",
        *(f"  - {m}" for m in mismatches[:20]),
        "",
        "## Gap to the proven optimum (SPEC length of each method's stop order)",
        "",
        "`routes_per_s` is over these instances (5 to 50 aisles, 3 to 30 picks).",
        "",
        *_markdown(rows),
        "",
        "## Speed: 30 picks on 25 aisles (generated, seeded), `route_length` per call",
        "",
        "Medians over seeded lists, methods interleaved in one process; `time_vs_s_shape`",
        "is the median time relative to S-shape measured alongside (2 noisy cores).",
        "",
        *_markdown(speed_rows),
        "",
    ]
    text = "\n".join(lines)
    (RESULTS / "sprp.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
