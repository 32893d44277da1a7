"""Single picker routing: exactness on 4,800 proven optima, heuristic gaps, speed.

Reads ``shared/benchmarks/sprp/{single_block,two_block}.csv`` (Heßler & Irnich's
classic instances with proven optimal tour lengths), builds each layout as the
README there says (slot 1 m, aisle pitch 3 m, cross aisles 1 m wide), and for
every instance:

- checks that ``routing=optimal`` (both :func:`engine.routing.route_length` and
  the stop order of :func:`engine.routing.solve`) reproduces ``optimal_m``
  to within 1e-6;
- measures each heuristic's gap to the optimum.

Then, on generated, seeded lists of 30 picks on 25 aisles with 1 to 4 blocks:

- the exact length: the reference programme (:mod:`engine.routing.aisle_dp`,
  pure Python, what ``route_length`` ran before the compiled kernel) against
  ``route_length``, ``RouteScorer.length`` and the batch calls, interleaved in
  one process, as routes/s, median ms and the speed-up over the reference;
- ``solve`` (stop order) against the reference ``solve_tour``;
- every method's ``route_length`` against S-shape measured alongside;
- the cost of the first exact call in a fresh process, with and without
  numba's on-disk cache.

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
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.layout import RectangularLayout, RectPoint
from engine.model import RoutingMethod
from engine.routing import RouteScorer, RoutingParams, aisle_dp, route_length, route_lengths, solve

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
        route_length(lay, warm, m)  # load the compiled kernel and tables; timed lists are all new
    for pts in lists:  # interleave methods so machine noise hits all alike
        for m in METHODS:
            t0 = time.perf_counter()
            route_length(lay, pts, m)
            times[m].append(time.perf_counter() - t0)
    return times


BATCH = 20  # lists per batch call (e.g. the insertion positions of one order)
BATCHED = "batch: "  # prefix of the paths timed per chunk of BATCH lists


Timing = tuple[float, float]  # (wall-clock s, this thread's CPU s)


def _timed(fn: Callable[..., object], *args: object) -> tuple[Timing, object]:
    """Wall-clock and CPU time of one call. CPU time leaves out the time the thread
    waits for a core, which on this shared machine is most of a long call's noise."""
    w0, c0 = time.perf_counter(), time.thread_time()
    out = fn(*args)
    return (time.perf_counter() - w0, time.thread_time() - c0), out


def time_exact(blocks: int, count: int, seed: int) -> tuple[dict[str, list[Timing]], list[str]]:
    """Seconds per route of the reference and the compiled paths, interleaved.

    Single calls alternate per list (the order rotates so no path always runs
    first); batch calls alternate per chunk of ``BATCH`` lists, their time
    divided by ``BATCH``. Every compiled value is checked against the reference.
    """
    lay, lists = generated_lists(blocks, count + 1, seed)
    warm = lists.pop()
    depot_x = lay.depot().x
    scorer = RouteScorer(lay, [p for pts in lists for p in pts])
    index = [np.arange(30 * i, 30 * i + 30) for i in range(len(lists))]
    route_length(lay, warm)
    route_lengths(lay, [warm])
    scorer.lengths(index[:1])
    single: dict[str, Callable[[int], float]] = {
        "reference": lambda i: aisle_dp.optimal_length(lay, sorted(set(lists[i])), depot_x),
        "route_length": lambda i: route_length(lay, lists[i]),
        "RouteScorer.length": lambda i: scorer.length(index[i]),
    }
    times: dict[str, list[Timing]] = {k: [] for k in single}
    errors: list[str] = []
    for i in range(len(lists)):
        names = list(single)
        names = names[i % len(names):] + names[: i % len(names)]
        values = {}
        for name in names:
            dt, values[name] = _timed(single[name], i)
            times[name].append(dt)
        if len(set(values.values())) != 1:
            errors.append(f"{blocks} blocks, list {i}: {values}")
    batch = {
        "reference": lambda c: [aisle_dp.optimal_length(lay, sorted(set(pts)), depot_x) for pts in c[0]],
        "route_lengths": lambda c: route_lengths(lay, c[0]).tolist(),
        "RouteScorer.lengths": lambda c: scorer.lengths(c[1]).tolist(),
    }
    for name in batch:
        times[BATCHED + name] = []
    for lo in range(0, len(lists) - BATCH + 1, BATCH):
        chunk = (lists[lo:lo + BATCH], index[lo:lo + BATCH])
        results = {}
        for name, fn in batch.items():
            dt, results[name] = _timed(fn, chunk)
            times[BATCHED + name].append((dt[0] / BATCH, dt[1] / BATCH))
        if any(r != results["reference"] for r in results.values()):
            errors.append(f"{blocks} blocks, batch at {lo}: compiled batch differs from the reference")
    return times, errors


def time_solve(blocks: int, count: int, seed: int) -> dict[str, list[Timing]]:
    """Seconds per ``solve`` (compiled, stop order) and reference ``solve_tour``, interleaved."""
    lay, lists = generated_lists(blocks, count + 1, seed)
    solve(lay, lists.pop())
    out: dict[str, list[Timing]] = {"reference solve_tour": [], "solve": []}
    for pts in lists:
        out["reference solve_tour"].append(_timed(aisle_dp.solve_tour, lay, pts, lay.depot().x)[0])
        out["solve"].append(_timed(solve, lay, pts, RoutingParams())[0])
    return out


FRESH = """
import time
t0 = time.perf_counter()
from engine.routing import route_length
from benchmarks.sprp import generated_lists
t1 = time.perf_counter()
lay, lists = generated_lists({blocks}, 2, 0)
route_length(lay, lists[0])
t2 = time.perf_counter()
route_length(lay, lists[1])
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def time_fresh_process(blocks: int, numba_cache: bool, bytecode: bool) -> tuple[float, float, float]:
    """``(import s, first call s, second call s)`` in a new interpreter.

    Without ``numba_cache`` numba is pointed at an empty cache directory, so the
    kernel compiles. With ``bytecode`` Python may keep ``.pyc`` files (in a
    temporary prefix, warmed by one untimed run): how an installed package runs,
    unlike a ``PYTHONDONTWRITEBYTECODE=1`` shell, where numba's ~300 modules are
    compiled from source at every import.
    """
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as numba_tmp, tempfile.TemporaryDirectory() as pyc_tmp:
        if not numba_cache:
            env["NUMBA_CACHE_DIR"] = numba_tmp
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = pyc_tmp
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        cmd = [sys.executable, "-c", FRESH.format(blocks=blocks)]
        if bytecode:
            subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=True)
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.split()
    a, b, c = (float(x) for x in out)
    return a, b, c


def speed_tables(count: int, seed: int) -> tuple[list[dict[str, str]], list[dict[str, str]], list[str]]:
    exact_rows: list[dict[str, str]] = []
    method_rows: list[dict[str, str]] = []
    errors: list[str] = []
    for blocks in (1, 2, 3, 4):
        times, errs = time_exact(blocks, count, seed)
        errors += errs
        times.update(time_solve(blocks, max(20, count // 10), seed))
        for name, ts in times.items():
            if name.startswith(BATCHED):  # alternated per chunk: compare total times
                ref = times[BATCHED + "reference"]
                agg: Callable[[list[float]], float] = sum
            else:  # alternated per list: compare medians
                ref = times["reference solve_tour" if "solve" in name else "reference"]
                agg = statistics.median
            wall, cpu = [t[0] for t in ts], [t[1] for t in ts]
            exact_rows.append({
                "blocks": str(blocks),
                "path": name,
                "routes_per_s": f"{len(ts) / sum(wall):.0f}",
                "median_ms": f"{1000 * statistics.median(wall):.4f}",
                "median_cpu_ms": f"{1000 * statistics.median(cpu):.4f}",
                "speedup": f"{agg([t[0] for t in ref]) / agg(wall):.1f}",
                "speedup_cpu": f"{agg([t[1] for t in ref]) / agg(cpu):.1f}",
            })
        mt = time_methods(blocks, count, seed)
        s_base = statistics.median(mt[RoutingMethod.S_SHAPE])
        for m, secs in mt.items():
            med = statistics.median(secs)
            method_rows.append({
                "blocks": str(blocks),
                "method": m.value,
                "routes_per_s": f"{len(secs) / sum(secs):.0f}",
                "median_ms": f"{1000 * med:.4f}",
                "time_vs_s_shape": f"{med / s_base:.2f}",
            })
    return exact_rows, method_rows, errors


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
    load_before = os.getloadavg()
    exact_rows, method_rows, errors = speed_tables(args.timing_lists, args.seed)
    all_mismatches += errors
    fresh_rows = []
    for blocks in (1, 4):
        for numba_cache, bytecode in ((False, False), (True, False), (True, True)):
            imp, first, second = time_fresh_process(blocks, numba_cache, bytecode)
            fresh_rows.append({
                "blocks": str(blocks),
                "numba_cache": "warm" if numba_cache else "empty (compiles)",
                "python_bytecode_cache": "yes" if bytecode else "no",
                "import_s": f"{imp:.2f}",
                "first_route_length_s": f"{first:.2f}",
                "second_route_length_ms": f"{1000 * second:.2f}",
            })
    load = (load_before, os.getloadavg())
    write_results(rows, exact_rows, method_rows, fresh_rows, exact_lines, all_mismatches, load)
    return 1 if all_mismatches else 0


def _markdown(rows: list[dict[str, str]]) -> list[str]:
    cols = list(rows[0])
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join(r[c] for c in cols) + " |" for r in rows]
    return out


def write_results(
    rows: list[dict[str, str]],
    exact_rows: list[dict[str, str]],
    method_rows: list[dict[str, str]],
    fresh_rows: list[dict[str, str]],
    exact_lines: list[str],
    mismatches: list[str],
    load: tuple[tuple[float, float, float], tuple[float, float, float]],
) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    tables = {
        "gap": rows,
        "exact_speed_30_picks_25_aisles": exact_rows,
        "method_speed_30_picks_25_aisles": method_rows,
        "fresh_process": fresh_rows,
    }
    fields = ["table", *dict.fromkeys(k for t in tables.values() for r in t for k in r)]
    with open(RESULTS / "sprp.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for name, table in tables.items():
            for r in table:
                w.writerow({"table": name, **r})
    lines = [
        "# Single picker routing (sprp)",
        "",
        "Generated by `.venv/bin/python -m benchmarks.sprp`. Instances: Heßler & Irnich's",
        "classic SPRP set (see `shared/benchmarks/sprp/README.md`).",
        "",
        "## Exactness",
        "",
        *exact_lines,
        f"- mismatches (tolerance {TOL}; compiled against reference: exact): {len(mismatches)}",
        *(f"  - {m}" for m in mismatches[:20]),
        "",
        "## Gap to the proven optimum (SPEC length of each method's stop order)",
        "",
        "`routes_per_s` is over these instances (5 to 50 aisles, 3 to 30 picks).",
        "",
        *_markdown(rows),
        "",
        "## Exact length: reference programme against the compiled kernel",
        "",
        "30 picks on 25 aisles (generated, seeded), one process. `reference` is the pure-Python",
        "programme of `engine.routing.aisle_dp` (the `route_length` hot path before the",
        "compiled kernel, without its memo). Single calls are interleaved per list (the order",
        "rotating); `speedup_vs_reference` is the reference median over this median (`solve`",
        f"rows: over the reference `solve_tour`; both share the Euler-circuit step). `{BATCHED}` rows",
        f"are timed per chunk of {BATCH} lists, alternating with the reference over the same chunk",
        "(`median_ms` per route); their speed-up is the ratio of total times. `routes_per_s`,",
        "`median_ms` and `speedup` are wall clock; the `_cpu` columns count only the CPU time",
        "of this thread, which leaves out waiting for a core: on this shared machine a 30 ms",
        "reference call is nearly always preempted and a 0.05 ms call rarely, so the wall-clock",
        "ratios of single calls overstate the gain and those of batches understate it. Every",
        "compiled value equals the reference's exactly (checked). Machine: "
        f"{os.cpu_count()} cores, load average {load[0][0]:.2f} before and {load[1][0]:.2f} after the",
        "timing (shared with other benchmarks).",
        "",
        *_markdown(exact_rows),
        "",
        "## Every method's `route_length`, relative to S-shape measured alongside",
        "",
        *_markdown(method_rows),
        "",
        "## First exact call in a fresh process",
        "",
        "`import_s`: importing `engine.routing` (numba loads on the first exact call, not here);",
        "`first_route_length_s`: the first call (numba import, tables, loading or compiling the",
        "kernel); `numba_cache` empty points `NUMBA_CACHE_DIR` at an empty directory (a new",
        "checkout: compiles once, then cached under `engine/routing/__pycache__`);",
        "`python_bytecode_cache` no is `PYTHONDONTWRITEBYTECODE=1`, as in this machine's shell.",
        "",
        *_markdown(fresh_rows),
        "",
    ]
    text = "\n".join(lines)
    (RESULTS / "sprp.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    sys.exit(main())
